import { randomBytes } from "node:crypto";
import { host } from "../api/host";
import { range, renderProgress, renderSummary, type MapItems, type MapOptions, type MapReport } from "../pool";
import { shipFunction, type ShippedFunction } from "../ship";
import { sourceLabel } from "../ship/materialize";
import { stackToCells, type Locate } from "../ship/source-lines";
import { kernelPool, registerPoolShutdown } from "./kernel-pool";

export interface ParallelMapOptions extends MapOptions {
  /** Set by the magic when the function was already shipped (e.g. a %%parallel cell body). */
  shipped?: ShippedFunction;
  /** The execution count of the `%%parallel` cell whose body `shipped` is: its frames say `Cell In[n]`. */
  cell?: number;
}

function isShipped(fn: unknown): fn is ShippedFunction {
  return !!fn && typeof fn === "object" && typeof (fn as ShippedFunction).code === "string" && typeof (fn as ShippedFunction).scope === "object";
}

/** The results of the last map run from a notebook, for `%parallel map … --out NAME`. */
export let last: unknown[] | undefined;

/**
 * Runs `fn(item, model, index)` over `items` on the notebook's worker pool and returns the results in item
 * order (unless `unordered`). Free variables of `fn` are shipped to the workers; `model` is shared once
 * (zero-copy) with every worker. A kernel interrupt cancels the map. In a notebook, a live progress bar is
 * shown unless `progress: false`.
 */
export async function map<T = unknown, R = unknown>(
  items: MapItems | Iterable<T> | AsyncIterable<T>,
  fn: ((item: T, model: any, index: number) => R | Promise<R>) | ShippedFunction,
  options: ParallelMapOptions = {},
): Promise<Awaited<R>[]> {
  return (await run(items, fn, options)).results as Awaited<R>[];
}

/** Like `map`, with the whole report: results, failures (errors "collect"), wall time, workers, chunk size. */
export async function run<T = unknown>(
  items: MapItems | Iterable<T> | AsyncIterable<T>,
  fn: ((item: T, model: any, index: number) => unknown) | ShippedFunction,
  options: ParallelMapOptions = {},
): Promise<MapReport> {
  const h = host();
  registerPoolShutdown();
  const shipped = options.shipped ?? (isShipped(fn) ? fn : shipFunction(fn as Function, { locals: h?.locals ?? {}, resolveDir: h?.cwd ?? process.cwd(), name: options.name }));
  const signals = [options.signal, h?.signal].filter((s): s is AbortSignal => !!s);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  const parent = h?.currentParent();
  const showProgress = h !== undefined && options.progress !== false;
  const displayId = randomBytes(8).toString("hex");
  let shown = false;
  let lastDraw = 0;
  const pool = kernelPool();
  const { done } = pool.submit(items as MapItems, shipped, {
    ...options,
    signal,
    progress: showProgress || options.onProgress !== undefined,
    // Worker console output goes to the cell that started the map, even if another cell runs meanwhile.
    onOutput: h ? (stream, text) => h.write(stream, text, parent) : undefined,
    onProgress: (p) => {
      options.onProgress?.(p);
      if (!showProgress || !h) return;
      const now = Date.now();
      // ≤ 10 Hz: the pool calls every 100 ms, but a burst at the end must not flood the frontend.
      if (!p.finished && now - lastDraw < 100) return;
      lastDraw = now;
      h.display({ ...renderProgress(p, shipped.name) }, { displayId, update: shown });
      shown = true;
    },
  });
  const toCells = stackMapper(shipped, h?.locate, options.cell);
  try {
    const report = await done;
    if (toCells) for (const f of report.failures) toCells(f.error);
    if (showProgress && h) h.display({ ...renderSummary(report) }, { displayId, update: shown });
    last = report.results;
    return report;
  } catch (e) {
    if (toCells && e instanceof Error) {
      toCells(e);
      if (e.cause instanceof Error) toCells(e.cause);
    }
    if (showProgress && h && shown) h.display({ "text/plain": `${shipped.name}: stopped — ${(e as Error).message}` }, { displayId, update: true });
    throw e;
  }
}

/**
 * Points worker stack frames of functions from earlier cells at the lines the user typed (`Cell In[4], line
 * 7`); a `%%parallel map` body's frames are mapped in the worker already (`shipped.lines`).
 */
function stackMapper(shipped: ShippedFunction, locate: Locate | undefined, cell: number | undefined): ((e: Error) => void) | undefined {
  if (!locate) return undefined;
  const entry = sourceLabel(shipped.name);
  // A cell body's frames carry cell lines already (`notebook:cell:3`): only the cell's number is missing.
  const bodyFrame = shipped.lines && cell !== undefined ? new RegExp(`notebook:${entry.replace(/[.$]/g, "\\$&")}:(\\d+)(?![:\\d])`, "g") : undefined;
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

export { range };
