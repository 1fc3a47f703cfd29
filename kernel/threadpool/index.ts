/**
 * `threadpool`: threadpoolctl for Node. Inspect and limit every thread pool in the kernel process — native
 * BLAS/OpenMP libraries already loaded, the threadlab worker pool, libuv, V8, sharp, onnxruntime, DuckDB,
 * Polars — resolve nested parallelism (workers × backend threads ≤ CPUs), and explain it all with `doctor()`.
 *
 * The `%threadpool` magic, `threadlab doctor` and the public `threadlab` module are thin layers over this API.
 * See docs/threadpool.md for the design.
 *
 * @example
 * ```ts
 * import { threadpool } from "threadlab";
 * threadpool.info();                                  // every pool, like threadpool_info()
 * using _ = threadpool.limits({ blas: 1 });           // restored at the end of the block
 * await threadpool.withLimits(1, async () => work()); // restored even if work() throws
 * ```
 *
 * @module
 */
import type { ControllerInfo } from "./controller";
import { backendLimitsForWorkers, config, refreshLimits } from "./limits";
import { openmpWarnings } from "./native/openmp";
import { checkOversubscription } from "./oversubscription";
import { detectControllers } from "./registry";
import { DuckDBController, watchDuckDB } from "./runtime/duckdb";

export type { ControllerInfo, ControllerProvider, DetectContext, Scope, ThreadpoolController } from "./controller";
export type { ConfigSource, Knob, ParallelConfig, ParallelSettings, Resolved } from "./config";
export type { CgroupQuota, CpuReport, CpuSource } from "./cpus";
export type { LimitEntry } from "./limit-state";
export type { BackendLimits, LimitSource, LimitSpec, ThreadpoolLimits } from "./limits";
export type { OversubscriptionCheck } from "./oversubscription";
export type { DoctorReport } from "./doctor";
export type { BackendLimitsReport } from "./worker-side";
export type { ResizablePool } from "./runtime/worker-pool";

export { register } from "./registry";
export {
  limits,
  withLimits,
  parseLimitSpec,
  config,
  refreshLimits,
  backendLimitsForWorkers,
  onBackendLimitsChanged,
  setWorkerPoolLookup,
  activeLimitEntries,
} from "./limits";
export { childConfig, resolveParallelConfig, setParallelConfig } from "./config";
export { cpuReport, effectiveCpuCount } from "./cpus";
export { childEnv } from "./child-env";
export { doctor, formatDoctor } from "./doctor";
export { formatInfo } from "./format";
export { applyBackendLimits, refreshBackendLimits } from "./worker-side";

/**
 * Every thread pool in this process as seen from the calling thread, like threadpoolctl's
 * `threadpool_info()`. Detection never loads anything; per-thread pools (OpenMP) report this thread's value.
 */
export function info(): ControllerInfo[] {
  const out: ControllerInfo[] = [];
  for (const c of detectControllers().controllers) {
    try {
      out.push(c.info());
    } catch {
      // A third-party controller failing must not hide the others; doctor() reports the error.
    }
  }
  return out;
}

/**
 * Warnings about the pools in `infos` (default: `info()`): several OpenMP runtimes, oversubscription of the
 * CPUs by workers × backend threads. Empty when all is well.
 */
export function warnings(infos: readonly ControllerInfo[] = info()): string[] {
  const out = openmpWarnings(infos);
  try {
    out.push(...checkOversubscription(infos, config(), backendLimitsForWorkers().entries).warnings);
  } catch (err) {
    out.push((err as Error).message);
  }
  return out;
}

/**
 * The oversubscription warnings a running local map shows on its first progress line (workers × backends,
 * DuckDB, Polars' process-wide pool); empty when they fit the CPUs. Never throws: a map must not fail over it.
 */
export function mapWarnings(): string[] {
  try {
    return checkOversubscription(info(), config(), backendLimitsForWorkers().entries).warnings;
  } catch {
    return [];
  }
}

/**
 * Starts watching this thread's `require` for packages whose pools live in objects the notebook creates
 * (DuckDB instances), so that instances made before the first `%threadpool` call are known too. The kernel
 * calls it once at start; pool workers do the same from worker-side.ts. Never loads a package.
 */
export function watchPackageLoads(): void {
  watchDuckDB(() => void refreshLimits());
}

/**
 * Resolves when limit changes that are applied asynchronously (DuckDB's `SET threads` on live instances) have
 * reached them. `limits()` returns at once; await this before reading `current_setting('threads')` on a
 * connection opened earlier. Connections opened after a limit wait by themselves.
 */
export async function settled(): Promise<void> {
  const duck = detectControllers().controllers.filter((c): c is DuckDBController => c instanceof DuckDBController);
  await Promise.all(duck.map((c) => c.settled()));
}
