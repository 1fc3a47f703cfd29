import { host } from "../api/host";
import { WorkerPool } from "../pool";
import * as threadpool from "../threadpool";

let pool: WorkerPool | undefined;
let unsubscribe: (() => void) | undefined;

/**
 * The notebook's one worker pool: created on first use, sized from the resolved parallel config
 * (THREADLAB_WORKERS, `%parallel workers`, the sidebar, or the effective CPU count), registered with the
 * thread-pool controllers, and given each change of backend limits so workers apply them in their own threads.
 */
export function kernelPool(): WorkerPool {
  if (pool) return pool;
  const p = new WorkerPool({
    size: threadpool.config().workers.value,
    workerSetup: { module: require.resolve("../threadpool/worker-side"), data: threadpool.backendLimitsForWorkers() },
  });
  pool = p;
  threadpool.setWorkerPool(p);
  unsubscribe = threadpool.onBackendLimitsChanged((limits) => p.updateWorkerSetup(limits));
  return p;
}

/** The pool if it exists, without starting one (for status and snapshots). */
export function existingPool(): WorkerPool | undefined {
  return pool;
}

export async function shutdownPool(): Promise<boolean> {
  const p = pool;
  if (!p) return false;
  pool = undefined;
  unsubscribe?.();
  unsubscribe = undefined;
  threadpool.setWorkerPool(undefined);
  await p.close();
  return true;
}

let sizeSetting: { restore(): void } | undefined;

/** Sets the pool size as a session setting with its source, so `%threadpool doctor` can say where it came from. */
export function setPoolSize(n: number, source: "api" | "magic" | "sidebar"): void {
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new RangeError(`pool size must be a whole number from 1 to 256, got ${n}`);
  const setting = threadpool.setParallelConfig({ source, workers: n });
  sizeSetting?.restore();
  sizeSetting = setting;
  pool?.resize(n);
}

let registered = false;
/** Closes the pool when the kernel shuts down (idempotent). */
export function registerPoolShutdown(): void {
  if (registered) return;
  const h = host();
  if (!h) return;
  registered = true;
  h.onShutdown(() => shutdownPool());
}
