import path from "node:path";
import { Worker } from "node:worker_threads";
import { preview } from "../ship/values";
import { PoisonItemError, splitSlice, WorkerStartError } from "../map";
import type { ChunkLog } from "./chunk-log";
import type { Chunk } from "./map-job";
import { checkPoolSize, POOL_TUNING, type WorkerSetup } from "./options";
import { createStats, epochMs, F, slotView } from "./stats";
import { WorkerHandle } from "./worker-handle";
import type { FromWorker, WorkerData } from "./worker-messages";

const WORKER_SCRIPT = path.join(__dirname, "worker.js");

/** What the supervisor needs from its pool. */
export interface SupervisorHost {
  onMessage(h: WorkerHandle, m: FromWorker): void;
  /** Workers came or went: dispatch again. */
  pump(): void;
  /** Workers keep dying while starting: every running map fails with this. */
  failAll(error: Error): void;
  /** Whether maps or waiters hold the process alive (new workers are ref'd then). */
  held(): boolean;
  closed(): boolean;
  nextChunkId(): number;
  readonly chunkLog: ChunkLog;
}

/**
 * The workers' lifecycle: spawns up to the target size, retires on shrink, replaces workers stuck in
 * cancelled work, tells crashes from intended exits, and re-runs (then bisects) the chunks of a crashed
 * worker until the item that kills it is found.
 */
export class WorkerSupervisor {
  readonly workers: WorkerHandle[] = [];
  readonly statsSab = createStats(POOL_TUNING.maxWorkers);
  private readonly freeSlots: number[] = [];
  private target: number;
  private started = false;
  private startFailures = 0;
  private startError: WorkerStartError | undefined;
  private readonly readyWaiters = new Set<() => void>();

  constructor(
    private readonly host: SupervisorHost,
    size: number,
    private maxHeapMB: number | undefined,
    readonly cancelSab: SharedArrayBuffer,
    private readonly workerSetup: WorkerSetup | undefined,
  ) {
    this.target = checkPoolSize(size);
    for (let s = POOL_TUNING.maxWorkers - 1; s >= 0; s--) this.freeSlots.push(s);
  }

  get size(): number {
    return this.target;
  }

  get isStarted(): boolean {
    return this.started;
  }

  start(): void {
    this.started = true;
    this.reconcile();
  }

  /** Resolves once every live worker has started; rejects with the start error if they keep dying. */
  async ready(): Promise<void> {
    while (this.workers.some((h) => h.state === "starting")) {
      if (this.startError) throw this.startError;
      await new Promise<void>((r) => this.readyWaiters.add(r));
    }
    if (this.startError) throw this.startError;
  }

  resize(n: number): void {
    this.target = checkPoolSize(n);
    this.retryStarts();
    if (this.started) this.reconcile();
  }

  /** A resize or a new map is the user's retry after a start failure: try spawning again. */
  retryStarts(): void {
    this.startError = undefined;
    this.startFailures = 0;
  }

  /** A worker said "ready". */
  onReady(h: WorkerHandle): void {
    if (h.state === "starting") h.setState("ready");
    this.startFailures = 0;
    this.wakeReady();
  }

  private spawn(): void {
    const slot = this.freeSlots.pop();
    if (slot === undefined) throw new RangeError(`the pool holds at most ${POOL_TUNING.maxWorkers} workers`);
    const data: WorkerData = { slot, stats: this.statsSab, cancel: this.cancelSab, setup: this.workerSetup };
    const s = slotView(this.statsSab, slot);
    s.fill(0);
    s[F.spawnedAt] = epochMs();
    const worker = new Worker(WORKER_SCRIPT, {
      workerData: data,
      resourceLimits: this.maxHeapMB ? { maxOldGenerationSizeMb: this.maxHeapMB } : undefined,
    });
    const h = new WorkerHandle(worker, slot, this.statsSab, this.maxHeapMB);
    h.setState("starting");
    this.workers.push(h);
    worker.on("message", (m: FromWorker) => this.host.onMessage(h, m));
    worker.on("error", (e) => (h.lastError = e));
    worker.on("exit", (code) => this.onExit(h, code));
    if (!this.host.held()) worker.unref();
  }

  reconcile(): void {
    if (!this.started || this.host.closed()) return;
    // Counted before anything is allocated: this runs for every map, and almost always changes nothing.
    let n = 0;
    for (const h of this.workers) if (h.live) n++;
    if (n === this.target) return;
    const live = this.workers.filter((h) => h.live);
    if (live.length < this.target && !this.startError) {
      for (let i = live.length; i < this.target; i++) this.spawn();
    } else if (live.length > this.target) {
      // Retire the least loaded first so the shrink takes effect soonest.
      live.sort((a, b) => a.inflight.size - b.inflight.size);
      for (const h of live.slice(0, live.length - this.target)) this.retire(h);
    }
  }

  retire(h: WorkerHandle): void {
    h.setState("retiring");
    if (h.inflight.size === 0) void this.stop(h);
  }

