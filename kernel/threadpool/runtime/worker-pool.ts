/**
 * The threadlab worker pool (`%parallel`) as a thread pool like any other: `limit threadlab=2` limits it. This
 * side never picks the pool's size: an active limit on the pool counts as a setting of `workers` in
 * `config()` (limits.ts), and setting the controller asks the pool's owner (kernel/parallel/notebook-pool.ts)
 * to bring the pool to the size it decides from that configuration — the same road `%parallel workers`, the
 * API and the sidebar take, so doctor and the sidebar report the size's true source. The owner is the pool's
 * only holder: it hands this side a lookup with `setWorkerPoolLookup`, asked on every use, and this side knows
 * only the narrow interface below (threadpool/ never imports parallel/).
 *
 * @module
 */
import {
  controllerInfoBase,
  type ControllerInfo,
  type ControllerProvider,
  type ThreadpoolController,
} from "../controller";

/** What the threadpool side needs from a worker pool: its size, and its owner's ear. */
export interface ResizablePool {
  /** Number of workers the pool runs (or is resizing towards). */
  readonly size: number;
  /**
   * Asks the pool's owner to bring the pool to the size it decides now from `config()` (where active limits
   * count as settings). May return a promise; a rejection or throw is reported in `info()`.
   */
  applyConfiguredSize(): unknown;
}

let lookup: () => ResizablePool | undefined = () => undefined;
// Kept by pool, so a new pool starts without its predecessor's failure.
const lastResizeError = new WeakMap<ResizablePool, string>();

/** How to find the kernel's worker pool now (undefined while none runs); replaces the previous lookup. */
export function setWorkerPoolLookup(find: () => ResizablePool | undefined): void {
  lookup = find;
}

/** The kernel's worker pool, if one runs now. */
export function getWorkerPool(): ResizablePool | undefined {
  return lookup();
}

export class WorkerPoolController implements ThreadpoolController {
  readonly id = "threadlab";
  readonly userApi = "threadlab";
  readonly internalApi = "worker_threads";
  readonly prefix = "threadlab";
  readonly scope = "process" as const;
  readonly settable = true;

  constructor(private readonly pool: ResizablePool) {}

  get(): number {
    return this.pool.size;
  }

  /**
   * `threads` is the winning limit's value, already in `config()` as a setting: the owner resizes to what the
   * configuration resolves, which is `threads` unless a newer or higher-ranked setting wins over the limit.
   */
  set(_threads: number): void {
    const pool = this.pool;
    let result: unknown;
    try {
      result = pool.applyConfiguredSize();
    } catch (err) {
      lastResizeError.set(pool, String((err as Error)?.message ?? err));
      throw err;
    }
    if (result && typeof (result as Promise<unknown>).then === "function") {
      // Resizing finishes later; an unhandled rejection would crash the kernel, so keep it for info().
      (result as Promise<unknown>).then(
        () => {
          lastResizeError.delete(pool);
        },
        (err: unknown) => {
          lastResizeError.set(pool, String((err as Error)?.message ?? err));
        },
      );
    }
  }

  info(): ControllerInfo {
    const notes = ["the %parallel worker pool; each worker applies backend limits in its own thread"];
    const failed = lastResizeError.get(this.pool);
    if (failed) notes.push(`last resize failed: ${failed}`);
    return { ...controllerInfoBase(this), notes };
  }
}

export const workerPoolProvider: ControllerProvider = {
  name: "threadlab",
  detect: () => {
    const pool = lookup();
    return pool ? [new WorkerPoolController(pool)] : [];
  },
};
