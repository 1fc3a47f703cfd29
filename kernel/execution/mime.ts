import { inspect } from "node:util";
import type { MimeBundle } from "../protocol/messages";
import { detectImage } from "../display/image";
import { asDataToolTable, dataToolName, tableText } from "../display/data-tables";
import { asTable, tableHtml } from "../display/table";

/**
 * The method through which an object shows itself: it returns a MIME bundle (or a promise of one),
 * e.g. `{ "text/html": "<b>hi</b>" }`. The convention of Deno's Jupyter kernel, so libraries written for
 * it display here too.
 */
export const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

/** threadlab's older name for the same method (reports of %threadpool use it); read like JUPYTER_DISPLAY. */
export const MIME_BUNDLE = Symbol.for("threadlab.mimeBundle");

export interface Rendered {
  data: MimeBundle;
  /** Why a richer form could not be shown (a display method that threw): for the cell's stderr. */
  note?: string;
}

/**
 * A value as Jupyter shows it (execute_result, `display(value)`): `text/plain` is always Node's
 * util.inspect (what the REPL shows); richer forms come from, in order, the value's own
 * `[Symbol.for("Jupyter.display")]()`, image bytes (PNG, JPEG, GIF, SVG), and tabular data (an array of
 * plain row objects, or an object of equal-length columns; a DuckDB result; an Arrow Table) as an HTML
 * table. Synchronous unless the
 * value's display method returns a promise, so output keeps its order.
 */
export function renderValue(value: unknown): Rendered | Promise<Rendered> {
  const method = displayMethod(value);
  if (method) {
    let bundle: unknown;
    try {
      bundle = method.call(value);
    } catch (e) {
      return failed(value, e);
    }
    if (isThenable(bundle))
      return Promise.resolve(bundle).then(
        (b) => fromBundle(value, b),
        (e) => failed(value, e),
      );
    return fromBundle(value, bundle);
  }
  const image = detectImage(value);
  if (image) return { data: { [image.mime]: image.data, "text/plain": `<${image.description}>` } };
  const table = asTable(value);
  if (table) return { data: { "text/html": tableHtml(table), "text/plain": plain(value) } };
  const dataTable = asDataToolTable(value);
  if (dataTable)
    return {
      data: { "text/html": tableHtml(dataTable), "text/plain": tableText(dataTable, dataToolName(value as object)) },
    };
  return { data: { "text/plain": plain(value) } };
}

function displayMethod(value: unknown): ((this: unknown) => unknown) | undefined {
  if (!value || (typeof value !== "object" && typeof value !== "function")) return undefined;
  const v = value as Record<symbol, unknown>;
  const fn = v[JUPYTER_DISPLAY] ?? v[MIME_BUNDLE];
  return typeof fn === "function" ? (fn as (this: unknown) => unknown) : undefined;
}

function fromBundle(value: unknown, bundle: unknown): Rendered {
  if (!bundle || typeof bundle !== "object" || Array.isArray(bundle)) {
    return {
      data: { "text/plain": plain(value) },
      note: `its [Symbol.for("Jupyter.display")]() returned ${inspect(bundle, { depth: 0 })}, not a MIME bundle like { "text/html": "…" }`,
    };
  }
  return { data: { "text/plain": plain(value), ...(bundle as MimeBundle) } };
}

function failed(value: unknown, e: unknown): Rendered {
  const why = e instanceof Error ? `${e.name}: ${e.message}` : inspect(e);
  return { data: { "text/plain": plain(value) }, note: `its [Symbol.for("Jupyter.display")]() threw ${why}` };
}

/** The stderr line for a Rendered note. */
export function renderNote(note: string): string {
  return `display: shown as text because ${note}\n`;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    !!v && (typeof v === "object" || typeof v === "function") && typeof (v as { then?: unknown }).then === "function"
  );
}

function plain(value: unknown): string {
  return inspect(value, { depth: 4, maxArrayLength: 100, maxStringLength: 10_000, breakLength: 100 });
}
