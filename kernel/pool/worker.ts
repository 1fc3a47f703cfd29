/**
 * The worker side of the pool: compiles each function once and binds it to each map's values, runs chunks one
 * at a time, checks the cancel flag between items, and keeps its counters in shared memory. Console output is
 * tagged with the map it belongs to, so output of cancelled work can be dropped by the kernel.
 */
import { parentPort, workerData, type TransferListItem } from "node:worker_threads";
import { createRequire } from "node:module";
import path from "node:path";
import { compileShipped, trimWorkerStack, type CompiledShipped } from "../ship/materialize";
import { reviveModel } from "../share/model-payload";
import { captureStdio } from "../execution/stdio-capture";
import { isPrimitive, preview } from "../ship/values";
import type { ShippedFunction } from "../ship/types";
import type { Begin, FromWorker, ItemFailure, ToWorker, WireError, WorkerData } from "./worker-messages";
import { CANCEL_SLOTS, F, epochMs, slotView } from "./stats";

type Fn = (item: unknown, model: unknown, index: number) => unknown;
type ChunkMsg = Extract<ToWorker, { t: "chunk" }>;

const port = parentPort!;
const data = workerData as WorkerData;
const stats = slotView(data.stats, data.slot);
const cancel = new Int32Array(data.cancel);
stats[F.itemIndex] = -1;
const models = new Map<string, unknown>();
const maps = new Map<number, MapState>();
const fns = new Map<number, FnEntry>();
const requires = new Map<string, NodeJS.Require>();
let currentMap = 0;

const post = (m: FromWorker, transfer?: TransferListItem[]) => port.postMessage(m, transfer as never);

captureStdio((stream, text) => post({ t: "out", mapId: currentMap, stream, text }));

function requireFrom(dir: string): NodeJS.Require {
  let r = requires.get(dir);
  if (!r) requires.set(dir, (r = createRequire(path.join(path.resolve(dir), "__threadlab_worker__.js"))));
  return r;
}

function wireError(e: unknown, shipped?: ShippedFunction): WireError {
  if (e instanceof Error)
    return { name: e.name, message: e.message, stack: e.stack && trimWorkerStack(e.stack, shipped) };
  return { name: "Error", message: `non-Error value thrown: ${preview(e)}` };
}

let setupModule: { applyBackendLimits?: (limits: unknown) => void } | undefined;
if (data.setup) {
  // Failing here kills the worker before "ready": the pool counts it as a start failure and says why.
  setupModule = requireFrom(process.cwd())(data.setup.module) as typeof setupModule;
  setupModule?.applyBackendLimits?.(data.setup.data);
}

function itemAt(m: ChunkMsg, i: number): unknown {
  const it = m.items;
  return it.kind === "range" ? it.first + i * it.step : it.data[i];
}

const PACK_MIN = 16;

class ChunkRun {
  /** Results stay in a Float64Array while they are all numbers: it is transferred back instead of cloned. */
  packed: Float64Array<ArrayBuffer> | null;
  results: unknown[] | null = null;
  failures: ItemFailure[] | undefined;
  i = 0;
  readonly t0 = epochMs();
  constructor(
    readonly m: ChunkMsg,
    readonly map: MapState,
  ) {
    // Below a few items, cloning a small array back costs less than allocating and transferring a buffer.
    if (m.count >= PACK_MIN) this.packed = new Float64Array(m.count);
    else {
      this.packed = null;
      this.results = new Array(m.count);
    }
  }
  unpack(): unknown[] {
    if (this.results) return this.results;
    const r = new Array(this.m.count);
    for (let j = 0; j < this.i; j++) r[j] = this.packed![j];
    this.packed = null;
    return (this.results = r);
  }
  /** Records a failure at item `i`; returns true when the chunk must stop ("raise" mode). */
  fail(e: unknown): boolean {
    this.unpack()[this.i] = undefined;
    (this.failures ??= []).push({
      offset: this.i,
      error: wireError(e, this.map.shipped),
      preview: preview(itemAt(this.m, this.i)),
    });
    return !this.map.collect;
  }
  store(r: unknown): void {
    if (typeof r === "number" && this.packed) this.packed[this.i] = r;
    else this.unpack()[this.i] = r;
  }
}

/**
 * The item loop, compiled once per function (not shared by all functions) so the call to the user's function
 * is monomorphic and can be inlined (a loop shared by all maps costs several times more per item on trivial
 * functions). The cancel flag is read every item while items are slow, and every few hundred while they are
 * fast (reading shared memory every item costs as much as a trivial function), so cancelling stays under a
 * millisecond either way.
 */
