/**
 * What the threadlab sidebar and the kernel say to each other over the `threadlab` comm: one definition of
 * every message — TypeScript types and runtime validation (zod) — imported by both sides. The kernel is
 * compiled by tsconfig.node.json (CommonJS), the panel by extension/tsconfig.json (ES modules); this file
 * must stay free of Node and DOM APIs.
 *
 * Panel → kernel: `subscribe`, `unsubscribe`, `set_workers`, `set_limit`, `reset`; each is answered with an
 * `ack` or an `error` carrying the request's `id`. Kernel → panel: `hello` once the comm opens, then
 * `update`s (the kernel's state) at the subscribed rate while a panel is subscribed and visible.
 *
 * (The Jupyter wire protocol is kernel/protocol/; the pool's messages to its workers are another thing again.)
 *
 * Every message carries `v` (PROTOCOL_VERSION). Requests are strict — an unknown field is an error, so a
 * misspelt field cannot be silently ignored — while kernel messages are read leniently, so a newer kernel can
 * add fields without breaking an older panel. A change that an older peer would misread bumps the version.
 *
 * @module
 */
import { z } from "zod";
import { CONFIG_SOURCES, WORKER_STATES } from "./vocabulary";

// 2: chunk records for the task timeline (pool.c, running-chunk time in worker tuples, timeline "chunks");
//    updates leave out unchanged slow parts.
// 3: the kernel's state message is "update" (was "snapshot"); maps carry how they ended (`end`), and `over`
//    the backend threads per worker it counted (`backend`); set_workers' `n` has no bound of its own.
//    (Still 3:) an optional `cluster` part; an older panel ignores it, an older kernel never sends it.
// 4: the timeline's chunks moved from `pool.c` to the update's `c` (a cluster map's chunks arrive without a local
//    pool), a chunk tuple may name its cluster node (a 9th field), and `legend` names those nodes and maps.
// 5: a cluster chunk tuple may have a tenth field (a re-run), which a v4 panel's validation rejects; and an
//    optional `r`, the cluster's running batches.
// 6: a worker tuple may have an eighth and ninth field (CPU % and heap MiB, null where the kernel's Node has
//    no per-worker figures), which a v5 panel's validation rejects.
export const PROTOCOL_VERSION = 6 as const;
export const COMM_TARGET = "threadlab";

/** Update rates in Hz. Requests above `maxHz` (up to `acceptedMaxHz`) are clamped; more is an error. */
export const RATE = { defaultHz: 4, maxHz: 10, minHz: 0.2, acceptedMaxHz: 100 } as const;
/**
 * Schema bounds. The pool's size has none here: its ceiling belongs to the pool (POOL_TUNING.maxWorkers), which
 * the kernel checks and reports in `hello`.
 */
export const LIMITS = { maxThreads: 4096, idLength: 64, selectorLength: 256 } as const;

// ---- panel → kernel ------------------------------------------------------------------------------------

/** What each field accepts, in words: error replies quote it so the sender knows what to send instead. */
export const ACCEPTED: Readonly<Record<string, string>> = {
  data: 'a JSON object such as {"v": 1, "type": "subscribe"}',
  v: `the protocol version ${PROTOCOL_VERSION}`,
  type: "one of subscribe, unsubscribe, set_workers, set_limit, reset",
  id: `a string of at most ${LIMITS.idLength} characters (echoed in the reply)`,
  rate: `updates per second: a number above 0 and at most ${RATE.acceptedMaxHz} (more than ${RATE.maxHz} is clamped to ${RATE.maxHz})`,
  visible: "true or false",
  n: "a whole number of workers from 1 to the pool's maximum (hello's capabilities.maxWorkers)",
  api: "a thread-pool family or implementation such as blas, openmp, openblas, mkl, threadlab",
  controller: "a controller id from the update's pools (e.g. libopenblas or libgomp)",
  value: `a whole number of threads from 1 to ${LIMITS.maxThreads}, or -1 for all CPUs`,
};

const requestId = z.string().max(LIMITS.idLength);
const selector = z
  .string()
  .min(1)
  .max(LIMITS.selectorLength)
  .regex(/^[A-Za-z0-9_:./@-]+$/);
const common = { v: z.literal(PROTOCOL_VERSION), id: requestId.optional() };

