/**
 * `parallel.start`'s handle on a map that runs in the background: what is done so far, read at any time (from a
 * subshell console while the notebook's cell awaits the report), its report, and its cancel. The map itself is
 * the backend's (a `LiveMap`, kernel/map/backend.ts): this only reads it, so both backends give the same handle.
 *
 * @module
 */
import { inspect } from "node:util";
import type { KernelDoor } from "../door";
import { mapEndOf, type LiveMap, type MapEndWord, type MapItems, type MapReport, type ProgressState } from "../map";
import { startInNotebook, type MapFunction, type NotebookMap, type ParallelMapOptions } from "./map";

const NO_ITEMS: readonly unknown[] = Object.freeze([]);

/** How the map ended (map/errors.ts `mapEndOf`, the sidebar's words), with "running" before the end. */
export type RunningMapState = "running" | MapEndWord;

export class RunningMap<R = unknown> {
  /** The map's id: the one on its bars in the sidebar's timeline and in `%parallel status`. */
  readonly id: number;
  readonly name: string;
  /** Resolves with the whole report when the map ends; rejects as `parallel.run` would (an item failed, cancel). */
  readonly report: Promise<MapReport>;
  private ended: RunningMapState = "running";
  private final: MapReport | undefined;
  private readonly live: () => LiveMap | undefined;

  constructor(
    started: NotebookMap,
    private readonly controller: AbortController,
  ) {
    this.id = started.id;
    this.name = started.name;
    this.live = started.live;
    this.report = started.report;
    // Marked handled: a background map that fails while nobody awaits it must not be an unhandled rejection
    // (its progress line says it stopped); awaiting `report` still throws.
    this.report.then(
      (r) => {
        this.ended = "done";
        this.final = r;
      },
      (e: unknown) => {
        this.ended = mapEndOf(e ?? new Error("failed"));
      },
    );
  }

  /**
   * The results so far, in item order (unless `unordered`): `undefined` where an item is not done yet. A live
   * view, not a copy: it fills in as the map runs, and it is the report's `results` once the map has ended.
   */
  get results(): readonly (Awaited<R> | undefined)[] {
    return (this.final?.results ?? this.live()?.results ?? NO_ITEMS) as readonly (Awaited<R> | undefined)[];
  }

  /** Items done (failed ones too, with errors "collect"). */
  get done(): number {
    return this.final ? this.final.results.length : (this.live()?.done ?? 0);
  }

  /** Number of items, or null until a streamed input ends (or while a cluster map waits for its connection). */
  get total(): number | null {
    return this.final ? this.final.results.length : (this.live()?.total ?? null);
  }

  /** "running", then how it ended: "done", "cancelled" (cancel, its signal, an interrupt) or "failed". */
  get state(): RunningMapState {
    return this.ended;
  }

  /** The figures the progress line shows (rate, ETA, busy workers), now. */
  progress(): ProgressState | undefined {
    return this.live()?.progress();
  }

  /** Stops the map: workers stop at their next item, and `report` rejects with an AbortError. */
  cancel(reason = "cancelled"): void {
    this.controller.abort(new Error(reason));
  }

  /** How a cell shows the handle: the map, how far it is. */
  [inspect.custom](): string {
    const total = this.total ?? "?";
    const pct = typeof total === "number" && total > 0 ? ` (${Math.floor((this.done / total) * 100)}%)` : "";
    return `RunningMap ${this.id} ${this.name}: ${this.state}, ${this.done} / ${total} items${pct}`;
  }
}

/**
 * Starts a map and returns its handle at once (`parallel.start`). Its cancel and `options.signal` both stop it,
 * and so does interrupting the cell that started it while that cell runs; a later cell's interrupt does not
 * (the map runs in the background by design: `await job.report` in that cell to tie them).
 */
export function startRunningMap<T, R>(
  door: KernelDoor | undefined,
  items: MapItems | Iterable<T> | AsyncIterable<T>,
  fn: MapFunction<T, R>,
  options: ParallelMapOptions = {},
): RunningMap<R> {
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  return new RunningMap<R>(startInNotebook(door, items, fn, { ...options, signal }), controller);
}
