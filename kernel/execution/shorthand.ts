import type * as TS from "typescript";

/**
 * Expands shorthand properties (`{ model }` → `{ model: model }`) before the converter sees a cell.
 *
 * The converter (as tslab's) rewrites references to earlier cells' variables into `exports.model`, but misses
 * shorthand properties: `parallel.map(users, f, { model })` with `model` from an earlier cell throws
 * "ReferenceError: model is not defined". The expansion means the same in every position a shorthand can
 * stand (object literals and destructuring assignments, with or without a default), so applying it to all
 * of them is safe; only columns after an insertion move, never lines.
 */
export function expandShorthandProperties(src: string): string {
  if (!src.includes("{")) return src;
  const ts = require("typescript") as typeof TS;
  const sf = ts.createSourceFile("cell.ts", src, ts.ScriptTarget.Latest, false, ts.ScriptKind.TSX);
  const inserts: Array<{ at: number; text: string }> = [];
  const visit = (node: TS.Node): void => {
    if (ts.isShorthandPropertyAssignment(node)) {
      inserts.push({ at: node.name.getEnd(), text: `: ${node.name.text}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  if (!inserts.length) return src;
  let out = src;
  for (const { at, text } of inserts.sort((a, b) => b.at - a.at)) out = out.slice(0, at) + text + out.slice(at);
  return out;
}
