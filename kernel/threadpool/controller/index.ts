/**
 * The controller interface, after threadpoolctl's `LibController`: one controller per thread pool found in
 * this process. A controller declares what it is (`userApi`, `internalApi`, `prefix`), where its limit lives
 * (`scope`) and whether it can change at run time (`settable`), and implements get / set / info.
 *
 * A folder of its own (with `maps.ts`, what detection reads) so that `native/` and `runtime/` depend on it
 * without depending on threadpool/'s top level, which loads them.
 *
 * @module
 */

/**
 * Where a pool's limit lives, which decides who must apply it:
 * - `process`: one value for the whole process (OpenBLAS with pthreads, MKL, the threadlab worker pool);
 *   setting it from any thread changes it for all.
 * - `thread`: one value per OS thread (OpenMP's `nthreads-var` ICV); every worker thread must apply it itself.
 * - `session`: fixed into each object when it is created (an onnxruntime `InferenceSession`); a limit only
 *   reaches objects created afterwards.
 * - `startup`: read once when the process starts (libuv's pool, V8's platform threads); read-only here.
 */
export type Scope = "process" | "thread" | "session" | "startup";

/** What `info()` reports about one pool. Field names follow threadpoolctl's, in camelCase. */
export interface ControllerInfo {
  /** Unique in this process; usable as a key of a limit spec. */
  id: string;
  /** Family of the pool: `blas`, `openmp`, `threadlab`, `libuv`, `v8`, `sharp`, `onnxruntime`, … */
  userApi: string;
  /** The implementation: `openblas`, `mkl`, `blis`, `flexiblas`, `openmp`, `worker_threads`, … */
  internalApi: string;
  /** The library's file-name prefix (`libopenblas`, `libgomp`) or a package name; usable as a key too. */
  prefix: string;
  /** Threads the pool may use as seen from the calling thread; `null` when it cannot be known. */
  numThreads: number | null;
  scope: Scope;
  settable: boolean;
  filepath?: string;
  version?: string | null;
  /** For BLAS libraries: `pthreads`, `openmp`, `sequential`, `tbb`, … */
  threadingLayer?: string;
  /** For OpenBLAS: the CPU kernel set in use (`Haswell`, `SkylakeX`, …). */
  architecture?: string;
  /** Caveats a person should see next to the number (why it is read-only, when it takes effect). */
  notes?: string[];
}

/** One thread pool found in this process. */
export interface ThreadpoolController {
  readonly id: string;
  readonly userApi: string;
  readonly internalApi: string;
  readonly prefix: string;
  readonly scope: Scope;
  readonly settable: boolean;
  /** Current limit as seen from the calling thread; `null` when unknown. */
  get(): number | null;
  /** Change the limit. Only called when `settable`; throws otherwise. */
  set(threads: number): void;
  /**
   * Back to the pool's own default. Needed by pools whose `get()` can be `null` (nothing set yet), so that
   * restoring a limit can return them to "not set" rather than to a number.
   */
  reset?(): void;
  info(): ControllerInfo;
  /**
   * Environment variables the pool reads for its size when it starts, in the order it reads them (for
   * OpenBLAS `OPENBLAS_NUM_THREADS`, then `GOTO_NUM_THREADS`, then `OMP_NUM_THREADS`): when one is set, the
   * size came from the environment. Optional: most runtime pools read none.
   */
  readonly startupEnv?: readonly string[];
  /**
   * Environment variables that give a child process the same limit (for example
   * `{ OPENBLAS_NUM_THREADS: "2" }`). Optional: runtime pools usually have none.
   */
  envVarsForChildren?(threads: number): Record<string, string>;
}

/** What providers can look at when detecting: the libraries already mapped into the process. */
export interface DetectContext {
  /** Absolute paths of shared libraries mapped into this process (from `/proc/self/maps`). */
  readonly mappedLibraries: readonly string[];
}

/**
 * Finds the pools of one kind in this process. Detection must never load anything: native providers only
 * look at `mappedLibraries`, runtime providers only at modules already in `require.cache`.
 */
export interface ControllerProvider {
  readonly name: string;
  detect(context: DetectContext): ThreadpoolController[];
}

/** Error for a `set` on a pool that cannot change at run time. */
export function readOnlyError(id: string, why: string): Error {
  return new Error(`The thread pool "${id}" cannot be changed while the process runs: ${why}`);
}

/** The `info()` fields every controller reports alike: what it declares, and its limit now (`get()`). */
export function controllerInfoBase(c: ThreadpoolController): ControllerInfo {
  return {
    id: c.id,
    userApi: c.userApi,
    internalApi: c.internalApi,
    prefix: c.prefix,
    numThreads: c.get(),
    scope: c.scope,
    settable: c.settable,
  };
}
