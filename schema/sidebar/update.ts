/**
 * Kernel → panel: the `update`, the kernel's state at the subscribed rate — CPUs, configuration, the
 * thread-pool controllers (`threadpools`), oversubscription, the %parallel worker pool (`pool`), the timeline's
 * chunks (timeline.ts) and the cluster (cluster.ts) — and how an update that leaves out the slow parts is
 * completed from the previous one.
 */
import { z } from "zod";
import { CONFIG_SOURCES, WORKER_STATES } from "../vocabulary";
import { ClusterStateSchema } from "./cluster";
import { ChunkLegendSchema, ChunkTupleSchema, RunningTupleSchema } from "./timeline";
import { PROTOCOL_VERSION } from "./version";

/** Where a value came from (schema/vocabulary.ts). */
export const SourceSchema = z.enum(CONFIG_SOURCES);

const knob = z.object({ n: z.number(), src: SourceSchema, d: z.string() });

export const ThreadPoolEntrySchema = z.object({
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
export type ThreadPoolEntry = z.infer<typeof ThreadPoolEntrySchema>;

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
  /** The thread-pool controllers (`%threadpool`); not the %parallel worker pool, which is `pool`. */
  threadpools: z.array(ThreadPoolEntrySchema),
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
  /** Names of the cluster nodes and of the maps that `c` and `r` refer to; absent when they refer to none. */
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
export const UpdateMessageSchema = UpdateSchema.partial({ cpus: true, config: true, threadpools: true, over: true });
export type UpdateMessage = z.infer<typeof UpdateMessageSchema>;
export const SLOW_UPDATE_FIELDS = ["cpus", "config", "threadpools", "over"] as const;

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
      threadpools: m.threadpools ?? previous.threadpools,
      over: m.over ?? previous.over,
    };
  if (cluster) full.cluster = cluster;
  else delete full.cluster;
  return full;
}
