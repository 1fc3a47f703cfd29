import type { KernelDoor } from "../door";
import type { MapBackend, MapItems } from "../map";
import type { ShippedFunction } from "../ship/types";
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
 * `threadlab` thread-pool controller all come here. Created on first use, sized by `applyPoolSize` (the one
 * writer of its size, below), and given each change of backend limits so workers apply them in their own
 * threads. `door`: the kernel, which closes the pool when it shuts down.
 */
export function notebookPool(door?: KernelDoor): WorkerPool {
  if (door && !shutdownRegistered) {
    shutdownRegistered = true;
    door.onShutdown(() => shutdownPool());
  }
  if (pool) return pool;
  const p = new WorkerPool({
    size: decidedPoolSize(),
    workerSetup: { module: require.resolve("../threadpool/worker-side"), data: threadpool.backendLimitsForWorkers() },
    chunkLog,
  });
  pool = p;
  // The thread-pool side asks this module on every use rather than keeping the pool, so a closed pool
  // cannot linger there; the lookup also re-applies limits now that workers exist.
  threadpool.setWorkerPoolLookup(() => (pool ? sizedView : undefined));
  unsubscribe = threadpool.onBackendLimitsChanged((limits) => {
    p.updateWorkerSetup(limits);
    // A limit made or restored changes what config() says about workers (a limit on threadlab, or a number).
    applyPoolSize();
  });
  return p;
}

// What the thread-pool side sees of the pool: its size, and this module's writer (never resize itself).
const sizedView: threadpool.ResizablePool = {
  get size() {
    return pool?.size ?? 0;
  },
  applyConfiguredSize: () => applyPoolSize(),
};

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

// ---- the pool's size: one policy, one writer -------------------------------------------------------------
//
// Policy: the size is what the resolved configuration says (`threadpool.config().workers`: THREADLAB_WORKERS,
// the session settings below, and active limits on `threadlab` or on every pool, newest of the highest rank
// winning), raised while a running map asks for more workers (`workers` is per map, like joblib's n_jobs).
// Writer: `applyPoolSize`, the only caller of `WorkerPool.resize` on the notebook pool. Every change of policy
// input — `setPoolSize`, `clearPoolSize`, a limit made or restored, a map starting or ending — ends there.

// Set by a caller, never by the environment, and never cell-scoped (a cell limit on `threadlab` is a limit).
export type PoolSizeSource = Exclude<ConfigSource, "default" | "env" | "cell">;

// At most one size setting per source; the configuration resolves the newest, so removing the sidebar's
// (its Reset) falls back to what `%parallel workers` or the API set before.
const sizeSettings = new Map<PoolSizeSource, { n: number; setting: { restore(): void } }>();

// The `workers` of each map running now that gave one.
const mapDemands = new Set<{ n: number }>();

/** The size the policy gives now: the configured one, raised to the largest running map's `workers`. */
export function decidedPoolSize(): number {
  let n = threadpool.config().workers.value;
  for (const d of mapDemands) n = Math.max(n, d.n);
  return n;
}

/** The one writer of the notebook pool's size: brings a running pool to `decidedPoolSize()`. */
function applyPoolSize(): void {
  const target = decidedPoolSize();
  if (pool && pool.size !== target) pool.resize(target);
}

/**
 * Records a session setting of the pool size with its source, so `%threadpool doctor` and the sidebar can say
 * where it came from, and applies the policy (a higher-ranked setting, such as a cell-scoped limit, may still
 * hold the pool elsewhere). Throws MapOptionError("size") outside 1…POOL_TUNING.maxWorkers; a setting the
 * pool refused to resize to is removed again.
 */
export function setPoolSize(n: number, source: PoolSizeSource): void {
  checkPoolSize(n);
  const setting = threadpool.setParallelConfig({ source, workers: n });
  try {
    applyPoolSize();
  } catch (e) {
    setting.restore();
    throw e;
  }
  sizeSettings.get(source)?.setting.restore();
  sizeSettings.set(source, { n, setting });
}

/**
 * Removes `source`'s size setting and applies the policy (another source's setting, a limit, THREADLAB_WORKERS
 * or the CPUs). Returns whether there was a setting to remove.
 */
export function clearPoolSize(source: PoolSizeSource): boolean {
  const held = sizeSettings.get(source);
  if (!held) return false;
  sizeSettings.delete(source);
  held.setting.restore();
  applyPoolSize();
  return true;
}

/** The size `source` last set, while its setting stands (a newer source's setting may win over it). */
export function poolSizeSetting(source: PoolSizeSource): number | undefined {
  return sizeSettings.get(source)?.n;
}

/**
 * Runs a map on the notebook pool. A `workers` above the decided size grows the pool for this map only: the
 * configured size (and its source) stays what it was, and the pool goes back to it when the map ends.
 */
export const submitToNotebookPool =
  (door: KernelDoor | undefined): MapBackend<ShippedFunction>["submit"] =>
  (s) => {
    const p = notebookPool(door);
    // Held while the map runs, so a smaller size set meanwhile does not take its workers away before it ends.
    const demand = s.options.workers !== undefined ? { n: s.options.workers } : undefined;
    const release = () => {
      if (demand && mapDemands.delete(demand)) applyPoolSize();
    };
    try {
      if (demand) {
        mapDemands.add(demand);
        applyPoolSize();
      }
      const run = p.submitResolved(s.items as MapItems, s.fn, s.options, s.onOutput);
      run.done.then(release, release);
      return run;
    } catch (e) {
      release();
      throw e;
    }
  };
