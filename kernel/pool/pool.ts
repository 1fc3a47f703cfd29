import path from "node:path";
import util from "node:util";
import { Worker, type TransferListItem } from "node:worker_threads";
import type { ShippedFunction } from "../ship/types";
import { modelRegistry } from "../share/registry";
import { isSharedModel, modelIdOf, share } from "../share/share";
import { AbortError, PoisonItemError, WorkerStartError } from "./errors";
import { splitSlice, type MapItems } from "./items";
import { MapRun, type Chunk, type MapReport } from "./map-run";
import { defaultPoolSize, POOL_TUNING, resolveMapOptions, type MapOptions, type PoolOptions } from "./options";
import type { Begin, FromWorker, ToWorker, WorkerData } from "./protocol";
import { ChunkLog } from "./chunk-log";
import { buildSnapshot, type PoolSnapshot } from "./snapshot";
import { CANCEL_SLOTS, createStats, epochMs, F, LIFECYCLE, slotView, type WorkerLifecycle } from "./stats";

const WORKER_SCRIPT = path.join(__dirname, "worker.js");

/** Compiled functions a worker keeps for later maps; ids the pool remembers for shipped code it has seen. */
const FNS_PER_WORKER = 32;
const FN_IDS = 256;

/** What the pool sends of a map's function: the code once per worker, the values every map. */
export interface Shipping {
  readonly fnId: number;
  /** The function with its `value` entries emptied. */
  readonly template: ShippedFunction;
  readonly valueNames: readonly string[];
  /** Shared models the function reaches by name. */
  readonly modelIds: readonly string[];
}

const isPrimitive = (v: unknown) => v === null || (typeof v !== "object" && typeof v !== "function");

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

