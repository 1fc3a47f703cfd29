/**
 * Messages between the kernel and agents, one definition for both sides. Bodies are v8-serialized (typed arrays,
 * Maps, Dates and BigInts travel as they do between threads). Decoding yields plain data only: the kernel never
 * evaluates anything that comes from the cluster.
 */
import v8 from "node:v8";
import { itemErrorToWire, type ChunkItems, type TimeoutWire, type WireError } from "../map";

export const WIRE_VERSION = 1;

/** A batch of one map's items, a JetStream message on `subjects.batch(map)`. */
export interface BatchMessage {
  v: number;
  map: string;
  batch: number;
  /** Index of the batch's first item in the map. */
  start: number;
  /**
   * First item of this message within the batch the kernel published: an agent that got a batch redelivered
   * (its agent process died running it) publishes it again as two halves, each a part of the same batch.
   * Absent: 0 (the whole batch).
   */
  offset?: number;
  count: number;
  items: ChunkItems;
  /** Content hash of the ShippedFunction in the function bucket. */
  fn: string;
  /** Digest of the `--model` model in the Object Store, a `file:PATH` each node reads, or null. */
  model: string | null;
  name: string;
  maxHeapMB?: number;
  /** Most workers of one agent that run this map's batches at once (the map's `workers` option). */
  workers?: number;
  /**
   * The map's per-item timeout in seconds: the agent's pool enforces it (kernel/map/timeout.ts) and reports an
   * overdue item as a failure whose error carries `timeoutSeconds`. Absent: no limit.
   */
  timeout?: number;
}

export interface ItemFailureWire {
  /** Offset within the batch. */
  offset: number;
  /** With `timeoutSeconds` when the item ran past the map's timeout. */
  error: WireError & TimeoutWire;
  preview: string;
  /** The item killed its worker every time (found by bisecting), rather than throwing. */
  poison?: boolean;
  /**
   * The item took the agent process down every time it ran (found by splitting redelivered batches): how many
   * times it was delivered alone. The kernel names the nodes, from the batch's `start` messages.
   */
  agentDeaths?: number;
}

/** An agent's answer for a batch: results (failed items null), or a fatal error that stops the map. */
export interface ResultMessage {
  v: number;
  map: string;
  batch: number;
  node: string;
  /**
   * The sending agent's unique id (`AgentStatus.id`): names are the user's (`--name`) and two agents may share
   * one. Absent from agents older than this field; those are told apart by name only.
   */
  agent?: string;
  /** First item of this part within the batch, and how many: big results are split into parts. */
  offset: number;
  count: number;
  results: unknown[] | Float64Array;
  failures: ItemFailureWire[];
  /** Worker-side time spent on the batch, for batch sizing and per-node throughput. */
  busyMs: number;
  fatal?: WireError;
  /** The chunks the agent's workers ran for the batch, for the task timeline: in the first part only. */
  chunks?: ChunkWire[];
}

/**
 * One of a batch's chunks as an agent reports it: [worker slot, ms before the message was sent that it started,
 * duration ms, items, failed items, 1 if the worker crashed in it]. Times are relative to the sending, not
 * clock readings: agents' clocks differ from the kernel's by any amount (and drift or jump), so the kernel
 * places a chunk by when it received the message, off only by the one-way latency (~1 ms on a LAN), with no
 * per-node offset to measure and keep current. At most MAX_BATCH_CHUNKS per batch (neighbours merged).
 */
export type ChunkWire = [slot: number, ago: number, ms: number, items: number, failed: number, crashed: 0 | 1];

/** Most chunks a batch's result reports (~10 bytes each v8-serialized): a long batch's chunks are merged. */
export const MAX_BATCH_CHUNKS = 64;

/** Worker output or progress inside a batch, on `subjects.output(map)` (core NATS: lossy, never blocks). */
export type OutputMessage =
  | { v: number; t: "out"; node: string; stream: "stdout" | "stderr"; text: string }
  | { v: number; t: "progress"; node: string; batch: number; done: number }
  /** An agent starts running items `offset … offset + count - 1` of a batch: who ran what, if the agent dies. */
  | { v: number; t: "start"; node: string; agent?: string; batch: number; offset: number; count: number };

export interface CancelMessage {
  v: number;
  map: string;
}

/** What an agent tells about itself in heartbeats and status replies (`%parallel cluster status`). */
export interface AgentStatus {
  v: number;
  /** Unique per agent process. */
  id: string;
  name: string;
  host: string;
  pid: number;
  workers: number;
  cpus: number;
  /** Batches running now. */
  busy: number;
  /** Items finished since the agent started. */
  itemsDone: number;
  /**
   * Busy % of each of its workers since its previous status (the pool's own counters). Optional: agents before
   * the sidebar's Cluster section do not send it.
   */
  util?: number[];
  /**
   * Items its workers finished, counted per chunk (so it moves during a batch, unlike `itemsDone`); drops when
   * a worker is replaced. Optional like `util`.
   */
  workerItems?: number;
  models: { digest: string; bytes: number; name: string }[];
  /** Object Store fetches since start (one per model, unless evicted). */
  modelFetches: number;
  rssBytes: number;
  startedAt: number;
}

export function encode(m: object): Uint8Array {
  return v8.serialize(m);
}

/** Decodes a body and checks its version; `what` names the message for errors. */
export function decode<T extends { v: number }>(data: Uint8Array, what: string): T {
  let m: unknown;
  try {
    m = v8.deserialize(data);
  } catch (e) {
    throw new Error(`a ${what} message could not be decoded`, { cause: e });
  }
  if (typeof m !== "object" || m === null || (m as { v?: unknown }).v !== WIRE_VERSION)
    throw new Error(
      `a ${what} message has wire version ${(m as { v?: unknown })?.v}, this threadlab speaks ${WIRE_VERSION}; run the same threadlab version on kernel and agents`,
    );
  return m as T;
}

/** Items `from … to - 1` as they travel in a batch (typed arrays copied: a view would carry its whole buffer). */
export function sliceItems(items: ChunkItems, from: number, to: number): ChunkItems {
  switch (items.kind) {
    case "range":
      return { kind: "range", first: items.first + from * items.step, step: items.step };
    case "typed":
      return {
        kind: "typed",
        data: (items.data as unknown as { slice(a: number, b: number): ArrayLike<unknown> }).slice(from, to),
      };
    case "array":
      return { kind: "array", data: items.data.slice(from, to) };
  }
}

export function wireError(e: unknown): WireError & TimeoutWire {
  if (e instanceof Error) return itemErrorToWire(e);
  return { name: "Error", message: String(e) };
}