const RUNNER = `"use strict";
return function runSync(c) {
  const m = c.m, model = c.map.model, n = m.count, start = m.start, id = m.mapId, slot = id % ${CANCEL_SLOTS};
  const it = m.items, data = it.kind === "range" ? null : it.data;
  const first = it.kind === "range" ? it.first : 0, step = it.kind === "range" ? it.step : 0;
  let packed = c.packed, results = c.results, i = c.i, nextCheck = i, stride = 1, last = performance.now();
  const timed = c.map.timed;
  for (; i < n; i++) {
    if (timed) clock[${F.itemIndex}] = start + i;
    if (i === nextCheck) {
      if (cancel[slot] === id) break;
      const now = performance.now();
      stride = now - last < 1 ? (stride < 512 ? stride * 2 : 512) : 1;
      last = now;
      nextCheck = i + stride;
    }
    let r;
    try {
      r = fn(data === null ? first + i * step : data[i], model, start + i);
    } catch (e) {
      c.i = i;
      results = c.unpack();
      packed = null;
      if (c.fail(e)) { i++; break; }
      continue;
    }
    if (typeof r === "number") {
      if (packed !== null) packed[i] = r; else results[i] = r;
    } else if (r !== null && (typeof r === "object" || typeof r === "function") && typeof r.then === "function") {
      c.i = i;
      return r;
    } else {
      if (packed !== null) { c.i = i; results = c.unpack(); packed = null; }
      results[i] = r;
    }
  }
  c.i = i;
  return undefined;
};`;

type Runner = (c: ChunkRun) => PromiseLike<unknown> | undefined;

/** A function this worker has been sent, kept across maps under its fnId until the pool says to forget it. */
interface FnEntry {
  /** Without its values (they come with each map). */
  shipped: ShippedFunction;
  compiled?: CompiledShipped;
  /** The item loop compiled for this function only, so its call to the function stays monomorphic. */
  runner?: (fn: Fn, cancel: Int32Array, clock: Float64Array) => Runner;
  /** Kept only while they are all primitives: the pool then omits them when they have not changed. */
  values: readonly unknown[];
  /** For a stateless function, the one bound function and its loop that serve every map. */
  bound?: { fn: Fn; runSync: Runner };
}

interface MapState {
  /** Kept for its line map: worker stacks of cell bodies then name the cell's own lines. */
  shipped: ShippedFunction;
  fn: Fn;
  model: unknown;
  collect: boolean;
  /**
   * The map has a `timeout`: the index of each item is written to the stats slot as it starts (F.itemIndex), for
   * the pool to clock (pool/item-timeouts.ts). One store per item; the worker reads no clock for it.
   */
  timed: boolean;
  runSync: Runner;
}

const isThenable = (r: unknown): r is PromiseLike<unknown> =>
  r !== null &&
  (typeof r === "object" || typeof r === "function") &&
  typeof (r as { then?: unknown }).then === "function";

/** After the first promise, items run one at a time with await; `pending` is item `c.i`'s promise. */
async function runAsync(c: ChunkRun, pending: PromiseLike<unknown>): Promise<void> {
  const { m, map } = c;
  const cancelled = () => cancel[m.mapId % CANCEL_SLOTS] === m.mapId;
  let p: unknown = pending;
  let has = true;
  for (; c.i < m.count; c.i++) {
    if (!has) {
      if (cancelled()) return;
      if (map.timed) stats[F.itemIndex] = m.start + c.i;
      try {
        p = map.fn(itemAt(m, c.i), map.model, m.start + c.i);
      } catch (e) {
        if (c.fail(e)) {
          c.i++;
          return;
        }
        continue;
      }
    }
    has = false;
    try {
      c.store(isThenable(p) ? await p : p);
    } catch (e) {
      if (c.fail(e)) {
        c.i++;
        return;
      }
    }
  }
}