  stop(h: WorkerHandle): Promise<unknown> {
    if (h.state !== "stopping") {
      h.intentional = true;
      h.setState("stopping");
    }
    return h.worker.terminate();
  }

  /** New heap limit: current workers retire after their in-flight chunks; fresh ones start with the limit. */
  recycle(maxHeapMB: number | undefined): void {
    if (maxHeapMB === undefined || maxHeapMB === this.maxHeapMB) return;
    this.maxHeapMB = maxHeapMB;
    for (const h of this.workers) if (h.live) this.retire(h);
    this.reconcile();
  }

  /** Terminates a worker stuck in cancelled work and starts a replacement; its other chunks run elsewhere. */
  replace(h: WorkerHandle): void {
    for (const c of h.inflight.values()) {
      c.job.inflight--;
      if (!c.job.finished) c.job.requeue(c);
    }
    h.inflight.clear();
    void this.stop(h);
    this.reconcile();
    this.host.pump();
  }

  /**
   * An item of `chunk` ran past its map's timeout (item-timeouts.ts): the worker is terminated and replaced, the
   * map reports the item (map-job.ts `itemTimedOut`), and the worker's other chunks run elsewhere.
   */
  timedOut(h: WorkerHandle, chunk: Chunk, offset: number): void {
    const since = h.stats[F.chunkStart];
    if (since > 0) this.host.chunkLog.record(h.slot, chunk.job.id, since, epochMs(), 0, 1, true);
    // Out of the pool's hands first: the map may finish (raise mode) and dispatch again before this returns.
    const chunks = [...h.inflight.values()];
    h.inflight.clear();
    void this.stop(h);
    const itemPreview = preview(chunk.job.source.itemAt(chunk.slice, offset));
    for (const c of chunks) {
      c.job.inflight--;
      if (c === chunk) c.job.itemTimedOut(c, offset, itemPreview);
      else if (!c.job.finished) c.job.requeue(c);
    }
    this.reconcile();
    this.host.pump();
  }

  private onExit(h: WorkerHandle, code: number): void {
    const i = this.workers.indexOf(h);
    if (i >= 0) this.workers.splice(i, 1);
    const wasStarting = h.state === "starting";
    const runningSince = h.stats[F.chunkStart];
    h.setState("free");
    h.stats[F.chunkStart] = 0;
    this.freeSlots.push(h.slot);
    if (h.intentional || this.host.closed()) {
      this.wakeReady();
      this.reconcile();
      this.host.pump();
      return;
    }
    const cause =
      h.lastError?.message.includes("out of memory") ||
      (h.lastError as { code?: string })?.code === "ERR_WORKER_OUT_OF_MEMORY"
        ? `out of memory with maxHeapMB=${h.maxHeapMB}`
        : h.lastError
          ? `${h.lastError.name}: ${h.lastError.message}`
          : `exit code ${code}`;
    if (wasStarting) {
      // It never ran anything: its chunks are not suspects.
      for (const c of h.inflight.values()) {
        c.job.inflight--;
        c.job.requeue(c);
      }
      if (++this.startFailures >= POOL_TUNING.maxStartFailures) {
        this.startError = new WorkerStartError(
          `workers die while starting (${this.startFailures} in a row; last: ${cause}). ` +
            (this.workerSetup ? `Check the worker setup module ${this.workerSetup.module}. ` : "") +
            "Respawning stopped; fix the cause, then resize the pool or run the map again.",
          { cause: h.lastError },
        );
        this.host.failAll(this.startError);
      }
      this.wakeReady();
    } else {
      if (runningSince > 0) this.host.chunkLog.record(h.slot, h.stats[F.mapId], runningSince, epochMs(), 0, 0, true);
      const alone = h.inflight.size === 1;
      for (const c of h.inflight.values()) this.onCrashedChunk(c, alone, cause);
    }
    h.inflight.clear();
    this.reconcile();
    this.host.pump();
  }

  /** Re-run once; a chunk that kills a worker again is bisected until the item that does is found. */
  private onCrashedChunk(c: Chunk, alone: boolean, cause: string): void {
    const job = c.job;
    job.inflight--;
    if (job.finished) return;
    if (c.attempts === 0 || !alone) {
      c.attempts = Math.max(c.attempts, 1);
      job.requeue(c);
      return;
    }
    if (c.slice.count === 1) {
      const index = c.slice.start;
      job.fail(new PoisonItemError(job.opts.name, index, preview(job.source.itemAt(c.slice, 0)), cause));
      return;
    }
    const [a, b] = splitSlice(c.slice);
    job.requeue(
      { id: this.host.nextChunkId(), job, slice: a, attempts: c.attempts + 1 },
      { id: this.host.nextChunkId(), job, slice: b, attempts: c.attempts + 1 },
    );
  }

  private wakeReady() {
    for (const w of this.readyWaiters) w();
    this.readyWaiters.clear();
  }
}
