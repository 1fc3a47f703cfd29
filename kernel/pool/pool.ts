import type { ShippedFunction } from "../ship/types";
import { ChunkLog } from "../timeline";
import {
  AbortError,
  checkModel,
  resolveMapOptions,
  type MapItems,
  type MapOptions,
  type MapReport,
  type ResolvedMapOptions,
  type StartedMap,
} from "../map";
import { beginFor, FunctionCache } from "./function-cache";
import { ItemTimeoutWatch } from "./item-timeouts";
import { MapJob, type Chunk } from "./map-job";
import { modelsOfMap, ModelDelivery, sharedRootOf } from "./model-delivery";
import { defaultPoolSize, POOL_TUNING, type PoolOptions } from "./options";
import { buildStatus, type PoolStatus } from "./status";
import { CANCEL_SLOTS, epochMs, F } from "./stats";
import { WorkerSupervisor } from "./supervisor";
import type { WorkerHandle } from "./worker-handle";
import type { FromWorker, ToWorker } from "./worker-messages";

export type OutputSink = (stream: "stdout" | "stderr", text: string) => void;

/**
 * The kernel's worker pool: started lazily, resizable at runtime, one or more maps at a time. Dispatch is
 * pull-based: each worker holds about two chunks so it never waits for the next message, and chunks go to
 * whichever worker has room. The workers' lifecycle is the supervisor's (supervisor.ts); the function cache
 * and model delivery have rooms of their own.
 */
export class WorkerPool {
  /** Finished chunks, for the sidebar's task timeline. */
  readonly chunkLog: ChunkLog;
  private readonly supervisor: WorkerSupervisor;
  private readonly workers: WorkerHandle[];
  private readonly jobs: MapJob[] = [];
  private readonly cancel: Int32Array;
  private readonly models: ModelDelivery;
  private readonly functions = new FunctionCache();
  private readonly timeouts: ItemTimeoutWatch;
  private closed = false;
  private chunkIds = 0;
  private readonly activeMapIds = new Set<number>();
  private readonly mapOutput = new Map<number, OutputSink>();

  constructor(private readonly options: PoolOptions = {}) {
    this.chunkLog = options.chunkLog ?? new ChunkLog();
    const cancelSab = new SharedArrayBuffer(CANCEL_SLOTS * 4);
    this.cancel = new Int32Array(cancelSab);
    this.supervisor = new WorkerSupervisor(
      {
        onMessage: (h, m) => this.onMessage(h, m),
        pump: () => this.pump(),
        failAll: (e) => {
          for (const r of [...this.jobs]) r.fail(e);
        },
        held: () => this.holds > 0,
        closed: () => this.closed,
        nextChunkId: () => ++this.chunkIds,
        chunkLog: this.chunkLog,
      },
      options.size ?? defaultPoolSize(),
      options.maxHeapMB,
      cancelSab,
      options.workerSetup,
    );
    this.workers = this.supervisor.workers;
    this.models = new ModelDelivery(this.workers);
    this.timeouts = new ItemTimeoutWatch({
      workers: this.workers,
      jobs: this.jobs,
      timedOut: (h, c, offset) => this.supervisor.timedOut(h, c, offset),
    });
  }

  /** Target number of workers (retiring ones not counted). */
  get size(): number {
    return this.supervisor.size;
  }

  /** Spawns the workers now instead of at the first map. */
  start(): void {
    if (this.closed) throw new Error("the pool was shut down; create a new WorkerPool");
    this.supervisor.start();
  }

  /** Resolves once every live worker has started (loaded its setup module). */
  async ready(): Promise<void> {
    if (!this.supervisor.isStarted) this.start();
    this.hold(+1);
    try {
      await this.supervisor.ready();
    } finally {
      this.hold(-1);
    }
  }

  /**
   * Grows (spawns now, models follow lazily with the next map) or shrinks (retires workers after their in-flight
   * chunks) to `n` workers. Mechanism only: which size, and why, is the pool's owner's to decide (the notebook's
   * pool: `applyPoolSize` in kernel/parallel/notebook-pool.ts; an agent's: kernel/agent/agent.ts).
   */
  resize(n: number): void {
    this.supervisor.resize(n);
  }

  /** Sends a model to every worker now, so the first map does not pay for it; resolves when all have it. */
  async preload(model: object): Promise<void> {
    checkModel(model);
    const root = sharedRootOf(model);
    const { modelId } = modelsOfMap(root, [], "preload");
    await this.ready();
    const waits: Promise<void>[] = [];
    for (const h of this.workers)
      if (h.live && !h.models.has(modelId!)) waits.push(this.models.sendAndWait(h, modelId!, root));
    this.hold(+1);
    await Promise.all(waits).finally(() => this.hold(-1));
  }

