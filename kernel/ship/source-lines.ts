/**
 * Worker stacks at the lines the user typed: a shipped function's frames carry the lines of the compiled
 * JavaScript, and execution/cell-lines.ts knows where each compiled line was typed.
 */
import type { Locate, SourceLocation } from "../execution/cell-lines";
import { unparenthesized } from "./source-parse";

/**
 * Rewrites a worker stack's `notebook:NAME:L:C` frames — shipped functions whose lines are still those of
 * the compiled JavaScript — to where NAME was typed: `Cell In[4], line 7`, as IPython prints it. `code` gives
 * the compiled text of each shipped function by its frame label. Frames it cannot place are left as they are.
 */
export function stackToCells(stack: string, code: (label: string) => string | undefined, locate: Locate): string {
  const found = new Map<string, SourceLocation | null>();
  return stack.replace(/notebook:([\w$.-]+):(\d+):\d+/g, (whole, label: string, line: string) => {
    let where = found.get(label);
    if (where === undefined) {
      const text = code(label);
      where = (text !== undefined ? locate(unparenthesized(text), label) : undefined) ?? null;
      found.set(label, where);
    }
    const user = where?.lines[Number(line) - 1];
    if (!where || user === undefined) return whole;
    return where.cell !== undefined ? `Cell In[${where.cell}], line ${user}` : `notebook:${label}:${user}`;
  });
}
