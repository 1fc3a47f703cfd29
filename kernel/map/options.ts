/**
 * The options of one map, whichever backend runs it, and their one validation. kernel/map/ imports no other
 * kernel folder, so the local pool and the cluster both build on it without reaching into each other.
 */
import type { ProgressState } from "./progress";

export type { ProgressState } from "./progress";

/**
 * The one options object of `%parallel map`, `parallel.map` and `WorkerPool.map`. The magic parses its flags
 * into this shape and the API takes it as is, so every option is documented and defaulted here only.
 */
export interface MapOptions {
  /**
   * Most workers this map uses, like joblib's `n_jobs`: per map. On the notebook's pool, a pool smaller than it
   * grows for this map only (the configured size and its source stay, and the pool returns to it when the map
   * ends); a bare `WorkerPool` uses at most its size. Default: the pool's size. On a cluster: most workers of
   * each agent (agents size their own pools).
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
  /**
   * Seconds one item may run (`--timeout`). An item that runs longer fails with an ItemTimeoutError naming it
   * and the limit, handled by `errors` like any failing item; the worker running it (on a cluster: the agent's
   * worker) is terminated and replaced, and the rest of the map goes on. Timed per item, not per chunk.
   * Default: none. Policy and error: map/timeout.ts.
   */
  timeout?: number;
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

/** Tunables of every map that are not user options; measured trade-offs, kept together. */
export const MAP_TUNING = {
  /** Target work per chunk for chunk "auto". */
  autoChunkTargetMs: 10,
  /** Chunk size for "auto" before any time per item is known. */
  autoChunkProbe: 8,
  /** Largest auto chunk for inputs of unknown length (bounds memory of streamed inputs). */
  autoChunkMaxUnknown: 16384,
  progressIntervalMs: 100,
  /** Smallest per-worker heap limit: below it V8 cannot even start a worker's context. */
  minHeapMB: 16,
} as const;

/**
 * A model file written by `share.save`, named `file:PATH` (the one test of the form; kernel/share reads the file).
 */
export type ModelFileSource = `file:${string}`;

export function isModelFileSource(x: unknown): x is ModelFileSource {
  return typeof x === "string" && x.startsWith("file:") && x.length > 5;
}

/**
 * The one check of a model's type (the `model` option, and `WorkerPool.preload`): past it, the backends take
 * an object or a `file:PATH` as given. Throws MapOptionError("model").
 */
export function checkModel(model: unknown): asserts model is object | ModelFileSource {
  if ((typeof model !== "object" || model === null) && !isModelFileSource(model))
    throw new MapOptionError("model", 'an object, a typed array or "file:PATH" (a file written by share.save)', model);
}

export interface ResolvedMapOptions {
  /** undefined: as many as the backend has (the pool's size). */
  workers: number | undefined;
  chunk: number | "auto";
  unordered: boolean;
  errors: "raise" | "collect";
  progress: boolean;
  maxHeapMB: number | undefined;
  /** Seconds per item, or undefined for no limit. */
  timeout: number | undefined;
  signal: AbortSignal | undefined;
  model: object | ModelFileSource | undefined;
  onProgress: ((p: ProgressState) => void) | undefined;
  name: string;
  cluster: string | undefined;
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

/** The one validation of map options (the magic, the API and `WorkerPool.submit` all come through here). */
export function resolveMapOptions(o: MapOptions): ResolvedMapOptions {
  if (o.workers !== undefined && !isCount(o.workers))
    throw new MapOptionError("workers", "a positive integer", o.workers);
  if (o.chunk !== undefined && o.chunk !== "auto" && !isCount(o.chunk))
    throw new MapOptionError("chunk", 'a positive integer or "auto"', o.chunk);
  if (o.errors !== undefined && o.errors !== "raise" && o.errors !== "collect")
    throw new MapOptionError("errors", '"raise" or "collect"', o.errors);
  if (o.maxHeapMB !== undefined && !(o.maxHeapMB >= MAP_TUNING.minHeapMB))
    throw new MapOptionError("maxHeapMB", `a number of megabytes, at least ${MAP_TUNING.minHeapMB}`, o.maxHeapMB);
  if (o.timeout !== undefined && !(typeof o.timeout === "number" && Number.isFinite(o.timeout) && o.timeout > 0))
    throw new MapOptionError("timeout", "a positive, finite number of seconds", o.timeout);
  if (o.model !== undefined) checkModel(o.model);
  if (o.cluster !== undefined && (typeof o.cluster !== "string" || o.cluster === ""))
    throw new MapOptionError("cluster", "the name or address of a cluster", o.cluster);
  return {
    workers: o.workers,
    chunk: o.chunk ?? "auto",
    unordered: o.unordered ?? false,
    errors: o.errors ?? "raise",
    progress: o.progress ?? true,
    maxHeapMB: o.maxHeapMB,
    timeout: o.timeout,
    signal: o.signal,
    model: o.model,
    onProgress: o.onProgress,
    name: o.name ?? "map",
    cluster: o.cluster,
  };
}