export const SubscribeSchema = z
  .object({
    ...common,
    type: z.literal("subscribe"),
    rate: z.number().finite().gt(0).max(RATE.acceptedMaxHz).optional(),
    visible: z.boolean().optional(),
  })
  .strict();

export const UnsubscribeSchema = z.object({ ...common, type: z.literal("unsubscribe") }).strict();

export const SetWorkersSchema = z
  .object({
    ...common,
    type: z.literal("set_workers"),
    n: z.number().int().min(1),
  })
  .strict();

const threads = z
  .number()
  .int()
  .refine((n) => n === -1 || (n >= 1 && n <= LIMITS.maxThreads));

export const SetLimitSchema = z
  .object({
    ...common,
    type: z.literal("set_limit"),
    api: selector.optional(),
    controller: selector.optional(),
    value: threads,
  })
  .strict();

export const ResetSchema = z.object({ ...common, type: z.literal("reset") }).strict();

export type Subscribe = z.infer<typeof SubscribeSchema>;
export type Unsubscribe = z.infer<typeof UnsubscribeSchema>;
export type SetWorkers = z.infer<typeof SetWorkersSchema>;
export type SetLimit = z.infer<typeof SetLimitSchema>;
export type Reset = z.infer<typeof ResetSchema>;
export type PanelMessage = Subscribe | Unsubscribe | SetWorkers | SetLimit | Reset;
export type PanelMessageType = PanelMessage["type"];

const PANEL_SCHEMAS = {
  subscribe: SubscribeSchema,
  unsubscribe: UnsubscribeSchema,
  set_workers: SetWorkersSchema,
  set_limit: SetLimitSchema,
  reset: ResetSchema,
} as const;

export const PANEL_MESSAGE_TYPES = Object.keys(PANEL_SCHEMAS) as PanelMessageType[];

// ---- kernel → panel ------------------------------------------------------------------------------------

/** Where a value came from (schema/vocabulary.ts). */
export const SourceSchema = z.enum(CONFIG_SOURCES);

export const HelloSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal("hello"),
  versions: z.object({ protocol: z.number(), threadlab: z.string(), node: z.string(), v8: z.string() }),
  capabilities: z.object({
    /** A worker pool can be resized (false before %parallel exists in this kernel). */
    setWorkers: z.boolean(),
    setLimit: z.boolean(),
    reset: z.boolean(),
    /** How the task timeline is made: from the pool's "chunks" records, or "none". */
    timeline: z.enum(["chunks", "none"]),
    maxRateHz: z.number(),
    defaultRateHz: z.number(),
    /** The pool's ceiling: the largest `set_workers` it accepts (the panel's only source for this bound). */
    maxWorkers: z.number(),
  }),
  pid: z.number(),
});
export type Hello = z.infer<typeof HelloSchema>;

const knob = z.object({ n: z.number(), src: SourceSchema, d: z.string() });

export const PoolEntrySchema = z.object({
  /** Controller id (a selector for set_limit's `controller`). */
  id: z.string(),
  /** user_api: blas, openmp, threadlab, libuv, v8, sharp, onnxruntime, … */
  api: z.string(),
  /** internal_api: openblas, mkl, openmp, worker_threads, … */
  impl: z.string(),
  n: z.number().nullable(),
  scope: z.enum(["process", "thread", "session", "startup"]),
  /** Whether the sidebar may change it. */
  set: z.boolean(),
  src: SourceSchema,
  /** Why it cannot be changed, when `set` is false. */
  ro: z.string().optional(),
  /** Threads each pool worker uses for this backend, and from where (BLAS/OpenMP only). */
  per: z.object({ n: z.number(), src: SourceSchema }).optional(),
  /** File name of a native library. */
  lib: z.string().optional(),
  ver: z.string().nullable().optional(),
});
export type PoolEntry = z.infer<typeof PoolEntrySchema>;

/**
 * One worker as a tuple, to keep a 16-worker update well under 2 KB:
 * [slot, state, busy %, items, chunks, map id, ms the running chunk has run (0 when idle), CPU % of one core
 * (null: this Node has no worker.cpuUsage()), V8 heap in use in MiB (null: no worker.getHeapStatistics())].
 * Busy is holding a chunk, CPU is computing it: busy far above CPU is a starved or waiting worker.
 */
