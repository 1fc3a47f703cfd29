import os from "node:os";
import { isModelFileSource } from "../share/model-file";
import type { SharedModelRoot } from "../share/share";
import type { ChunkLog } from "./chunk-log";

/**
 * The one options object of `%parallel map`, `parallel.map` and `WorkerPool.map`. The magic parses its flags
 * into this shape and the API takes it as is, so every option is documented and defaulted here only.
 */
export interface MapOptions {
  /**
   * Most workers this map uses; the pool grows to it if smaller. Default: the pool's size. On a cluster: most
   * workers of each agent (agents size their own pools).
   */
  workers?: number;
  /** Items per message. "auto" sizes chunks to ~10 ms of work from the measured time per item. */
  chunk?: number | "auto";
  /** Results in completion order instead of item order (`--unordered`). */
  unordered?: boolean;
  /** "raise": the first failing item stops the map; "collect": Error objects in place of failed results. */
  errors?: "raise" | "collect";
  /** Call `onProgress` while the map runs (`--no-progress` turns it off). */
  progress?: boolean;
  /** V8 old-generation limit per worker in MB; workers are respawned when this differs from the pool's. */
  maxHeapMB?: number;
  /** Aborting cancels the map: the promise rejects with an AbortError and the pool stays usable. */
  signal?: AbortSignal;
  /**
   * The model passed as the second argument; a plain object is shared (moved to shared memory) first.
   * `"file:PATH"` names a model file written by `share.save`, read once per node (for a cluster: from a
   * filesystem every node can read, instead of through the cluster's Object Store).
   */
  model?: object | `file:${string}`;
  /** Called at most every `progressIntervalMs` and once at the end. */
  onProgress?: (p: ProgressState) => void;
  /** Label for the pool's status and messages (the magic passes the function's name). */
  name?: string;
  /**
   * Run the map on this cluster instead of the local worker pool (default: `THREADLAB_CLUSTER`).
   * parallel/select-backend.ts picks the backend from it.
   */
  cluster?: string;
}

export interface ProgressState {
  done: number;
  /** null while a streamed input has not ended. */
  total: number | null;
  failed: number;
  /** Items per second since the map started. */
  rate: number;
  /** null when unknown (no total yet, or nothing done). */
  etaMs: number | null;
  busyWorkers: number;
  elapsedMs: number;
  finished: boolean;
  /** Per cluster node (cluster backend only). */
  nodes?: { name: string; done: number; rate: number; workers: number }[];
}

export interface WorkerSetup {
  /** Absolute path or package name, required in each worker; its `applyBackendLimits(data)` is called if present. */
  module: string;
  data?: unknown;
}

export interface PoolOptions {
  /** Number of workers. Default: os.availableParallelism(). */
  size?: number;
  /** V8 old-generation limit per worker in MB (`resourceLimits`; ArrayBuffers are not counted). */
  maxHeapMB?: number;
  workerSetup?: WorkerSetup;
  /**
   * Worker console output, tagged with the map that printed it, so the kernel can route it to the cell that ran
   * the map and drop output of cancelled maps. Output of finished or cancelled maps is dropped before this.
   * Default: written to this process's stdout / stderr.
   */
  onOutput?: (mapId: number, stream: "stdout" | "stderr", text: string) => void;
  /** Where finished chunks are logged: the notebook's one log, which its cluster maps share. Default: the pool's own. */
  chunkLog?: ChunkLog;
}

/** Tunables that are not user options; measured trade-offs, kept together. */
export const POOL_TUNING = {
  /** Chunks in flight per worker: 2 hides the round trip without starving other workers. */
  inFlightPerWorker: 2,
  /** Target work per chunk for chunk "auto". */
  autoChunkTargetMs: 10,
  /** Chunk size for "auto" before any time per item is known. */
  autoChunkProbe: 8,
  /** Largest auto chunk for inputs of unknown length (bounds memory of streamed inputs). */
  autoChunkMaxUnknown: 16384,
  /** How long cancelled work may run on before its worker is terminated and replaced. */
  cancelGraceMs: 200,
  progressIntervalMs: 100,
  /** Consecutive workers dying before "ready" after which respawning stops. */
  maxStartFailures: 3,
  /**
   * Stats slots in shared memory; the pool cannot hold more workers at once. The one owner of the pool-size
   * ceiling: the magic, the API, the sidebar and the `hello` message all read it here.
   */
  maxWorkers: 256,
  /** Smallest per-worker heap limit: below it V8 cannot even start a worker's context. */
  minHeapMB: 16,
} as const;

export interface ResolvedMapOptions {
  /** undefined: as many as the backend has (the pool's size). */
  workers: number | undefined;
  chunk: number | "auto";
  unordered: boolean;
  errors: "raise" | "collect";
  progress: boolean;
  maxHeapMB: number | undefined;
  signal: AbortSignal | undefined;
  model: (object & SharedModelRoot) | object | `file:${string}` | undefined;
  onProgress: ((p: ProgressState) => void) | undefined;
  name: string;
  cluster: string | undefined;
}

export function defaultPoolSize(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

/**
 * A map option that breaks its rule. `option` is the MapOptions key and `rule` what it must be, so that the
 * `%parallel` magic can word the same error with its own flag name.
 */
export class MapOptionError extends RangeError {
  override name = "MapOptionError";
  constructor(
    readonly option: keyof MapOptions | "size",
    readonly rule: string,
    readonly got: unknown,
  ) {
    super(`${option} must be ${rule}, got ${typeof got === "string" ? JSON.stringify(got) : String(got)}`);
  }
}

const isCount = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 1;

/** The pool size's one rule: a whole number from 1 to the ceiling. Throws MapOptionError("size"). */
export function checkPoolSize(n: number): number {
  if (!(isCount(n) && n <= POOL_TUNING.maxWorkers))
    throw new MapOptionError("size", `a whole number from 1 to ${POOL_TUNING.maxWorkers}`, n);
  return n;
}

/** The one validation of map options (the magic, the API and `WorkerPool.submit` all come through here). */
export function resolveMapOptions(o: MapOptions): ResolvedMapOptions {
  if (o.workers !== undefined && !isCount(o.workers))
    throw new MapOptionError("workers", "a positive integer", o.workers);
  if (o.chunk !== undefined && o.chunk !== "auto" && !isCount(o.chunk))
    throw new MapOptionError("chunk", 'a positive integer or "auto"', o.chunk);
  if (o.errors !== undefined && o.errors !== "raise" && o.errors !== "collect")
    throw new MapOptionError("errors", '"raise" or "collect"', o.errors);
  if (o.maxHeapMB !== undefined && !(o.maxHeapMB >= POOL_TUNING.minHeapMB))
    throw new MapOptionError("maxHeapMB", `a number of megabytes, at least ${POOL_TUNING.minHeapMB}`, o.maxHeapMB);
  if (o.model !== undefined && (typeof o.model !== "object" || o.model === null) && !isModelFileSource(o.model))
    throw new MapOptionError(
      "model",
      'an object, a typed array or "file:PATH" (a file written by share.save)',
      o.model,
    );
  if (o.cluster !== undefined && (typeof o.cluster !== "string" || o.cluster === ""))
    throw new MapOptionError("cluster", "the name or address of a cluster", o.cluster);
  return {
    workers: o.workers,
    chunk: o.chunk ?? "auto",
    unordered: o.unordered ?? false,
    errors: o.errors ?? "raise",
    progress: o.progress ?? true,
    maxHeapMB: o.maxHeapMB,
    signal: o.signal,
    model: o.model,
    onProgress: o.onProgress,
    name: o.name ?? "map",
    cluster: o.cluster,
  };
}
