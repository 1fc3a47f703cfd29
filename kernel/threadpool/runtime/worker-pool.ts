/**
 * The threadlab worker pool (`%parallel`) as a thread pool like any other: its size is a limit, and
 * `limit threadlab=2` resizes it. The pool's owner (kernel/parallel/notebook-pool.ts) is its only holder:
 * it hands this side a lookup with `setWorkerPoolLookup`, asked on every use, and this side knows only the
 * narrow interface below, so the two can change independently (and threadpool/ never imports parallel/).
 *
 * @module
 */
import {
  controllerInfoBase,
  type ControllerInfo,
  type ControllerProvider,
  type ThreadpoolController,
} from "../controller";

/** What the threadpool side needs from a worker pool. */
export interface ResizablePool {
  /** Number of workers the pool runs (or is resizing towards). */
  readonly size: number;
  /** Grow or shrink to `n` workers. May return a promise; a rejection is reported in `info()`. */
  resize(n: number): unknown;
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

  set(threads: number): void {
    const pool = this.pool;
    const result = pool.resize(threads);
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