export const WorkerTupleSchema = z.tuple([
  z.number(),
  z.enum(WORKER_STATES),
  z.number(),
  z.number(),
  z.number(),
  z.number(),
  z.number(),
  z.number().nullable().optional(),
  z.number().nullable().optional(),
]);
export type WorkerTuple = z.infer<typeof WorkerTupleSchema>;

/**
 * Chunks one worker ran for one map, on the kernel's clock (epoch ms): a single chunk as the pool records it
 * (kernel/pool/chunk-log.ts, `chunks` = 1), or neighbours merged to fit an update (kernel/sidebar/chunks.ts),
 * as the panel draws it (extension/src/history.ts). Its lane is (`node`, `slot`): a worker of this kernel's
 * pool, or worker `slot` of the cluster agent named `node`.
 */
export interface ChunkRecord {
  slot: number;
  map: number;
  t0: number;
  t1: number;
  items: number;
  chunks: number;
  failed: number;
  /** The worker died while running it. */
  crashed: boolean;
  /** The cluster node (agent name) that ran it; absent for this kernel's own pool. A cluster map's id is the cluster's. */
  node?: string;
  /**
   * It re-ran items another run already answered (a cluster batch run twice, e.g. split after an agent died
   * while its first taker was only slow). `items` then counts only the items it answered first, so a lane's
   * items add up to the map's.
   */
  rerun?: boolean;
}

/**
 * Finished chunks for the task timeline, sent once each (the kernel keeps a cursor per panel):
 * [worker slot, map id, ms before the update's `t` the chunk started, duration ms, items, chunks, failed
 * items, 1 if the worker crashed in it, and — for a chunk an agent ran — its node: 1 + its index in the update's
 * `legend.nodes`, and 1 if it is a re-run (`ChunkRecord.rerun`)]. Local chunks leave the ninth field out, so a
 * local timeline costs what it did. Each tuple is
 * one chunk (`chunks` = 1) unless there were more than an update can carry; then neighbours on the same lane
 * and map are merged, closest first, and `chunks` says how many a bar holds.
 */
export const ChunkTupleSchema = z.tuple([
  z.number(),
  z.number(),
  z.number(),
  z.number(),
  z.number(),
  z.number(),
  z.number(),
  z.union([z.literal(0), z.literal(1)]),
  z.number().int().min(1).optional(),
  z.literal(1).optional(),
]);
export type ChunkTuple = z.infer<typeof ChunkTupleSchema>;
/**
 * Most chunk tuples in one update (about 24 bytes each; keeps a 16-worker update under 2 KB). With more lanes
 * than that (a cluster of 8 nodes × 8 workers), lanes take turns: the rest wait for the next update.
 */
export const MAX_CHUNK_TUPLES = 16;

/**
 * What an update's cluster chunk tuples refer to: the nodes (a tuple's ninth field is 1 + the index here) and the
 * names of the cluster maps among them (a local map is named in `pool.maps`). Only what this update's tuples use.
 */
export const ChunkLegendSchema = z.object({
  nodes: z.array(z.string()),
  maps: z.array(z.tuple([z.number(), z.string()])),
});
export type ChunkLegend = z.infer<typeof ChunkLegendSchema>;

/**
 * What cluster nodes are running at the update's `t`, for running bars (the local pool's are in its worker
 * tuples): [node: 1 + its index in `legend.nodes`, cluster map id, ms since the node started the earliest of its
 * unanswered batches of that map]. One per (node, map): an agent says which batch it starts, not which worker
 * runs it, so a node's running bar is the node's, not a worker's.
 */
export const RunningTupleSchema = z.tuple([z.number().int().min(1), z.number(), z.number()]);
export type RunningTuple = z.infer<typeof RunningTupleSchema>;

/** A chunk record as a tuple relative to the update time `t`; `node` is its 1-based index in the legend (0: local). */
export function encodeChunk(r: ChunkRecord, t: number, node = 0): ChunkTuple {
  // `t - t0` may be negative: a shared update's `t` can be a few ms older than a chunk that just ended.
  const c: ChunkTuple = [
    r.slot,
    r.map,
    Math.round(t - r.t0),
    Math.max(0, Math.round(r.t1 - r.t0)),
    r.items,
    r.chunks,
    r.failed,
    r.crashed ? 1 : 0,
  ];
  if (node > 0) c.push(node);
  // Only cluster chunks re-run, so the node field is there before it.
  if (node > 0 && r.rerun) c.push(1);
  return c;
}