  /** Updates thread-pool limits in every worker (the worker setup module's `applyBackendLimits`). */
  updateWorkerSetup(data: unknown): void {
    if (!this.options.workerSetup)
      throw new Error("updateWorkerSetup: the pool has no workerSetup module; pass one in PoolOptions");
    this.options.workerSetup.data = data;
    for (const h of this.workers) if (h.live) h.post({ t: "setup", data });
  }

  async map(items: MapItems, fn: ShippedFunction, options: MapOptions = {}): Promise<unknown[]> {
    return (await this.submit(items, fn, options).done).results;
  }

  /** Like map, with the full report: failures (errors "collect"), wall time, workers, chunk size. */
  run(items: MapItems, fn: ShippedFunction, options: MapOptions = {}): Promise<MapReport> {
    return this.submit(items, fn, options).done;
  }

  /**
   * Starts a map and returns its id at once, so the caller can route output tagged with it (`onOutput`
   * per map, or the pool's `onOutput(mapId, …)`) before any arrives.
   */
  submit(items: MapItems, fn: ShippedFunction, options: MapOptions & { onOutput?: OutputSink } = {}): StartedMap {
    return this.submitResolved(items, fn, resolveMapOptions({ name: fn.name, ...options }), options.onOutput);
  }

  /** `submit` with options validated already (the map backend's entry: parallel/local-backend.ts). */
  submitResolved(items: MapItems, fn: ShippedFunction, opts: ResolvedMapOptions, onOutput?: OutputSink): StartedMap {
    if (this.closed) throw new Error("the pool was shut down; create a new WorkerPool");
    this.supervisor.retryStarts();
    // A map's `workers` caps how many of the pool's workers it uses; growing the pool for it is the owner's call.
    this.supervisor.recycle(opts.maxHeapMB);
    const shipping = this.functions.shippingOf(fn);
    const { modelId, models } = modelsOfMap(
      opts.model === undefined ? undefined : sharedRootOf(opts.model),
      shipping.modelIds,
      opts.name,
    );
    // The timeline hands out map ids (one counter for every pool and cluster map of the notebook).
    const id = this.chunkLog.openMap(opts.name);
    Atomics.store(this.cancel, id % CANCEL_SLOTS, 0);
    const values: unknown[] = [];
    for (const name of shipping.valueNames) values.push((fn.scope[name] as { value: unknown }).value);
    const job = new MapJob(id, fn, items, opts, modelId, models, Math.min(opts.workers ?? this.size, this.size), {
      wake: () => this.pump(),
      finished: (r, e) => this.onJobFinished(r, e),
      busyWorkers: () => this.busyWorkers(),
      nextChunkId: () => ++this.chunkIds,
    });
    job.shipping = shipping;
    job.values = values;
    this.jobs.push(job);
    this.activeMapIds.add(id);
    if (onOutput) this.mapOutput.set(id, onOutput);
    if (!this.supervisor.isStarted) this.start();
    else this.supervisor.reconcile();
    this.hold(+1);
    if (opts.timeout !== undefined) this.timeouts.watch(opts.timeout);
    job.start();
    this.pump();
    return { id, done: job.promise, live: () => job };
  }

  /** Cancels every running map (a kernel interrupt). */
  cancelAll(reason = "interrupted"): void {
    for (const r of [...this.jobs]) r.fail(new AbortError(`${r.opts.name} was ${reason} after ${r.done} items`));
  }

  /** Workers, queue, running maps, shared models and RSS, read from shared counters (status.ts). */
  status(): PoolStatus {
    return buildStatus(this.workers, this.jobs, this.size, epochMs());
  }

  /**
   * Each live worker's share of the kernel's CPU for `usage_request` (kernel/process/usage.ts): cumulative
   * figures (busy time, items, event-loop utilization since it started), so reading them resets nothing —
   * unlike status(), whose busy fraction is per reader interval of the sidebar.
   */
  workerUsage(): Array<{
    slot: number;
    thread_id: number;
    state: string;
    busy_ms: number;
    items: number;
    elu: number;
  }> {
    return this.workers.map((h) => ({
      slot: h.slot,
      thread_id: h.worker.threadId,
      state: h.state,
      busy_ms: Math.round(h.stats[F.busyMs]),
      items: h.stats[F.items],
      elu: Math.round(h.worker.performance.eventLoopUtilization().utilization * 1000) / 1000,
    }));
  }

