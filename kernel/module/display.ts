/**
 * The display API of the `threadlab` module, in one place:
 *
 * - `display(value)` shows any value as a cell's last value would be shown (rich forms below), mid-cell.
 * - A value shows itself through `[Symbol.for("Jupyter.display")]()` returning a MIME bundle (Deno's
 *   convention), e.g. `{ "text/html": "<b>hi</b>" }`; a promise of one also works (then `await display(x)`).
 * - Arrays of plain row objects and objects of equal-length columns show as an HTML table (first 50 rows,
 *   with the total); `Uint8Array`s of PNG, JPEG, GIF or SVG bytes show as the image.
 * - `display.html(s)`, `.markdown(s)`, `.svg(s)`, `.png(bytes)`, `.jpeg(bytes)`, `.gif(bytes)`, `.latex(s)`,
 *   `.pdf(bytes)`, `.text(s)`, `.javascript(s)`, `.raw(mime, data)` (tslab's helpers), and
 *   `display.vegalite(spec)` for a Vega-Lite chart (JupyterLab renders it).
 * - `newDisplay()` returns a display that later calls update in place.
 */
import { display as tslabDisplay, newDisplay as tslabNewDisplay } from "tslab/dist/public";
import type { KernelDoor } from "../door";
import { renderNote, renderValue, Rendered } from "../execution/mime";

/** Vega-Lite's MIME type; JupyterLab's built-in vega extension renders v5 specs. */
export const VEGALITE_MIME = "application/vnd.vegalite.v5+json";

/**
 * tslab's display helpers, declared here rather than re-exported: a cell's `const d = newDisplay()` must
 * have a type that notebooks can name through "threadlab" (TypeScript refuses types only reachable through
 * threadlab's own node_modules/tslab).
 */
export interface DisplayHandle {
  javascript(s: string): void;
  html(s: string): void;
  markdown(s: string): void;
  latex(s: string): void;
  svg(s: string): void;
  png(b: Uint8Array): void;
  jpeg(b: Uint8Array): void;
  gif(b: Uint8Array): void;
  pdf(b: Uint8Array): void;
  text(s: string): void;
  raw(contentType: string, b: string | Uint8Array): void;
}

export interface Display extends DisplayHandle {
  /** Shows a value as a cell's value would be shown. Returns a promise only if the value's display method is async. */
  (value: unknown): void | Promise<void>;
  /** Shows a Vega-Lite (v5) chart: `display.vegalite({ data: { values }, mark: "bar", encoding: { … } })`. */
  vegalite(spec: Record<string, unknown>): void;
}

const NO_KERNEL = "needs the threadlab kernel; it is not available when threadlab is imported outside a notebook";

/** The display API wired to a kernel's door; without one (a plain library), showing values throws. */
export function createDisplay(door?: KernelDoor): Display {
  const show = (r: Rendered): void => {
    if (!door) throw new Error(`display(value) ${NO_KERNEL}`);
    if (r.note) door.write("stderr", renderNote(r.note));
    door.display(r.data);
  };
  const displayValue = (value: unknown): void | Promise<void> => {
    const r = renderValue(value);
    return r instanceof Promise ? r.then(show) : show(r);
  };
  const vegalite = (spec: Record<string, unknown>): void => {
    if (!spec || typeof spec !== "object" || Array.isArray(spec)) {
      throw new TypeError(
        `display.vegalite needs a Vega-Lite spec object, e.g. { data: { values: [{ a: 1 }] }, mark: "bar", encoding: { x: { field: "a" } } }; got ${typeof spec}`,
      );
    }
    if (!door) throw new Error(`display.vegalite ${NO_KERNEL}`);
    door.display({
      [VEGALITE_MIME]: spec,
      "text/plain": `<Vega-Lite chart${typeof spec.mark === "string" ? `: ${spec.mark}` : ""}>`,
    });
  };
  return Object.assign(displayValue, tslabMethods(), { vegalite });
}

const methods = ["javascript", "html", "markdown", "latex", "svg", "png", "jpeg", "gif", "pdf", "text", "raw"] as const;

/** tslab's helpers, which publish through the hook the kernel sets on tslab (kernel.ts). */
function tslabMethods(): DisplayHandle {
  return Object.fromEntries(
    methods.map((m) => [m, (...a: unknown[]) => (tslabDisplay[m] as (...x: unknown[]) => unknown)(...a)]),
  ) as unknown as DisplayHandle;
}

/** The plain library's display (no kernel): tslab's helpers; `display(value)` and `vegalite` need the kernel. */
export const display: Display = createDisplay();

/** A display that later calls overwrite in place (update_display_data), for progress and live values. */
export function newDisplay(): DisplayHandle {
  return tslabNewDisplay();
}