/** The chunk record a tuple of the update at time `t` stands for; `nodes` is that update's `legend.nodes`. */
export function decodeChunk(c: ChunkTuple, t: number, nodes: readonly string[] = []): ChunkRecord {
  const [slot, map, ago, ms, items, chunks, failed, crashed, node, rerun] = c;
  const r: ChunkRecord = { slot, map, t0: t - ago, t1: t - ago + ms, items, chunks, failed, crashed: crashed === 1 };
  // A tuple naming a node the legend lacks is still a cluster chunk: it must not land in a local lane.
  if (node !== undefined) r.node = nodes[node - 1] ?? `node ${node}`;
  if (rerun === 1) r.rerun = true;
  return r;
}

/** How a map ended: all items done, cancelled (interrupt, signal, shutdown), or stopped by an error. */
export const MAP_ENDS = ["done", "cancelled", "failed"] as const;
export type MapEnd = (typeof MAP_ENDS)[number];

export const MapProgressSchema = z.object({
  id: z.number(),
  name: z.string(),
  done: z.number(),
  total: z.number().nullable(),
  failed: z.number(),
  rate: z.number(),
  /** Present once the map has ended: its figures are final. Only the last map to end is sent. */
  end: z.enum(MAP_ENDS).optional(),
});
export type MapProgress = z.infer<typeof MapProgressSchema>;

export const PoolStateSchema = z.object({
  size: z.number(),
  queue: z.number(),
  inflight: z.number(),
  w: z.array(WorkerTupleSchema),
  /** Running maps, oldest first, then the last map that ended (if any), with `end`. */
  maps: z.array(MapProgressSchema),
  models: z.object({ n: z.number(), bytes: z.number() }),
});
export type PoolState = z.infer<typeof PoolStateSchema>;

/**
 * One agent of the connected cluster, from its heartbeats (kernel/cluster/nodes.ts).
 */
export const ClusterNodeSchema = z.object({
  name: z.string(),
  host: z.string(),
  workers: z.number(),
  cpus: z.number(),
  /** Batches it is running now. */
  batches: z.number(),
  /** Busy % of each of its workers since its previous heartbeat; empty when the agent does not report it. */
  util: z.array(z.number()),
  /** Items it finished since it started, and per second over the last ~2 s. */
  items: z.number(),
  rate: z.number(),
  /** Models in its cache. */
  models: z.array(z.object({ name: z.string(), bytes: z.number() })),
  rss: z.number(),
});
export type ClusterNode = z.infer<typeof ClusterNodeSchema>;

/** The cluster this kernel is connected to (`%parallel cluster connect`, a `--cluster` map). */
export const ClusterStateSchema = z.object({
  /** The server, without credentials. */
  url: z.string(),
  /** False while the connection is being re-established. */
  connected: z.boolean(),
  /** This kernel's maps running on it. */
  maps: z.number(),
  nodes: z.array(ClusterNodeSchema),
});
export type ClusterState = z.infer<typeof ClusterStateSchema>;

