import type { TransferListItem, Worker } from "node:worker_threads";
import type { WorkerFunctions } from "./function-cache";
import type { Chunk } from "./map-job";
import { F, LIFECYCLE, slotView, type WorkerLifecycle } from "./stats";
import type { ToWorker } from "./worker-messages";

/** The pool's view of one worker thread: its lifecycle state, chunks in flight and what it already holds. */
export class WorkerHandle implements WorkerFunctions {
  state: WorkerLifecycle = "starting";
  readonly inflight = new Map<number, Chunk>();
  readonly models = new Set<string>();
  readonly begun = new Set<number>();
  /** Functions the worker holds (function-cache.ts). */
  readonly fns = new Map<number, readonly unknown[] | null>();
  forgetFns: number[] = [];
  /** Finished maps the worker may forget, told with its next chunk. */
  ends: number[] = [];
  /** Runs a retried chunk: nothing else is sent to it until that chunk is back, so a crash has one suspect. */
  holdsSuspect = false;
  /** The pool terminated it on purpose (shrink, cancel, recycle): its exit is not a crash. */
  intentional = false;
  lastError: Error | undefined;
  readonly stats: Float64Array;
  constructor(
    readonly worker: Worker,
    readonly slot: number,
    statsSab: SharedArrayBuffer,
    readonly maxHeapMB: number | undefined,
  ) {
    this.stats = slotView(statsSab, slot);
  }
  setState(s: WorkerLifecycle) {
    this.state = s;
    this.stats[F.state] = LIFECYCLE.indexOf(s);
  }
  get live(): boolean {
    return this.state === "starting" || this.state === "ready";
  }
  post(m: ToWorker, transfer?: TransferListItem[]) {
    this.worker.postMessage(m, transfer as never);
  }
}