  /** Terminates all workers; running maps are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.cancelAll("stopped by pool shutdown");
    this.closed = true;
    this.models.close();
    this.timeouts.close();
    await Promise.all(this.workers.map((h) => this.supervisor.stop(h)));
  }

  private onMessage(h: WorkerHandle, m: FromWorker): void {
    switch (m.t) {
      case "done": {
        const c = h.inflight.get(m.chunkId);
        if (!c) return;
        h.inflight.delete(m.chunkId);
        if (c.attempts > 0) h.holdsSuspect = false;
        c.job.inflight--;
        if (m.t0 > 0)
          this.chunkLog.record(h.slot, m.mapId, m.t0, m.t0 + m.busyMs, m.processed, m.failures?.length ?? 0);
        c.job.onDone(c, m);
        if (h.state === "retiring" && h.inflight.size === 0) void this.supervisor.stop(h);
        this.pump();
        return;
      }
      case "out": {
        if (m.mapId !== 0 && !this.activeMapIds.has(m.mapId)) return;
        const perMap = this.mapOutput.get(m.mapId);
        if (perMap) perMap(m.stream, m.text);
        else if (this.options.onOutput) this.options.onOutput(m.mapId, m.stream, m.text);
        else process[m.stream].write(m.text);
        return;
      }
      case "ready":
        this.supervisor.onReady(h);
        return;
      case "model-ok":
        this.models.confirmed(m.id);
        return;
      case "begin-error": {
        const job = this.jobs.find((r) => r.id === m.mapId);
        job?.fail(
          new Error(
            `${job.opts.name}: the function could not be rebuilt in the worker: ${m.error.name}: ${m.error.message}`,
            { cause: m.error },
          ),
        );
        return;
      }
    }
  }

  // ---- dispatch ------------------------------------------------------------------------------------------

  private pumping = false;

  private pump(): void {
    if (this.pumping || this.jobs.length === 0) return;
    this.pumping = true;
    try {
      for (const h of this.workers) {
        if (!h.live) continue;
        while (h.inflight.size < POOL_TUNING.inFlightPerWorker && !h.holdsSuspect) {
          const c = this.nextChunkFor(h);
          if (!c) break;
          this.send(h, c);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private nextChunkFor(h: WorkerHandle): Chunk | null {
    for (const job of this.jobs) {
      if (job.finished) continue;
      if (!job.workersUsed.has(h) && job.workersUsed.size >= job.workerLimit) {
        // Workers that died leave the set stale; count only live ones against the limit.
        let live = 0;
        for (const w of job.workersUsed) if (w.live) live++;
        if (live >= job.workerLimit) continue;
      }
      const c = job.next(h.inflight.size === 0);
      if (c) return c;
    }
    return null;
  }

  private send(h: WorkerHandle, c: Chunk): void {
    const job = c.job;
    for (const [id, root] of job.models) if (!h.models.has(id)) this.models.send(h, id, root);
    let begin: Extract<ToWorker, { t: "chunk" }>["begin"];
    if (!h.begun.has(job.id)) {
      h.begun.add(job.id);
      job.workersUsed.add(h);
      begin = beginFor(h, job);
    }
    const ends = h.ends.length ? h.ends : undefined;
    if (ends) h.ends = [];
    const forgetFns = h.forgetFns.length ? h.forgetFns : undefined;
    if (forgetFns) h.forgetFns = [];
    const { items, transfer } = job.source.payload(c.slice);
    h.inflight.set(c.id, c);
    job.inflight++;
    if (c.attempts > 0) h.holdsSuspect = true;
    h.post(
      {
        t: "chunk",
        mapId: job.id,
        chunkId: c.id,
        start: c.slice.start,
        count: c.slice.count,
        items,
        begin,
        ends,
        forgetFns,
      },
      transfer,
    );
  }

  private onJobFinished(job: MapJob, error: Error | undefined): void {
    const i = this.jobs.indexOf(job);
    if (i >= 0) this.jobs.splice(i, 1);
    this.activeMapIds.delete(job.id);
    this.mapOutput.delete(job.id);
    this.chunkLog.endMap(job.id, job.opts.name, job.progress(), error);
    if (error) {
      Atomics.store(this.cancel, job.id % CANCEL_SLOTS, job.id);
      // Workers stop between items; one stuck inside an item is replaced after a short grace.
      const stuck = this.workers.filter((h) => [...h.inflight.values()].some((c) => c.job === job));
      if (stuck.length) {
        const t = setTimeout(() => {
          for (const h of stuck)
            if (this.workers.includes(h) && [...h.inflight.values()].some((c) => c.job === job))
              this.supervisor.replace(h);
        }, POOL_TUNING.cancelGraceMs);
        t.unref();
      }
    }
    for (const h of this.workers) {
      if (h.begun.delete(job.id) && h.live) h.ends.push(job.id);
    }
    this.hold(-1);
    this.pump();
  }

  private holds = 0;

  /** Idle workers must not keep a script (or a test) alive; workers with maps or waiters must. */
  private hold(delta: number): void {
    const was = this.holds > 0;
    this.holds += delta;
    if (was === this.holds > 0) return;
    for (const h of this.workers) {
      if (this.holds > 0) h.worker.ref();
      else h.worker.unref();
    }
  }

  private busyWorkers(): number {
    let n = 0;
    for (const h of this.workers) if (h.inflight.size > 0) n++;
    return n;
  }
}