function finish(c: ChunkRun): void {
  const { m } = c;
  const busyMs = epochMs() - c.t0;
  stats[F.busyMs] += busyMs;
  stats[F.items] += c.i;
  stats[F.chunks] += 1;
  stats[F.chunkStart] = 0;
  stats[F.itemIndex] = -1;
  const base = {
    t: "done" as const,
    mapId: m.mapId,
    chunkId: m.chunkId,
    processed: c.i,
    t0: c.t0,
    busyMs,
    failures: c.failures,
  };
  if (c.packed) {
    post({ ...base, results: c.packed }, [c.packed.buffer]);
    return;
  }
  const results = c.results!;
  results.length = c.i;
  try {
    post({ ...base, results });
  } catch {
    // A result that cannot be cloned (a function, a socket) fails its own item, not the whole chunk.
    for (let i = 0; i < results.length; i++) {
      try {
        structuredClone(results[i]);
      } catch (e) {
        results[i] = undefined;
        (c.failures ??= []).push({
          offset: i,
          error: {
            name: "DataCloneError",
            message: `the result cannot be sent back from the worker: ${(e as Error).message}. Return plain data, arrays or typed arrays`,
          },
          preview: preview(itemAt(m, i)),
        });
      }
    }
    post({ ...base, results, failures: c.failures });
  }
}

let queue: Promise<void> | undefined;
let queued = 0;

function runChunk(m: ChunkMsg): Promise<void> | undefined {
  const map = maps.get(m.mapId);
  if (!map || cancel[m.mapId % CANCEL_SLOTS] === m.mapId) {
    post({ t: "done", mapId: m.mapId, chunkId: m.chunkId, results: [], processed: 0, t0: 0, busyMs: 0 });
    return undefined;
  }
  currentMap = m.mapId;
  stats[F.mapId] = m.mapId;
  const c = new ChunkRun(m, map);
  stats[F.chunkStart] = c.t0;
  const pending = map.runSync(c);
  if (!pending) {
    finish(c);
    return undefined;
  }
  return runAsync(c, pending).then(() => finish(c));
}

function onChunk(m: ChunkMsg): void {
  // Chunks run one at a time: while an async chunk awaits, the next one waits its turn behind it.
  if (queued === 0) {
    const p = runChunk(m);
    if (!p) return;
    queued++;
    queue = p.finally(() => queued--);
    return;
  }
  queued++;
  queue = queue!.then(() => runChunk(m)).finally(() => queued--);
}

port.on("message", (m: ToWorker) => {
  switch (m.t) {
    case "chunk":
      if (m.ends) for (const id of m.ends) maps.delete(id);
      if (m.forgetFns) for (const id of m.forgetFns) fns.delete(id);
      if (m.begin) begin(m.mapId, m.begin);
      onChunk(m);
      break;
    case "model":
      models.set(m.payload.id, reviveModel(m.payload));
      post({ t: "model-ok", id: m.payload.id });
      break;
    case "drop-model":
      models.delete(m.id);
      break;
    case "setup":
      setupModule?.applyBackendLimits?.(m.data);
      break;
  }
});

function modelById(id: string): unknown {
  if (!models.has(id))
    throw new Error(`model ${id} was not sent to this worker (released, or shared after the map started?)`);
  return models.get(id);
}

function begin(mapId: number, b: Begin): void {
  if (b.shipped) fns.set(b.fnId, { shipped: b.shipped, values: [] });
  const e = fns.get(b.fnId);
  if (!e) {
    post({
      t: "begin-error",
      mapId,
      error: { name: "Error", message: `function ${b.fnId} was never sent to this worker` },
    });
    return;
  }
  const values = b.values ?? e.values;
  // Copies of objects belong to this map alone (and may be large): the pool sends them again next time.
  e.values = values.every(isPrimitive) ? values : [];
  try {
    let bound = e.bound;
    if (!bound) {
      const compiled = (e.compiled ??= compileShipped(e.shipped));
      const fn = compiled.bind({ require: requireFrom(e.shipped.resolveDir), model: modelById }, values);
      // A source of its own per function: V8 caches `new Function` by source text, and one loop shared by
      // all functions would see them all at its call site.
      e.runner ??= new Function("fn", "cancel", "clock", `${RUNNER}\n// fn ${b.fnId}`) as NonNullable<
        FnEntry["runner"]
      >;
      bound = { fn: fn as Fn, runSync: e.runner(fn as Fn, cancel, stats) };
      if (compiled.stateless) e.bound = bound;
    }
    maps.set(mapId, {
      shipped: e.shipped,
      fn: bound.fn,
      model: b.modelId === null ? undefined : modelById(b.modelId),
      collect: b.collect,
      timed: b.timed === true,
      runSync: bound.runSync,
    });
  } catch (err) {
    post({ t: "begin-error", mapId, error: wireError(err, e.shipped) });
  }
}

post({ t: "ready" });