export const UpdateSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal("update"),
  seq: z.number(),
  /** Epoch milliseconds. */
  t: z.number(),
  cpus: z.object({
    n: z.number(),
    /** Which bound decided `n`. */
    src: z.enum(["logical", "affinity", "cgroup", "THREADLAB_MAX_CPUS"]),
    logical: z.number(),
    affinity: z.number(),
    cgroup: z.number().nullable(),
    max: z.number().nullable(),
    physical: z.number().nullable(),
  }),
  config: z.object({ workers: knob, threads: knob, backend: knob }),
  pools: z.array(PoolEntrySchema),
  over: z.object({
    /** Compute threads a running map may use (workers × threads × backend threads). */
    threads: z.number(),
    cpus: z.number(),
    /**
     * Backend threads per worker in that count — the most any loaded BLAS/OpenMP pool gives a worker — and
     * where it came from; the panel shows this one number wherever it says "backend threads".
     */
    backend: knob,
    warn: z.string().nullable(),
  }),
  /** The %parallel worker pool, null before one exists. */
  pool: PoolStateSchema.nullable(),
  /**
   * Chunks finished since this panel's previous update (on the first, those of the last 60 s): the local pool's
   * and, for cluster maps, the agents' — with or without a local pool.
   */
  c: z.array(ChunkTupleSchema),
  /** Running cluster batches (at most MAX_CHUNK_TUPLES); absent when none run. */
  r: z.array(RunningTupleSchema).optional(),
  /** Names of the nodes and cluster maps that `c` and `r` refer to; absent when `c` has only local chunks. */
  legend: ChunkLegendSchema.optional(),
  rss: z.number(),
  /** What the sidebar itself set (so the panel can show and reset it). */
  sidebar: z.object({ workers: z.number().nullable(), limits: z.record(z.string(), z.number()) }),
  /**
   * The connected cluster; absent when none is. In an update as sent it is left out while unchanged (like the
   * slow parts), and null once a cluster the panel was sent is no longer connected.
   */
  cluster: ClusterStateSchema.nullable().optional(),
});
/** The kernel's whole state, as the panel holds it. */
export type Update = z.infer<typeof UpdateSchema>;

/**
 * An update as sent: the slowly changing parts (CPUs, configuration, pools, oversubscription) only when they
 * changed since this panel's previous update — always in its first — which keeps a 16-worker update with
 * a running map's chunks under 2 KB. The panel completes it from the previous one (`completeUpdate`).
 */
export const UpdateMessageSchema = UpdateSchema.partial({ cpus: true, config: true, pools: true, over: true });
export type UpdateMessage = z.infer<typeof UpdateMessageSchema>;
export const SLOW_UPDATE_FIELDS = ["cpus", "config", "pools", "over"] as const;

/**
 * Fills the parts an update left out from the previous full one; null if there is none to fill from. The
 * result has a `cluster` only while one is connected.
 */
export function completeUpdate(m: UpdateMessage, previous: Update | null): Update | null {
  const cluster = m.cluster !== undefined ? m.cluster : previous?.cluster;
  let full: Update;
  if (SLOW_UPDATE_FIELDS.every((f) => m[f] !== undefined)) full = { ...(m as Update) };
  else if (!previous) return null;
  else
    full = {
      ...m,
      cpus: m.cpus ?? previous.cpus,
      config: m.config ?? previous.config,
      pools: m.pools ?? previous.pools,
      over: m.over ?? previous.over,
    };
  if (cluster) full.cluster = cluster;
  else delete full.cluster;
  return full;
}

export const AckSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal("ack"),
  id: z.string().optional(),
  request: z.enum(["subscribe", "unsubscribe", "set_workers", "set_limit", "reset"]),
  /** What the kernel did, in words (e.g. "rate clamped to 10 Hz"). */
  detail: z.string().optional(),
  /** The effective rate, for subscribe. */
  rate: z.number().optional(),
});
export type Ack = z.infer<typeof AckSchema>;

export const ErrorSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal("error"),
  id: z.string().nullable(),
  /** The request's type when it could be read. */
  request: z.string().nullable(),
  /** The offending field ("data" when the message is not an object at all). */
  field: z.string(),
  message: z.string(),
  /** What the field accepts. */
  accepted: z.string(),
});
export type ErrorReply = z.infer<typeof ErrorSchema>;

export const KernelMessageSchema = z.discriminatedUnion("type", [
  HelloSchema,
  UpdateMessageSchema,
  AckSchema,
  ErrorSchema,
]);
export type KernelMessage = z.infer<typeof KernelMessageSchema>;

// ---- validation ----------------------------------------------------------------------------------------

export type Validated<T> = { ok: true; message: T } | { ok: false; error: ErrorReply };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** A short, safe description of a received value for an error message (never the whole of a large value). */
export function describeValue(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (typeof x === "object") return "an object";
  if (typeof x === "string") return JSON.stringify(x.length > 32 ? x.slice(0, 32) + "…" : x);
  if (typeof x === "number" || typeof x === "boolean") return String(x);
  return typeof x;
}

