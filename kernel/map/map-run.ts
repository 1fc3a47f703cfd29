/**
 * One running map's lifecycle and results, whichever backend runs it: its promise, its input and chunk sizer,
 * results and failures as they arrive, cancellation through its signal, progress calls, and the one way a map
 * ends (`finish`). A backend subclasses it (pool/map-job.ts, cluster/cluster-map.ts) and adds only how its
 * chunks travel and what its own ending releases.
 */
import { ChunkSizer, type SizerTuning } from "./chunk-sizer";
import { AbortError } from "./errors";
import type { ItemSource } from "./items";
import { MAP_TUNING, type ResolvedMapOptions } from "./options";
import { progressState, type ProgressState } from "./progress";
import { completedReport, type ItemFailureReport, type MapReport, type MapTally } from "./report";

export abstract class MapRun implements MapTally {
  readonly promise: Promise<MapReport>;
  /** In item order unless `unordered`; with errors "collect", failed items hold their Error. */
  readonly results: unknown[];
  readonly failures: ItemFailureReport[] = [];
  readonly startedAt = performance.now();
  done = 0;
  finished = false;
  protected readonly sizer: ChunkSizer;
  /** Results written in completion order so far: where an unordered map puts the next ones. */
  protected written = 0;
  private resolve!: (r: MapReport) => void;
  private reject!: (e: Error) => void;
  private progressTimer: NodeJS.Timeout | undefined;
  private readonly onAbort = () =>
    this.fail(
      new AbortError(`${this.opts.name} was cancelled after ${this.done} items`, { cause: this.opts.signal?.reason }),
    );

  constructor(
    readonly id: number,
    readonly opts: ResolvedMapOptions,
    readonly source: ItemSource,
    sizing?: SizerTuning,
  ) {
    this.promise = new Promise<MapReport>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    const total = source.total;
    this.results = total !== null ? new Array(total) : [];
    this.sizer = new ChunkSizer(opts.chunk, total, sizing);
  }

  /** Number of items, or null until a streamed input ends. */
  get total(): number | null {
    return this.source.total;
  }

  /** Starts listening for cancellation; false if the map was cancelled before it started (it has failed then). */
  protected listen(): boolean {
    if (this.opts.signal?.aborted) {
      this.onAbort();
      return false;
    }
    this.opts.signal?.addEventListener("abort", this.onAbort, { once: true });
    return true;
  }

  /** Calls `onProgress` every `progressIntervalMs` until the map ends (and once at the end, from `finish`). */
  protected startProgress(): void {
    if (!this.opts.progress || !this.opts.onProgress || this.finished) return;
    this.progressTimer = setInterval(() => this.emitProgress(), MAP_TUNING.progressIntervalMs);
    this.progressTimer.unref();
  }

  /** A failed item in "collect" mode: its Error at `at` (its place, or its turn if unordered) and in the report. */
  protected collectFailure(index: number, at: number, error: Error, node?: string): void {
    this.results[at] = error;
    this.failures.push(node === undefined ? { index, error } : { index, error, node });
  }

  fail(error: Error): void {
    this.finish(error);
  }

  /** The one way a map ends: once, releasing what it holds, then settling its promise. */
  protected finish(error: Error | undefined): void {
    if (this.finished) return;
    this.finished = true;
    clearInterval(this.progressTimer);
    this.opts.signal?.removeEventListener("abort", this.onAbort);
    this.source.close();
    this.ended(error);
    if (error) {
      this.reject(error);
      return;
    }
    if (this.opts.progress) this.emitProgress();
    const { workers, chunkSize } = this.reportShape();
    this.resolve(completedReport(this, workers, chunkSize));
  }

  /** What the backend releases when the map ends (called once, before the promise settles). */
  protected abstract ended(error: Error | undefined): void;

  /** The workers that ran the map and its largest chunk, for the report. */
  protected abstract reportShape(): { workers: number; chunkSize: number };

  abstract progress(): ProgressState;

  /** The shared progress figures with the backend's count of busy workers. */
  protected progressFigures(busyWorkers: number): ProgressState {
    return progressState(
      { done: this.done, failed: this.failures.length, startedAt: this.startedAt, finished: this.finished },
      this.source.total,
      busyWorkers,
    );
  }

  private emitProgress(): void {
    try {
      this.opts.onProgress?.(this.progress());
    } catch {
      // A broken progress display must not break the map.
    }
  }
}
