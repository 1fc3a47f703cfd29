import { getHeapStatistics } from "node:v8";
import type { ShippedFunction } from "../ship/types";
import {
  itemSource,
  ItemTimeoutError,
  MapItemError,
  MapRun,
  rebuildError,
  sliceAround,
  type ItemSource,
  type MapItems,
  type ProgressState,
  type ResolvedMapOptions,
  type Slice,
  type WireError,
} from "../map";
import type { FromWorker } from "./worker-messages";
import { Queue } from "./queue";
import type { Shipping } from "./function-cache";

export type { ItemFailureReport, MapReport } from "../map";

export interface Chunk {
  readonly id: number;
  readonly job: MapJob;
  readonly slice: Slice;
  /** 0: first try. 1: re-run once after its worker died (runs alone). ≥2: a bisected part (runs alone). */
  attempts: number;
}

/** What a map job needs from its pool. */
export interface MapJobHost {
  wake(): void;
  finished(job: MapJob, error: Error | undefined): void;
  busyWorkers(): number;
  nextChunkId(): number;
}

type Done = Extract<FromWorker, { t: "done" }>;

const SMALL_MAP = 65536;

/**
 * One map job (one `submit`): its chunking, retries and results as the worker pool sees them; the lifecycle and
 * results themselves are kernel/map/map-run.ts's. The pool decides which worker runs which chunk.
 */
export class MapJob extends MapRun {
  /** Workers this map has sent a chunk to (WorkerHandles; only liveness is read here). */
  readonly workersUsed = new Set<{ readonly live: boolean }>();
  readonly retry = new Queue<Chunk>();
  /** Set by the pool: how the function travels, and this map's values of its `value` entries. */
  shipping!: Shipping;
  values: unknown[] = [];
  inflight = 0;
  private taken = 0;
  private exhausted = false;
  private takePending = false;
  private buffered: Slice | undefined;
  private lastChunk = 0;

  constructor(
    id: number,
    readonly fn: ShippedFunction,
    items: MapItems,
    opts: ResolvedMapOptions,
    readonly modelId: string | null,
    /** Every model the map needs (option and scope), by id; held so they outlive the map even if the notebook drops them. */
    readonly models: ReadonlyMap<string, object>,
    readonly workerLimit: number,
    private readonly host: MapJobHost,
  ) {
    super(id, opts, sourceThatFits(items, opts.name));
  }

  start(): void {
    if (!this.listen()) return;
    this.startProgress();
    this.checkComplete();
  }

  /** The next chunk to run, or null if none is ready now. Retried chunks run alone (`alone`) on a worker. */
  next(alone: boolean): Chunk | null {
    if (this.finished) return null;
    const head = this.retry.peek();
    if (head) return head.attempts === 0 || alone ? this.retry.shift()! : null;
    let slice = this.buffered;
    this.buffered = undefined;
    if (!slice) {
      if (this.exhausted || this.takePending) return null;
      const size = this.sizer.next(this.workerLimit);
      const r = this.source.take(size);
      if (r instanceof Promise) {
        this.takePending = true;
        r.then(
          (s) => {
            this.takePending = false;
            if (s) this.buffered = s;
            else this.exhausted = true;
            this.checkComplete();
            this.host.wake();
          },
          (e: unknown) =>
            this.fail(
              new Error(`${this.opts.name}: reading the input failed: ${(e as Error)?.message ?? e}`, { cause: e }),
            ),
        );
        return null;
      }
      if (!r) {
        this.exhausted = true;
        this.checkComplete();
        return null;
      }
      slice = r;
    }
    this.taken += slice.count;
    // The largest chunk: for "auto" that is the size it settled on, not a short last chunk.
    if (slice.count > this.lastChunk) this.lastChunk = slice.count;
    return { id: this.host.nextChunkId(), job: this, slice, attempts: 0 };
  }

  requeue(...chunks: Chunk[]): void {
    if (!this.finished) this.retry.unshift(...chunks);
  }