/** An `error` reply; `field` picks the accepted text. */
export function errorReply(
  field: string,
  message: string,
  context: { id?: string | null; request?: string | null; accepted?: string } = {},
): ErrorReply {
  return {
    v: PROTOCOL_VERSION,
    type: "error",
    id: context.id ?? null,
    request: context.request ?? null,
    field,
    message,
    accepted: context.accepted ?? ACCEPTED[field] ?? "see schema/sidebar-messages.ts",
  };
}

/**
 * Validates a message from the panel. Never throws; an invalid message yields the `error` reply to send,
 * naming the first offending field, what was received and what is accepted. The request `id` is echoed
 * whenever it is readable, so the panel can show the error next to the control that sent it.
 */
export function validatePanelMessage(data: unknown): Validated<PanelMessage> {
  if (!isPlainObject(data)) {
    return { ok: false, error: errorReply("data", `The message must be a JSON object; got ${describeValue(data)}.`) };
  }
  const id = typeof data.id === "string" && data.id.length <= LIMITS.idLength ? data.id : null;
  const type =
    typeof data.type === "string" && (PANEL_MESSAGE_TYPES as string[]).includes(data.type)
      ? (data.type as PanelMessageType)
      : null;
  const ctx = { id, request: type };
  if (data.v !== PROTOCOL_VERSION) {
    const what = data.v === undefined ? "it is missing" : `got ${describeValue(data.v)}`;
    return {
      ok: false,
      error: errorReply(
        "v",
        `Field "v" must be the protocol version ${PROTOCOL_VERSION}; ${what}. Reload the page after updating threadlab so panel and kernel match.`,
        ctx,
      ),
    };
  }
  if (!type) {
    const what = data.type === undefined ? "it is missing" : `got ${describeValue(data.type)}`;
    return { ok: false, error: errorReply("type", `Field "type" must name a request; ${what}.`, ctx) };
  }
  const parsed = PANEL_SCHEMAS[type].safeParse(data);
  if (parsed.success) {
    const m = parsed.data as PanelMessage;
    if (m.type === "set_limit" && (m.api === undefined) === (m.controller === undefined)) {
      const both = m.api !== undefined;
      return {
        ok: false,
        error: errorReply(
          both ? "controller" : "api",
          `set_limit needs exactly one of "api" or "controller"; ${both ? "both were given" : "neither was given"}.`,
          { ...ctx, accepted: `${ACCEPTED.api}; or "controller": ${ACCEPTED.controller}` },
        ),
      };
    }
    return { ok: true, message: m };
  }
  const issue = parsed.error.issues[0];
  if (issue.code === "unrecognized_keys") {
    const key = String(issue.keys[0]);
    const allowed = Object.keys(PANEL_SCHEMAS[type].shape).join(", ");
    return {
      ok: false,
      error: errorReply(key, `${type} has no field ${JSON.stringify(key.slice(0, 32))}.`, {
        ...ctx,
        accepted: `only the fields ${allowed}`,
      }),
    };
  }
  const field = issue.path.length ? String(issue.path[0]) : "data";
  const value = data[field];
  const what = value === undefined ? "it is missing" : `got ${describeValue(value)}`;
  return { ok: false, error: errorReply(field, `${type}: field "${field}" is not valid; ${what}.`, ctx) };
}

/** Validates a message from the kernel (the panel's side). */
export function validateKernelMessage(data: unknown): Validated<KernelMessage> {
  if (!isPlainObject(data))
    return { ok: false, error: errorReply("data", `Expected an object from the kernel; got ${describeValue(data)}.`) };
  if (data.v !== PROTOCOL_VERSION) {
    return {
      ok: false,
      error: errorReply(
        "v",
        `The kernel speaks sidebar protocol ${describeValue(data.v)}, this panel speaks ${PROTOCOL_VERSION}. Install matching versions (threadlab install) and reload the page.`,
      ),
    };
  }
  const parsed = KernelMessageSchema.safeParse(data);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue.path.join(".") || "data";
  return {
    ok: false,
    error: errorReply(
      field,
      `Malformed ${describeValue(data.type)} message from the kernel at "${field}": ${issue.message}.`,
      { accepted: "see schema/sidebar-messages.ts" },
    ),
  };
}

/** Builds a request with the version filled in (the panel's side). */
export function request<T extends PanelMessage>(m: Omit<T, "v">): T {
  return { v: PROTOCOL_VERSION, ...m } as T;
}
