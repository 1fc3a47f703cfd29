import type { KernelDoor } from "../door";
import { checkPoolSize, WorkerPool } from "../pool";
import { ChunkLog } from "../timeline";
import * as threadpool from "../threadpool";
import type { ConfigSource } from "../threadpool";

let pool: WorkerPool | undefined;
// The notebook's task timeline: its pools' chunks and its cluster maps' (each with its lane), one log for the
// kernel's life, so the sidebar reads one place whether a pool exists or not, and across pool restarts.
const chunkLog = new ChunkLog();
let unsubscribe: (() => void) | undefined;
let shutdownRegistered = false;

/**
 * The notebook's one worker pool, and the one road to it: `%parallel`, `parallel.map`, the sidebar and the
 * `threadlab` thread-pool controller all come here. Created on first use, sized from the resolved parallel
 * config (THREADLAB_WORKERS, `%parallel workers`, the sidebar, or the effective CPU count), and given each
 * change of backend limits so workers apply them in their own threads. `door`: the kernel, which closes the
 * pool when it shuts down.
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
    chunkLog,
  });
  pool = p;
  // The thread-pool side asks this module on every use rather than keeping the pool, so a closed pool
  // cannot linger there; the lookup also re-applies limits now that workers exist.
  threadpool.setWorkerPoolLookup(existingPool);
  unsubscribe = threadpool.onBackendLimitsChanged((limits) => p.updateWorkerSetup(limits));
  return p;
}

/** The notebook's chunk log (its task timeline), local and cluster chunks alike. */
export function notebookChunkLog(): ChunkLog {
  return chunkLog;
}

/** The pool if it exists, without starting one (for status, the sidebar and the thread-pool controller). */
export function existingPool(): WorkerPool | undefined {
  return pool;
}

export async function shutdownPool(): Promise<boolean> {
  const p = pool;
  if (!p) return false;
  pool = undefined;
  unsubscribe?.();
  unsubscribe = undefined;
  // Process-wide backends go back to their own value once no workers share the CPUs.
  threadpool.refreshLimits();
  await p.close();
  return true;
}

// Set by a caller, never by the environment, and never cell-scoped (a cell limit on `threadlab` is a limit).
export type PoolSizeSource = Exclude<ConfigSource, "default" | "env" | "cell">;

// At most one size setting per source; the configuration resolves the newest, so removing the sidebar's
// (its Reset) falls back to what `%parallel workers` or the API set before.
const sizeSettings = new Map<PoolSizeSource, { n: number; setting: { restore(): void } }>();

/**
 * The one writer of the pool size: sets it as a session setting with its source, so `%threadpool doctor` and
 * the sidebar can say where it came from, and resizes a running pool. Throws MapOptionError("size") outside
 * 1…POOL_TUNING.maxWorkers; a setting the pool refused to resize to is removed again.
 */
export function setPoolSize(n: number, source: PoolSizeSource): void {
  checkPoolSize(n);
  const setting = threadpool.setParallelConfig({ source, workers: n });
  try {
    pool?.resize(n);
  } catch (e) {
    setting.restore();
    throw e;
  }
  sizeSettings.get(source)?.setting.restore();
  sizeSettings.set(source, { n, setting });
}

/**
 * Removes `source`'s size setting and brings a running pool to the size the configuration gives now (another
 * source's setting, THREADLAB_WORKERS or the CPUs). Returns whether there was a setting to remove.
 */
export function clearPoolSize(source: PoolSizeSource): boolean {
  const held = sizeSettings.get(source);
  if (!held) return false;
  sizeSettings.delete(source);
  held.setting.restore();
  const target = threadpool.config().workers.value;
  if (pool && pool.size !== target) pool.resize(target);
  return true;
}

/** The size `source` last set, while its setting stands (a newer source's setting may win over it). */
export function poolSizeSetting(source: PoolSizeSource): number | undefined {
  return sizeSettings.get(source)?.n;
}
