/**
 * Where a compiled notebook function came from: for each line of the JavaScript that tslab compiled (what
 * `Function.prototype.toString` returns, and what workers run), the line of TypeScript the user typed.
 *
 * tslab emits no source map, so the TypeScript is transpiled again with one. The answer is used only when the
 * function's text appears line for line in that output (up to the `exports.` prefixes tslab adds to
 * references to other cells' names), so a layout difference can never yield a wrong line number.
 */
import ts = require("@tslab/typescript-for-tslab");
import { decode } from "@jridgewell/sourcemap-codec";

export interface Transpiled {
  /** Output lines, normalized (`normalize`). */
  readonly lines: readonly string[];
  /** For each output line, the 0-based source line of its first mapped segment (carried over blank lines). */
  readonly sourceLines: readonly (number | undefined)[];
}

export function transpileWithLines(source: string): Transpiled {
  const out = ts.transpileModule(source, {
    fileName: "cell.ts",
    // tslab's own first step: ES2022 (Node 20) as an ES module; its CommonJS step keeps function bodies.
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, sourceMap: true },
  });
  const mappings = out.sourceMapText ? decode((JSON.parse(out.sourceMapText) as { mappings: string }).mappings) : [];
  const sourceLines: (number | undefined)[] = [];
  let previous: number | undefined;
  for (const segments of mappings) {
    const first = segments.find((s) => s.length >= 4);
    previous = first ? first[2] : previous;
    sourceLines.push(previous);
  }
  return { lines: out.outputText.split("\n").map(normalize), sourceLines };
}

/**
 * 1-based source lines of each line of `compiled`, found in `transpiled`, or undefined when it is not there.
 * The first compiled line may start inside an output line (`const f = (x) => {` holds `(x) => {`) and the
 * last may lack the output's `;`.
 */
export function functionLines(transpiled: Transpiled, compiled: string): number[] | undefined {
  const theirs = compiled.split("\n").map(normalize);
  const n = theirs.length;
  const { lines } = transpiled;
  const head = theirs[0];
  if (!head) return undefined;
  const unterminated = (line: string) => line.replace(/;$/, "");
  for (let at = 0; at + n <= lines.length; at++) {
    const first = lines[at];
    if (!(first.endsWith(head) || (n === 1 && unterminated(first).endsWith(head)))) continue;
    let same = true;
    for (let i = 1; i < n && same; i++) {
      const mine = lines[at + i];
      same = mine === theirs[i] || (i === n - 1 && (unterminated(mine) === theirs[i] || mine.startsWith(theirs[i])));
    }
    if (!same) continue;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const l = transpiled.sourceLines[at + i];
      if (l === undefined) return undefined;
      out.push(l + 1);
    }
    return out;
  }
  return undefined;
}

/**
 * Without `exports.` and without blanks: shipped code replaces `exports.X` by `X` padded with spaces to keep
 * columns (source-analysis.ts), and only the line structure matters here.
 */
function normalize(line: string): string {
  return line.replace(/\bexports\.(?=[A-Za-z_$])/g, "").replace(/\s+/g, "");
}

export type Locate = (compiled: string, name?: string) => { readonly cell?: number; readonly lines: readonly number[] } | undefined;

/**
 * Rewrites a worker stack's `notebook:NAME:L:C` frames — shipped functions whose lines are still those of
 * the compiled JavaScript — to where NAME was typed: `Cell In[4], line 7`, as IPython prints it. `code` gives
 * the compiled text of each shipped function by its frame label. Frames it cannot place are left as they are.
 */
export function stackToCells(stack: string, code: (label: string) => string | undefined, locate: Locate): string {
  const found = new Map<string, ReturnType<Locate> | null>();
  return stack.replace(/notebook:([\w$.-]+):(\d+):\d+/g, (whole, label: string, line: string) => {
    let where = found.get(label);
    if (where === undefined) {
      const text = code(label);
      // Shipped code is the function's text parenthesized as `(${text}\n)` (source-analysis.ts): same lines.
      const own = text?.startsWith("(") && text.endsWith("\n)") ? text.slice(1, -2) : text;
      where = (own !== undefined ? locate(own, label) : undefined) ?? null;
      found.set(label, where);
    }
    const user = where?.lines[Number(line) - 1];
    if (!where || user === undefined) return whole;
    return where.cell !== undefined ? `Cell In[${where.cell}], line ${user}` : `notebook:${label}:${user}`;
  });
}
