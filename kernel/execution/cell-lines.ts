/**
 * Where a compiled notebook function came from: for each line of the JavaScript that the converter compiled
 * (what `Function.prototype.toString` returns, and what workers run), the line of TypeScript the user typed.
 *
 * The converter emits no source map, so the TypeScript is transpiled again with one. Its printer lays code out
 * differently (it breaks `(x) => { a; b }` typed on one line into several), so the two are aligned by
 * tokens, not lines: the function's tokens must appear, in order and contiguous, in the transpiled output,
 * ignoring `;` and the `exports.` prefixes the converter adds to other cells' names. Each compiled line then takes
 * the source line of its first token. When the tokens are not found, there is no answer — never a wrong one.
 *
 * Here, in execution/, because it is knowledge of how cells are compiled; shipping (ship/source-lines.ts) and
 * the record of compiled cells (cell-sources.ts) both use it.
 *
 * Written here rather than taken from a library: source-map libraries map positions of one file, and what
 * is missing is the alignment of two printings of the same code, which only the compiler's scanner can do.
 */
import ts = require("typescript");
import { decode, type SourceMapSegment } from "@jridgewell/sourcemap-codec";
import { cellTarget } from "./converter/node-target";

/** Where a function was typed: the cell's execution count (when it had one) and, per compiled line, its line. */
export interface SourceLocation {
  readonly cell?: number;
  /** 1-based cell lines, one per line of the compiled function. */
  readonly lines: readonly number[];
}

/** Finds where a compiled function (its text; `name` narrows the search) was typed. */
export type Locate = (compiled: string, name?: string) => SourceLocation | undefined;

interface Token {
  readonly text: string;
  /** 0-based line and column in the text it was scanned from. */
  readonly line: number;
  readonly col: number;
}

export interface Transpiled {
  readonly tokens: readonly Token[];
  /** Per output line, the source map's segments: [column, source, source line, source column, …]. */
  readonly mappings: readonly (readonly SourceMapSegment[])[];
}

export function transpileWithLines(source: string): Transpiled {
  const out = ts.transpileModule(source, {
    fileName: "cell.ts",
    // The converter's own first step (converter/): the running Node's target, as an ES module.
    compilerOptions: { target: cellTarget().target, module: ts.ModuleKind.ESNext, sourceMap: true },
  });
  const mappings = out.sourceMapText ? decode((JSON.parse(out.sourceMapText) as { mappings: string }).mappings) : [];
  return { tokens: tokens(out.outputText), mappings };
}

/**
 * 1-based source lines of each line of `compiled`, found in `transpiled`, or undefined when it is not there.
 */
export function functionLines(transpiled: Transpiled, compiled: string): number[] | undefined {
  const theirs = tokens(compiled);
  const mine = transpiled.tokens;
  if (theirs.length === 0) return undefined;
  let at = -1;
  for (let i = 0; i + theirs.length <= mine.length && at < 0; i++) {
    let j = 0;
    while (j < theirs.length && mine[i + j].text === theirs[j].text) j++;
    if (j === theirs.length) at = i;
  }
  if (at < 0) return undefined;
  const lineCount = compiled.split("\n").length;
  const out: number[] = [];
  let t = 0;
  let previous: number | undefined;
  for (let line = 0; line < lineCount; line++) {
    while (t < theirs.length && theirs[t].line < line) t++;
    if (t < theirs.length && theirs[t].line === line) {
      const m = mine[at + t];
      previous = sourceLineAt(transpiled.mappings, m.line, m.col) ?? previous;
    }
    if (previous === undefined) return undefined;
    out.push(previous + 1);
  }
  return out;
}

/**
 * The source line of the segment covering (line, col) of the output; for a token left of a line's first
 * segment, that segment's; for a line without segments, the last one of the lines above.
 */
function sourceLineAt(
  mappings: readonly (readonly SourceMapSegment[])[],
  line: number,
  col: number,
): number | undefined {
  for (let l = line; l >= 0; l--) {
    const segments = mappings[l] ?? [];
    let found: number | undefined;
    for (const seg of segments) {
      if (seg.length < 4) continue;
      if (l < line || seg[0] <= col) found = seg[2];
      else if (found === undefined && l === line) return seg[2];
      else break;
    }
    if (found !== undefined) return found;
  }
  return undefined;
}

/** JavaScript tokens without `;` and without `exports .` before a name (tslab's references to cell names). */
function tokens(text: string): Token[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  const out: Token[] = [];
  // Token positions only grow: the line and its start advance with them.
  let line = 0;
  let lineStart = 0;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.SemicolonToken) continue;
    const pos = scanner.getTokenPos();
    for (let nl = text.indexOf("\n", lineStart); nl !== -1 && nl < pos; nl = text.indexOf("\n", lineStart)) {
      line++;
      lineStart = nl + 1;
    }
    const tokenText = scanner.getTokenText();
    const n = out.length;
    if (/^[A-Za-z_$]/.test(tokenText) && out[n - 1]?.text === "." && out[n - 2]?.text === "exports") out.length = n - 2;
    out.push({ text: tokenText, line, col: pos - lineStart });
  }
  return out;
}
