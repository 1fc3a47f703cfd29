/**
 * Small facts about values that both sides of a worker need (the kernel and worker threads): kept together so
 * that each is written once. Worker-side code: no TypeScript compiler here.
 */
import util from "node:util";

export const isPrimitive = (v: unknown): boolean => v === null || (typeof v !== "object" && typeof v !== "function");

/** Built-in and bound functions: their source is `{ [native code] }`, so they cannot travel as source. */
export function isNativeFunction(f: Function): boolean {
  return /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(f));
}

/** A value in one short line, for error messages that name an item. */
export function preview(value: unknown): string {
  const s = util.inspect(value, { depth: 2, breakLength: Infinity, maxArrayLength: 8, maxStringLength: 60 });
  return s.length > 120 ? s.slice(0, 117) + "..." : s;
}
