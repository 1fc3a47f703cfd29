import type { KernelDoor } from "../door";
import { checkPoolSize, WorkerPool } from "../pool";
import * as threadpool from "../threadpool";

let pool: WorkerPool | undefined;
let unsubscribe: (() => void) | undefined;
let shutdownRegistered = false;

/**
 * The notebook's one worker pool, and the one road to it: `%parallel`, `parallel.map` and the sidebar all
 * come here. Created on first use, sized from the resolved parallel config (THREADLAB_WORKERS, `%parallel
 * workers`, the sidebar, or the effective CPU count), registered as the `threadlab` thread-pool controller,
 * and given each change of backend limits so workers apply them in their own threads. `door`: the kernel,
 * which closes the pool when it shuts down.
 */
export function notebookPool(door?: KernelDoor): WorkerPool {
  if (door && !shutdownRegistered) {
    shutdownRegistered = true;
    door.onShutdown(() => shutdownPool());
  }
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

/** The pool if it exists, without starting one (for status and the sidebar). */
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

/**
 * Sets the pool size as a session setting with its source, so `%threadpool doctor` can say where it came
 * from, and resizes a running pool. Throws MapOptionError("size") outside 1…POOL_TUNING.maxWorkers.
 */
export function setPoolSize(n: number, source: "api" | "magic" | "sidebar"): void {
  checkPoolSize(n);
  const setting = threadpool.setParallelConfig({ source, workers: n });
  sizeSetting?.restore();
  sizeSetting = setting;
  pool?.resize(n);
}
