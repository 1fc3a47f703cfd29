import { flag } from "./parse";
import type { MagicRegistry } from "./registry";

/**
 * Completion, inspection and is_complete for cells that contain magics. TypeScript parts go to tslab's
 * compiler; a line that starts with `%` is ours.
 */

function lineAt(code: string, pos: number): { text: string; start: number } {
  const start = code.lastIndexOf("\n", pos - 1) + 1;
  const endNl = code.indexOf("\n", pos);
  return { text: code.slice(start, endNl < 0 ? code.length : endNl), start };
}

export function completeMagic(code: string, pos: number, magics: MagicRegistry, locals: Record<string, unknown>) {
  const { text, start } = lineAt(code, pos);
  const m = /^(%%?)([\w.-]*)/.exec(text);
  if (!m) return undefined;
  const col = pos - start;
  const kind = m[1] === "%%" ? "cell" : "line";
  if (col <= m[0].length) {
    const prefix = m[2].slice(0, col - m[1].length);
    const matches = magics
      .names(kind)
      .filter((n) => n.startsWith(prefix))
      .map((n) => m[1] + n);
    return { start, end: start + m[0].length, matches };
  }
  const magic = magics.get(m[2]);
  if (!magic) return { start: pos, end: pos, matches: [] };
  const before = text.slice(m[0].length, col);
  const word = /(\S*)$/.exec(before)![1];
  const words = before.trim().split(/\s+/).filter(Boolean);
  let candidates: string[];
  if (word.startsWith("-")) {
    candidates = (magic.options ?? []).flatMap((o) => [
      flag(o.name),
      ...(o.type === "boolean" && o.name.length > 1 ? [`--no-${o.name}`] : []),
    ]);
  } else {
    const prevOpt = words.length >= (word ? 2 : 1) ? words[words.length - (word ? 2 : 1)] : "";
    const opt = (magic.options ?? []).find((o) => prevOpt === flag(o.name) || (o.alias && prevOpt === `-${o.alias}`));
    candidates = opt?.choices
      ? [...opt.choices]
      : (magic.complete?.(word ? words.slice(0, -1) : words, { locals }) ?? []);
  }
  return { start: pos - word.length, end: pos, matches: candidates.filter((c) => c.startsWith(word)) };
}

export function inspectMagic(code: string, pos: number, magics: MagicRegistry): string | undefined {
  const { text } = lineAt(code, pos);
  const m = /^\??%%?([\w.-]+)/.exec(text.trim());
  return m ? magics.get(m[1])?.usage : undefined;
}

/**
 * is_complete: `complete`, `incomplete` (with the indent for the next line) or `invalid` (a syntax error a
 * further line cannot fix). Magic and `!cmd` lines are complete by themselves; a `%%` cell is never run on Enter.
 */
export function isCompleteWithMagics(code: string): { status: "complete" | "incomplete" | "invalid"; indent?: string } {
  const trimmed = code.trimStart();
  if (trimmed.startsWith("%%"))
    return code.endsWith("\n\n") ? { status: "complete" } : { status: "incomplete", indent: "" };
  const ts = code
    .split("\n")
    .map((l) => (/^\??%[A-Za-z_?]|^![^!(=]/.test(l) ? "" : l))
    .join("\n");
  if (!ts.trim()) return { status: "complete" };
  const { isCompleteCode } =
    require("../execution/converter/is-complete") as typeof import("../execution/converter/is-complete");
  const r = isCompleteCode(ts);
  if (!r.completed) return { status: "incomplete", indent: r.indent ?? "" };
  return hasSyntaxError(ts) ? { status: "invalid" } : { status: "complete" };
}

/** A parse error anywhere but at the very end of the input (which more input could still fix). */
function hasSyntaxError(code: string): boolean {
  const ts = require("typescript") as typeof import("typescript");
  const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const diags = (sf as unknown as { parseDiagnostics?: Array<{ start: number }> }).parseDiagnostics ?? [];
  return diags.length > 0;
}
