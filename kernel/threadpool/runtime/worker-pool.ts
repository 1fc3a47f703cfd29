/**
 * The threadlab worker pool (`%parallel`) as a thread pool like any other: its size is a limit, and
 * `limit threadlab=2` resizes it. The pool module registers itself with `setWorkerPool`; this side only
 * knows the narrow interface below, so the two can change independently.
 *
 * @module
 */
import type { ControllerInfo, ControllerProvider, ThreadpoolController } from "../controller";

/** What the threadpool side needs from a worker pool. */
export interface ResizablePool {
  /** Number of workers the pool runs (or is resizing towards). */
  readonly size: number;
  /** Grow or shrink to `n` workers. May return a promise; a rejection is reported in `info()`. */
  resize(n: number): unknown;
}

let currentPool: ResizablePool | undefined;
let lastResizeError: string | undefined;

/** Registers the kernel's worker pool, or unregisters it with `undefined` (on pool shutdown). */
export function setWorkerPool(pool: ResizablePool | undefined): void {
  currentPool = pool;
  lastResizeError = undefined;
}

/** The registered pool, if any. */
export function getWorkerPool(): ResizablePool | undefined {
  return currentPool;
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
    const result = this.pool.resize(threads);
    if (result && typeof (result as Promise<unknown>).then === "function") {
      // Resizing finishes later; an unhandled rejection would crash the kernel, so keep it for info().
      (result as Promise<unknown>).then(
        () => { lastResizeError = undefined; },
        (err: unknown) => { lastResizeError = String((err as Error)?.message ?? err); },
      );
    }
  }

  info(): ControllerInfo {
    const notes = ["the %parallel worker pool; each worker applies backend limits in its own thread"];
    if (lastResizeError) notes.push(`last resize failed: ${lastResizeError}`);
    return {
      id: this.id, userApi: this.userApi, internalApi: this.internalApi, prefix: this.prefix,
      numThreads: this.get(), scope: this.scope, settable: true, notes,
    };
  }
}

export const workerPoolProvider: ControllerProvider = {
  name: "threadlab",
  detect: () => (currentPool ? [new WorkerPoolController(currentPool)] : []),
};