  onDone(chunk: Chunk, m: Done): void {
    if (this.finished) return;
    this.sizer.record(m.processed, m.busyMs);
    const { start } = chunk.slice;
    const res = m.results;
    let failAt = -1;
    let failure: WireError | undefined;
    let preview = "";
    if (m.failures) {
      for (const f of m.failures) {
        if (this.opts.errors === "raise") {
          failAt = f.offset;
          failure = f.error;
          preview = f.preview;
          break;
        }
      }
    }
    if (failure) {
      this.fail(new MapItemError(this.opts.name, start + failAt, preview, rebuildError(failure)));
      return;
    }
    const n = m.processed;
    // Unordered: results in arrival order; the failure offsets below are then relative to this chunk's place.
    const at = this.opts.unordered ? this.written : start;
    if (res instanceof Float64Array) writeNumbers(this.results, at, res, n);
    else writeValues(this.results, at, res, n);
    if (m.failures)
      for (const f of m.failures) this.collectFailure(start + f.offset, at + f.offset, rebuildError(f.error));
    this.written += n;
    this.done += n;
    this.checkComplete();
  }

  /**
   * The item at `offset` of `chunk` ran past the timeout and its worker was terminated (supervisor.ts): it fails
   * like any item ("raise" ends the map), and the chunk's other items, whose results died with the worker, run again.
   */
  itemTimedOut(chunk: Chunk, offset: number, itemPreview: string): void {
    if (this.finished) return;
    const index = chunk.slice.start + offset;
    const error = new ItemTimeoutError(index, itemPreview, this.opts.timeout!);
    if (this.opts.errors === "raise") return this.fail(new MapItemError(this.opts.name, index, itemPreview, error));
    this.collectFailure(index, this.opts.unordered ? this.written++ : index, error);
    this.done++;
    const rest = sliceAround(chunk.slice, offset).filter((s) => s.count > 0);
    this.requeue(...rest.map((slice) => ({ id: this.host.nextChunkId(), job: this, slice, attempts: chunk.attempts })));
    this.checkComplete();
  }

  private checkComplete(): void {
    if (this.finished) return;
    if (!this.exhausted && this.source.total !== null && this.taken >= this.source.total) this.exhausted = true;
    if (this.exhausted && !this.takePending && !this.buffered && this.retry.length === 0 && this.inflight === 0)
      this.finish(undefined);
  }

  protected ended(error: Error | undefined): void {
    this.retry.clear();
    this.host.finished(this, error);
  }

  protected reportShape() {
    return { workers: this.workersUsed.size, chunkSize: this.lastChunk };
  }

  progress(): ProgressState {
    return this.progressFigures(this.host.busyWorkers());
  }
}

// Two loops, not one: each stays monomorphic on its source type (this copy is the main thread's cost per item).
function writeNumbers(out: unknown[], at: number, res: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) out[at + i] = res[i];
}

function writeValues(out: unknown[], at: number, res: readonly unknown[], n: number): void {
  for (let i = 0; i < n; i++) out[at + i] = res[i];
}

/**
 * Refuses, before any work starts, a map whose results cannot fit in the kernel's heap: running out of heap is
 * fatal to the whole kernel (V8 aborts the process), so `parallel.range(0, 1e9)` must fail politely instead.
 * 8 bytes per result is the least any result costs (a number in a packed array).
 */
function sourceThatFits(items: MapItems, name: string): ItemSource {
  const source = itemSource(items);
  const total = source.total;
  // Small maps cannot exhaust the heap; skipping the heap statistics call keeps them cheap.
  if (total !== null && total > SMALL_MAP) checkResultsFit(total, name);
  return source;
}

function checkResultsFit(total: number, name: string): void {
  const { heap_size_limit, used_heap_size } = getHeapStatistics();
  const free = heap_size_limit - used_heap_size;
  const need = total * 8;
  if (total > 2 ** 32 - 1 || need > free / 2) {
    const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
    throw new RangeError(
      `${name}: ${total.toLocaleString("en-US")} items need at least ${gib(need)} for their results, and the kernel's heap has ` +
        `${gib(free)} free. Map over parts of the input, reduce inside the function, or start Jupyter with ` +
        `NODE_OPTIONS=--max-old-space-size=<MB> for a larger heap.`,
    );
  }
}
