import os from "node:os";
import type { SharedModelRoot } from "../share/share";

/**
 * The one options object of `%parallel map`, `parallel.map` and `WorkerPool.map`. The magic parses its flags
 * into this shape and the API takes it as is, so every option is documented and defaulted here only.
 */
export interface MapOptions {
  /** Most workers this map uses; the pool grows to it if smaller. Default: the pool's size. */
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
  /** The model passed as the second argument; a plain object is shared (moved to shared memory) first. */
  model?: object;
  /** Called at most every `progressIntervalMs` and once at the end. */
  onProgress?: (p: ProgressState) => void;
  /** Label for snapshots and messages (the magic passes the function's name). */
  name?: string;
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
  /** Stats slots in shared memory; the pool cannot hold more workers at once. */
  maxWorkers: 256,
} as const;

export interface ResolvedMapOptions {
  workers: number;
  chunk: number | "auto";
  unordered: boolean;
  errors: "raise" | "collect";
  progress: boolean;
  maxHeapMB: number | undefined;
  signal: AbortSignal | undefined;
  model: (object & SharedModelRoot) | object | undefined;
  onProgress: ((p: ProgressState) => void) | undefined;
  name: string;
}

export function defaultPoolSize(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

export function resolveMapOptions(o: MapOptions, poolSize: number): ResolvedMapOptions {
  if (o.workers !== undefined && !(Number.isInteger(o.workers) && o.workers >= 1))
    throw new RangeError(`workers must be a positive integer, got ${o.workers}`);
  if (o.chunk !== undefined && o.chunk !== "auto" && !(Number.isInteger(o.chunk) && o.chunk >= 1))
    throw new RangeError(`chunk must be a positive integer or "auto", got ${String(o.chunk)}`);
  if (o.errors !== undefined && o.errors !== "raise" && o.errors !== "collect")
    throw new RangeError(`errors must be "raise" or "collect", got ${String(o.errors)}`);
  if (o.maxHeapMB !== undefined && !(o.maxHeapMB > 0))
    throw new RangeError(`maxHeapMB must be a positive number of megabytes, got ${o.maxHeapMB}`);
  return {
    workers: o.workers ?? poolSize,
    chunk: o.chunk ?? "auto",
    unordered: o.unordered ?? false,
    errors: o.errors ?? "raise",
    progress: o.progress ?? true,
    maxHeapMB: o.maxHeapMB,
    signal: o.signal,
    model: o.model,
    onProgress: o.onProgress,
    name: o.name ?? "map",
  };
}