export class WorkerHandle {
  state: WorkerLifecycle = "starting";
  readonly inflight = new Map<number, Chunk>();
  readonly models = new Set<string>();
  readonly begun = new Set<number>();
  /**
   * Functions the worker holds, by fnId, oldest use first: the primitive values last sent for each, or null
   * when they were not all primitives (objects are sent again every map: they may have been mutated since).
   */
  readonly fns = new Map<number, readonly unknown[] | null>();
  /** Functions evicted from `fns`, told with the next chunk (before its `begin`). */
  forgetFns: number[] = [];
  /** Finished maps the worker may forget, told with its next chunk. */
  ends: number[] = [];
  /** Runs a retried chunk: nothing else is sent to it until that chunk is back, so a crash has one suspect. */
  holdsSuspect = false;
  /** The pool terminated it on purpose (shrink, cancel, recycle): its exit is not a crash. */
  intentional = false;
  lastError: Error | undefined;
  readonly stats: Float64Array;
  constructor(readonly worker: Worker, readonly slot: number, statsSab: SharedArrayBuffer, readonly maxHeapMB: number | undefined) {
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

/**
 * The kernel's worker pool: started lazily, resizable at runtime, one or more maps at a time. Dispatch is
 * pull-based: each worker holds about two chunks so it never waits for the next message, and chunks go to
 * whichever worker has room.
 */
export class WorkerPool {
  /** Finished chunks, for the sidebar's task timeline. */
  readonly chunkLog = new ChunkLog();
  private readonly workers: WorkerHandle[] = [];
  private readonly runs: MapRun[] = [];
  private readonly statsSab: SharedArrayBuffer;
  private readonly freeSlots: number[] = [];
  private readonly cancel: Int32Array;
  private readonly cancelSab: SharedArrayBuffer;
  private target: number;
  private maxHeapMB: number | undefined;
  private started = false;
  private closed = false;
  private startFailures = 0;
  private startError: WorkerStartError | undefined;
  private mapIds = 0;
  private chunkIds = 0;
  private readonly readyWaiters = new Set<() => void>();
  private readonly modelWaiters = new Map<string, Set<() => void>>();
  private readonly unsubscribe: () => void;
  private readonly activeMapIds = new Set<number>();
  private readonly mapOutput = new Map<number, (stream: "stdout" | "stderr", text: string) => void>();
  /** ShippedFunctions are immutable (readonly throughout), so one seen before needs no new analysis. */
  private readonly shippings = new WeakMap<ShippedFunction, Shipping>();
  /** Code (a template's JSON) → fnId: a function shipped afresh for every map still finds its compiled form. */
  private readonly fnIds = new Map<string, number>();
  private fnIdSeq = 0;

  constructor(private readonly options: PoolOptions = {}) {
    this.target = options.size ?? defaultPoolSize();
    this.checkSize(this.target);
    this.maxHeapMB = options.maxHeapMB;
    this.statsSab = createStats(POOL_TUNING.maxWorkers);
    for (let s = POOL_TUNING.maxWorkers - 1; s >= 0; s--) this.freeSlots.push(s);
    this.cancelSab = new SharedArrayBuffer(CANCEL_SLOTS * 4);
    this.cancel = new Int32Array(this.cancelSab);
    this.unsubscribe = modelRegistry.onRelease((id) => {
      for (const h of this.workers) if (h.models.delete(id)) h.post({ t: "drop-model", id });
    });
  }

  /** Target number of workers (retiring ones not counted). */
  get size(): number {
    return this.target;
  }

  private checkSize(n: number) {
    if (!Number.isInteger(n) || n < 1 || n > POOL_TUNING.maxWorkers)
      throw new RangeError(`pool size must be an integer from 1 to ${POOL_TUNING.maxWorkers}, got ${n}`);
  }

  /** Spawns the workers now instead of at the first map. */
  start(): void {
    if (this.closed) throw new Error("the pool was shut down; create a new WorkerPool");
    this.started = true;
    this.reconcile();
  }

  /** Resolves once every live worker has started (loaded its setup module). */
  async ready(): Promise<void> {
    if (!this.started) this.start();
    this.hold(+1);
    try {
      while (this.workers.some((h) => h.state === "starting")) {
        if (this.startError) throw this.startError;
        await new Promise<void>((r) => this.readyWaiters.add(r));
      }
      if (this.startError) throw this.startError;
    } finally {
      this.hold(-1);
    }
  }

  /** Grows (spawns now, models follow lazily with the next map) or shrinks (retires workers after their in-flight chunks). */
  resize(n: number): void {
    this.checkSize(n);
    this.target = n;
    this.startError = undefined;
    this.startFailures = 0;
    if (this.started) this.reconcile();
  }

  /** Sends a model to every worker now, so the first map does not pay for it; resolves when all have it. */
  async preload(model: object): Promise<void> {
    const root = isSharedModel(model) ? model : share(model);
    const id = modelIdOf(root)!;
    await this.ready();
    const waits: Promise<void>[] = [];
    for (const h of this.workers) {
      if (!h.live || h.models.has(id)) continue;
      waits.push(new Promise<void>((r) => {
        let set = this.modelWaiters.get(id);
        if (!set) this.modelWaiters.set(id, (set = new Set()));
        set.add(r);
      }));
      this.sendModel(h, id, root);
    }
    this.hold(+1);
    await Promise.all(waits).finally(() => this.hold(-1));
  }

  /** Updates thread-pool limits in every worker (the worker setup module's `applyBackendLimits`). */
  updateWorkerSetup(data: unknown): void {
    if (!this.options.workerSetup) throw new Error("updateWorkerSetup: the pool has no workerSetup module; pass one in PoolOptions");
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
  submit(
    items: MapItems,
    fn: ShippedFunction,
    options: MapOptions & { onOutput?: (stream: "stdout" | "stderr", text: string) => void } = {},
  ): { id: number; done: Promise<MapReport> } {
    if (this.closed) throw new Error("the pool was shut down; create a new WorkerPool");
    const opts = resolveMapOptions({ name: fn.name, ...options }, this.target);
    // A new map is the user's retry after a start failure: try spawning again.
    this.startError = undefined;
    this.startFailures = 0;
    if (opts.workers > this.target) this.resize(opts.workers);
    if (opts.maxHeapMB !== undefined && opts.maxHeapMB !== this.maxHeapMB) this.recycle(opts.maxHeapMB);
    let modelRoot: object | undefined;
    let modelId: string | null = null;
    if (opts.model !== undefined) {
      if (typeof opts.model !== "object" || opts.model === null)
        throw new TypeError(`model must be an object or typed array, got ${typeof opts.model}`);
      modelRoot = isSharedModel(opts.model) ? opts.model : share(opts.model);
      modelId = modelIdOf(modelRoot)!;
    }
    const shipping = this.shippingOf(fn);
    // Models the function reaches by name travel by handle too, sent to each worker before its first chunk.
    const models = new Map<string, object>();
    if (modelId !== null) models.set(modelId, modelRoot!);
    for (const id of shipping.modelIds) {
      if (models.has(id)) continue;
      const e = modelRegistry.get(id);
      if (!e) throw new Error(`${opts.name}: shared model ${id} was released or never shared; share it again before the map`);
      models.set(id, e.root);
    }
    const id = ++this.mapIds;
    Atomics.store(this.cancel, id % CANCEL_SLOTS, 0);
    const values: unknown[] = [];
    for (const name of shipping.valueNames) values.push((fn.scope[name] as { value: unknown }).value);
    const run = new MapRun(id, fn, items, opts, modelId, models, Math.min(opts.workers, this.target), {
      wake: () => this.pump(),
      finished: (r, e) => this.onRunFinished(r, e),
      busyWorkers: () => this.busyWorkers(),
      nextChunkId: () => ++this.chunkIds,
    });
    run.shipping = shipping;
    run.values = values;
    this.runs.push(run);
    this.activeMapIds.add(id);
    if (options.onOutput) this.mapOutput.set(id, options.onOutput);
    if (!this.started) this.start();
    else this.reconcile();
    this.hold(+1);
    run.start();
    this.pump();
    return { id, done: run.promise };
  }

  /** Cancels every running map (a kernel interrupt). */
  cancelAll(reason = "interrupted"): void {
    for (const r of [...this.runs]) r.fail(new AbortError(`${r.opts.name} was ${reason} after ${r.done} items`));
  }

  snapshot(): PoolSnapshot {
    return buildSnapshot(this.workers, this.runs, this.target, epochMs());
  }

  /** Terminates all workers; running maps are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.cancelAll("stopped by pool shutdown");
    this.closed = true;
    this.unsubscribe();
    await Promise.all(this.workers.map((h) => this.stop(h)));
  }

  // ---- workers -------------------------------------------------------------------------------------------

  private spawn(): void {
    const slot = this.freeSlots.pop();
    if (slot === undefined) throw new RangeError(`the pool holds at most ${POOL_TUNING.maxWorkers} workers`);
    const data: WorkerData = { slot, stats: this.statsSab, cancel: this.cancelSab, setup: this.options.workerSetup };
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
    worker.on("message", (m: FromWorker) => this.onMessage(h, m));
    worker.on("error", (e) => (h.lastError = e));
    worker.on("exit", (code) => this.onExit(h, code));
    if (this.holds === 0) worker.unref();
  }

  private reconcile(): void {
    if (!this.started || this.closed) return;
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

  private retire(h: WorkerHandle): void {
    h.setState("retiring");
    if (h.inflight.size === 0) void this.stop(h);
  }

  private stop(h: WorkerHandle): Promise<unknown> {
    if (h.state !== "stopping") {
      h.intentional = true;
      h.setState("stopping");
    }
    return h.worker.terminate();
  }

  /** New heap limit: current workers retire after their in-flight chunks; fresh ones start with the limit. */
  private recycle(maxHeapMB: number): void {
    this.maxHeapMB = maxHeapMB;
    for (const h of this.workers) if (h.live) this.retire(h);
    this.reconcile();
  }

  /** Terminates a worker stuck in cancelled work and starts a replacement; its other chunks run elsewhere. */
  private replace(h: WorkerHandle): void {
    for (const c of h.inflight.values()) {
      c.run.inflight--;
      if (!c.run.finished) c.run.requeue(c);
    }
    h.inflight.clear();
    void this.stop(h);
    this.reconcile();
    this.pump();
  }

  private onExit(h: WorkerHandle, code: number): void {
    const i = this.workers.indexOf(h);
    if (i >= 0) this.workers.splice(i, 1);
    const wasStarting = h.state === "starting";
    const runningSince = h.stats[F.chunkStart];
    h.setState("free");
    h.stats[F.chunkStart] = 0;
    this.freeSlots.push(h.slot);
    if (h.intentional || this.closed) {
      this.wakeReady();
      this.reconcile();
      this.pump();
      return;
    }
    const cause = h.lastError?.message.includes("out of memory") || (h.lastError as { code?: string })?.code === "ERR_WORKER_OUT_OF_MEMORY"
      ? `out of memory with maxHeapMB=${h.maxHeapMB}`
      : h.lastError ? `${h.lastError.name}: ${h.lastError.message}` : `exit code ${code}`;
    if (wasStarting) {
      // It never ran anything: its chunks are not suspects.
      for (const c of h.inflight.values()) {
        c.run.inflight--;
        c.run.requeue(c);
      }
      if (++this.startFailures >= POOL_TUNING.maxStartFailures) {
        this.startError = new WorkerStartError(
          `workers die while starting (${this.startFailures} in a row; last: ${cause}). ` +
            (this.options.workerSetup ? `Check the worker setup module ${this.options.workerSetup.module}. ` : "") +
            "Respawning stopped; fix the cause, then resize the pool or run the map again.",
          { cause: h.lastError },
        );
        for (const r of [...this.runs]) r.fail(this.startError);
      }
      this.wakeReady();
    } else {
      if (runningSince > 0) this.chunkLog.record(h.slot, h.stats[F.mapId], runningSince, epochMs(), 0, 0, true);
      const alone = h.inflight.size === 1;
      for (const c of h.inflight.values()) this.onCrashedChunk(c, alone, cause);
    }
    h.inflight.clear();
    this.reconcile();
    this.pump();
  }

  /** Re-run once; a chunk that kills a worker again is bisected until the item that does is found. */
  private onCrashedChunk(c: Chunk, alone: boolean, cause: string): void {
    const run = c.run;
    run.inflight--;
    if (run.finished) return;
    if (c.attempts === 0 || !alone) {
      c.attempts = Math.max(c.attempts, 1);
      run.requeue(c);
      return;
    }
    if (c.slice.count === 1) {
      const index = c.slice.start;
      run.fail(new PoisonItemError(run.opts.name, index, previewItem(run.source.itemAt(c.slice, 0)), cause));
      return;
    }
    const [a, b] = splitSlice(c.slice);
    run.requeue(
      { id: ++this.chunkIds, run, slice: a, attempts: c.attempts + 1 },
      { id: ++this.chunkIds, run, slice: b, attempts: c.attempts + 1 },
    );
  }

  private wakeReady() {
    for (const w of this.readyWaiters) w();
    this.readyWaiters.clear();
  }

  private onMessage(h: WorkerHandle, m: FromWorker): void {
    switch (m.t) {
      case "done": {
        const c = h.inflight.get(m.chunkId);
        if (!c) return;
        h.inflight.delete(m.chunkId);
        if (c.attempts > 0) h.holdsSuspect = false;
        c.run.inflight--;
        if (m.t0 > 0) this.chunkLog.record(h.slot, m.mapId, m.t0, m.t0 + m.busyMs, m.processed, m.failures?.length ?? 0);
        c.run.onDone(c, m);
        if (h.state === "retiring" && h.inflight.size === 0) void this.stop(h);
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
        if (h.state === "starting") h.setState("ready");
        this.startFailures = 0;
        this.wakeReady();
        return;
      case "model-ok": {
        const set = this.modelWaiters.get(m.id);
        if (set) {
          for (const w of set) { w(); set.delete(w); break; }
          if (set.size === 0) this.modelWaiters.delete(m.id);
        }
        return;
      }
      case "begin-error": {
        const run = this.runs.find((r) => r.id === m.mapId);
        run?.fail(new Error(`${run.opts.name}: the function could not be rebuilt in the worker: ${m.error.name}: ${m.error.message}`, { cause: m.error }));
        return;
      }
    }
  }

  // ---- dispatch ------------------------------------------------------------------------------------------

  private pumping = false;

  private pump(): void {
    if (this.pumping || this.runs.length === 0) return;
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
    for (const run of this.runs) {
      if (run.finished) continue;
      if (!run.workersUsed.has(h) && run.workersUsed.size >= run.workerLimit) {
        // Workers that died leave the set stale; count only live ones against the limit.
        let live = 0;
        for (const w of run.workersUsed) if ((w as WorkerHandle).live) live++;
        if (live >= run.workerLimit) continue;
      }
      const c = run.next(h.inflight.size === 0);
      if (c) return c;
    }
    return null;
  }

  private send(h: WorkerHandle, c: Chunk): void {
    const run = c.run;
    for (const [id, root] of run.models) if (!h.models.has(id)) this.sendModel(h, id, root);
    let begin: Extract<ToWorker, { t: "chunk" }>["begin"];
    if (!h.begun.has(run.id)) {
      h.begun.add(run.id);
      run.workersUsed.add(h);
      begin = this.beginFor(h, run);
    }
    const ends = h.ends.length ? h.ends : undefined;
    if (ends) h.ends = [];
    const forgetFns = h.forgetFns.length ? h.forgetFns : undefined;
    if (forgetFns) h.forgetFns = [];
    const { items, transfer } = run.source.payload(c.slice);
    h.inflight.set(c.id, c);
    run.inflight++;
    if (c.attempts > 0) h.holdsSuspect = true;
    h.post({ t: "chunk", mapId: run.id, chunkId: c.id, start: c.slice.start, count: c.slice.count, items, begin, ends, forgetFns }, transfer);
  }

  private shippingOf(fn: ShippedFunction): Shipping {
    let s = this.shippings.get(fn);
    if (s) return s;
    const scope: Record<string, ShippedFunction["scope"][string]> = {};
    const valueNames: string[] = [];
    const modelIds: string[] = [];
    for (const name in fn.scope) {
      const v = fn.scope[name];
      if (v.kind === "model") modelIds.push(v.id);
      if (v.kind === "value") {
        valueNames.push(name);
        scope[name] = v.prototypes ? { kind: "value", value: undefined, prototypes: v.prototypes } : { kind: "value", value: undefined };
      } else scope[name] = v;
    }
    const template: ShippedFunction = { ...fn, scope };
    const key = JSON.stringify(template);
    let fnId = this.fnIds.get(key);
    if (fnId === undefined) {
      fnId = ++this.fnIdSeq;
      // Forgetting an old id only costs a recompile: workers evict by their own recency (FNS_PER_WORKER).
      if (this.fnIds.size >= FN_IDS) this.fnIds.delete(this.fnIds.keys().next().value!);
    } else this.fnIds.delete(key);
    this.fnIds.set(key, fnId);
    s = { fnId, template, valueNames, modelIds };
    this.shippings.set(fn, s);
    return s;
  }

  /** A map's first chunk to a worker: code only if the worker lacks it, values only if they may differ. */
  private beginFor(h: WorkerHandle, run: MapRun): Begin {
    const { fnId, template } = run.shipping;
    const values = run.values;
    const known = h.fns.get(fnId);
    if (known !== undefined) h.fns.delete(fnId);
    else if (h.fns.size >= FNS_PER_WORKER) {
      const oldest = h.fns.keys().next().value!;
      h.fns.delete(oldest);
      h.forgetFns.push(oldest);
    }
    const prims = values.every(isPrimitive) ? values : null;
    h.fns.set(fnId, prims);
    const begin: Begin = { fnId, modelId: run.modelId, collect: run.opts.errors === "collect" };
    if (known === undefined) begin.shipped = template;
    if (values.length > 0 && !(known && prims && sameValues(known, prims))) begin.values = values;
    return begin;
  }

  private sendModel(h: WorkerHandle, id: string, root: object): void {
    const e = modelRegistry.get(id);
    if (!e) throw new Error(`model ${id} was released; share it again`);
    h.models.add(id);
    h.post({ t: "model", payload: { ...e.entry.payload, root } });
  }

  private onRunFinished(run: MapRun, error: Error | undefined): void {
    const i = this.runs.indexOf(run);
    if (i >= 0) this.runs.splice(i, 1);
    this.activeMapIds.delete(run.id);
    this.mapOutput.delete(run.id);
    this.chunkLog.endMap(run.id, run.opts.name, run.progress(), error);
    if (error) {
      Atomics.store(this.cancel, run.id % CANCEL_SLOTS, run.id);
      // Workers stop between items; one stuck inside an item is replaced after a short grace.
      const stuck = this.workers.filter((h) => [...h.inflight.values()].some((c) => c.run === run));
      if (stuck.length) {
        const t = setTimeout(() => {
          for (const h of stuck) if (this.workers.includes(h) && [...h.inflight.values()].some((c) => c.run === run)) this.replace(h);
        }, POOL_TUNING.cancelGraceMs);
        t.unref();
      }
    }
    for (const h of this.workers) {
      if (h.begun.delete(run.id) && h.live) h.ends.push(run.id);
    }
    this.hold(-1);
    this.pump();
  }

  private holds = 0;

  /** Idle workers must not keep a script (or a test) alive; workers with maps or waiters must. */
  private hold(delta: number): void {
    const was = this.holds > 0;
    this.holds += delta;
    if (was !== this.holds > 0) for (const h of this.workers) this.holds > 0 ? h.worker.ref() : h.worker.unref();
  }

  private busyWorkers(): number {
    let n = 0;
    for (const h of this.workers) if (h.inflight.size > 0) n++;
    return n;
  }
}

function previewItem(item: unknown): string {
  const s = util.inspect(item, { depth: 2, breakLength: Infinity, maxArrayLength: 8, maxStringLength: 60 });
  return s.length > 120 ? s.slice(0, 117) + "..." : s;
}
