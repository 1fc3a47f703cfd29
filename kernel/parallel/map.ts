import { randomBytes } from "node:crypto";
import type { KernelDoor } from "../door";
import {
  renderProgress,
  renderSummary,
  resolveMapOptions,
  type MapItems,
  type MapOptions,
  type MapReport,
} from "../pool";
import type { StartedMap } from "../map";
import { shipFunction, type ShippedFunction } from "../ship";
import { sourceLabel } from "../ship/materialize";
import * as threadpool from "../threadpool";
import type { Locate } from "../execution/cell-lines";
import { stackToCells } from "../ship/source-lines";
import { selectBackend } from "./select-backend";

/** The options of `parallel.map` / `parallel.run`: the map's own (`MapOptions`, documented there), no more. */
export type ParallelMapOptions = MapOptions;

/**
 * What `%%parallel map` passes to `mapInNotebook` besides the map's options: the magic's plumbing, kept out of
 * the public `ParallelMapOptions` so that users neither see nor pass it.
 */
export interface MagicMapOptions extends ParallelMapOptions {
  /** The function, already shipped (a `%%parallel` cell body); `fn` is then ignored. */
  shipped?: ShippedFunction;
  /** The execution count of the `%%parallel` cell whose body `shipped` is: its frames say `Cell In[n]`. */
  cell?: number;
}

/** What `parallel.map` runs on each item: a function, or one shipped already (`shipFunction`). */
export type MapFunction<T, R> = ((item: T, model: any, index: number) => R | Promise<R>) | ShippedFunction;

function isShipped(fn: unknown): fn is ShippedFunction {
  return (
    !!fn &&
    typeof fn === "object" &&
    typeof (fn as ShippedFunction).code === "string" &&
    typeof (fn as ShippedFunction).scope === "object"
  );
}

/**
 * One map from a notebook (`parallel.map`/`run`, `%parallel map`): ships `fn`, validates the options once,
 * picks the backend, and — given the kernel's `door` — cancels with the cell, shows progress in place, routes
 * worker output to the cell that started the map and points worker stacks at the lines the user typed.
 * Without a door (threadlab as a plain library) it only maps.
 */
export function mapInNotebook<T = unknown>(
  door: KernelDoor | undefined,
  items: MapItems | Iterable<T> | AsyncIterable<T>,
  fn: MapFunction<T, unknown>,
  options: MagicMapOptions = {},
): Promise<MapReport> {
  try {
    return startInNotebook(door, items, fn, options).report;
  } catch (e) {
    // Bad options or a function that cannot ship: the same rejected promise as a map that failed.
    return Promise.reject(e);
  }
}

/** A map `startInNotebook` started: its id, what it holds so far, and its report (after the notebook's part). */
export interface NotebookMap {
  id: number;
  name: string;
  live: StartedMap["live"];
  report: Promise<MapReport>;
}

/**
 * `mapInNotebook` up to the point where the map runs, returned at once (`parallel.start`); throws for options or
 * a function that cannot ship, before anything starts.
 */
export function startInNotebook<T = unknown>(
  door: KernelDoor | undefined,
  items: MapItems | Iterable<T> | AsyncIterable<T>,
  fn: MapFunction<T, unknown>,
  options: MagicMapOptions = {},
): NotebookMap {
  const shipped =
    options.shipped ??
    (isShipped(fn)
      ? fn
      : shipFunction(fn as Function, {
          locals: door?.locals ?? {},
          resolveDir: door?.cwd ?? process.cwd(),
          name: options.name,
        }));
  const signals = [options.signal, door?.signal].filter((s): s is AbortSignal => !!s);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  const showProgress = door !== undefined && options.progress !== false;
  const resolved = resolveMapOptions({
    ...options,
    name: options.name ?? shipped.name,
    signal,
    progress: showProgress || options.onProgress !== undefined,
  });
  const parent = door?.currentParent();
  const displayId = randomBytes(8).toString("hex");
  let shown = false;
  let lastDraw = 0;
  const backend = selectBackend(resolved, door);
  // Said once, on stderr so it stays when the bar redraws (and is said with --no-progress too, as joblib warns
  // whatever its verbosity): at the first progress line (at the start without progress), and at the end if a
  // library the workers loaded during the map (Polars, DuckDB) made it true only then. Local maps only: the
  // kernel does not know an agent's CPUs and pools; agents apply the workers' limits themselves.
  let warned = backend.kind !== "local";
  const warnOversubscribed = () => {
    if (warned || !door) return;
    const ws = threadpool.mapWarnings();
    if (ws.length) door.write("stderr", ws.map((w) => `⚠ ${w}\n`).join(""), parent);
    warned = ws.length > 0;
  };
  const { id, done, live } = backend.submit({
    items,
    fn: shipped,
    options: {
      ...resolved,
      onProgress: (p) => {
        options.onProgress?.(p);
        if (!showProgress || !door) return;
        const now = Date.now();
        // ≤ 10 Hz: the pool calls every 100 ms, but a burst at the end must not flood the frontend.
        if (!p.finished && now - lastDraw < 100) return;
        lastDraw = now;
        if (!shown) warnOversubscribed();
        door.display({ ...renderProgress(p, shipped.name) }, { displayId, update: shown, parent });
        shown = true;
      },
    },
    // Worker console output goes to the cell that started the map, even if another cell runs meanwhile.
    onOutput: door ? (stream, text) => door.write(stream, text, parent) : undefined,
  });
  if (!showProgress) warnOversubscribed();
  const toCells = stackMapper(shipped, door?.locate, options.cell);
  const report = (async () => {
    try {
      const r = await done;
      if (toCells) for (const f of r.failures) toCells(f.error);
      warnOversubscribed();
      if (showProgress && door) door.display({ ...renderSummary(r) }, { displayId, update: shown });
      return r;
    } catch (e) {
      if (toCells && e instanceof Error) {
        toCells(e);
        if (e.cause instanceof Error) toCells(e.cause);
      }
      if (showProgress && door && shown)
        door.display(
          { "text/plain": `${shipped.name}: stopped — ${(e as Error).message}` },
          { displayId, update: true },
        );
      throw e;
    }
  })();
  return { id, name: resolved.name, live, report };
}

/**
 * Points worker stack frames of functions from earlier cells at the lines the user typed (`Cell In[4], line
 * 7`); a `%%parallel map` body's frames are mapped in the worker already (`shipped.lines`).
 */
function stackMapper(
  shipped: ShippedFunction,
  locate: Locate | undefined,
  cell: number | undefined,
): ((e: Error) => void) | undefined {
  if (!locate) return undefined;
  const entry = sourceLabel(shipped.name);
  // A cell body's frames carry cell lines already (`notebook:cell:3`): only the cell's number is missing.
  const bodyFrame =
    shipped.lines && cell !== undefined
      ? new RegExp(`notebook:${entry.replace(/[.$]/g, "\\$&")}:(\\d+)(?![:\\d])`, "g")
      : undefined;
  const code = (label: string): string | undefined => {
    if (label === entry && !shipped.lines) return shipped.code;
    const v = shipped.scope[label];
    return v?.kind === "code" ? v.code : undefined;
  };
  return (e) => {
    if (!e.stack) return;
    const mapped = stackToCells(e.stack, code, locate);
    e.stack = bodyFrame ? mapped.replace(bodyFrame, (_, line: string) => `Cell In[${cell}], line ${line}`) : mapped;
  };
}
