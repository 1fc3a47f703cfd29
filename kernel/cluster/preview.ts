import util from "node:util";

/** A short rendering of an item for error messages, made where the item is. */
export function previewItem(item: unknown): string {
  const s = util.inspect(item, { depth: 2, breakLength: Infinity, maxArrayLength: 8, maxStringLength: 60 });
  return s.length > 120 ? s.slice(0, 117) + "..." : s;
}
