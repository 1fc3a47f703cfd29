import { inspect } from "node:util";
import type { MimeBundle } from "../protocol/messages";

/** A value that knows how to show itself (threadlab's progress bars and reports use this). */
export const MIME_BUNDLE = Symbol.for("threadlab.mimeBundle");

/**
 * A cell value as a MIME bundle: `text/plain` is Node's util.inspect (what the REPL shows); objects may add
 * richer forms through `[Symbol.for("threadlab.mimeBundle")]()`.
 */
export function toMimeBundle(value: unknown): MimeBundle {
  if (value && (typeof value === "object" || typeof value === "function")) {
    const fn = (value as Record<symbol, unknown>)[MIME_BUNDLE];
    if (typeof fn === "function") {
      try {
        const bundle = fn.call(value) as MimeBundle;
        if (bundle && typeof bundle === "object") return { "text/plain": plain(value), ...bundle };
      } catch {
        // A failing custom renderer must not hide the value: fall back to inspect.
      }
    }
  }
  return { "text/plain": plain(value) };
}

function plain(value: unknown): string {
  return inspect(value, { depth: 4, maxArrayLength: 100, maxStringLength: 10_000, breakLength: 100 });
}
