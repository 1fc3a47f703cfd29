/*
 * Adapted from tslab 1.0.22, src/converter.ts (complete, completionWithId, getCompletionsAtPosition),
 * https://github.com/yunabe/tslab, Copyright 2019 Yu Watanabe, Apache License 2.0. Changes by threadlab:
 * mainline TypeScript's completions through ts-internals.ts instead of the fork's export.
 */
import ts = require("typescript");
import { internals } from "./ts-internals";

export interface CompletionInfo {
  /** Offsets in the cell's text of what the completion replaces. */
  start: number;
  end: number;
  candidates: string[];
  /** The compiler's own answer, for debugging. */
  original?: ts.CompletionInfo;
}

const neverCancelled: ts.CancellationToken = {
  isCancellationRequested: () => false,
  throwIfCancellationRequested: () => undefined,
};

/**
 * Completions at `pos` of `srcFile` (whose first `prefix` characters are not the cell's). When the cursor is
 * on an identifier, the candidates are those matching it — by prefix, then case-insensitive prefix, then
 * substring — and the identifier is what they replace.
 */
export function completeAt(program: ts.Program, srcFile: ts.SourceFile, pos: number, prefix: number): CompletionInfo {
  const t = internals();
  // A services host is needed only for auto-imports and module specifiers, which these preferences leave off.
  const info = t.Completions.getCompletionsAtPosition(
    {},
    program,
    () => undefined,
    srcFile,
    pos,
    {},
    undefined,
    ts.CompletionTriggerKind.Invoked,
    neverCancelled,
  );
  if (info?.optionalReplacementSpan) info.optionalReplacementSpan.start -= prefix;
  const prev = t.findPrecedingToken(pos, srcFile);
  // findPrecedingToken may return a token that ends after pos; and node.pos is not node.getStart().
  if (prev && ts.isIdentifier(prev) && prev.end >= pos) return withIdentifier(info, prev, srcFile, prefix);
  const next = prev ? t.findNextToken(prev, srcFile, srcFile) : undefined;
  if (next && ts.isIdentifier(next) && next.getStart(srcFile) <= pos && pos <= next.end)
    return withIdentifier(info, next, srcFile, prefix);
  const entries = info?.entries ? info.entries.slice() : [];
  entries.sort((a, b) => a.sortText.localeCompare(b.sortText) || a.name.localeCompare(b.name));
  return { start: pos - prefix, end: pos - prefix, candidates: entries.map((e) => e.name), original: info };
}

function withIdentifier(
  info: ts.CompletionInfo | undefined,
  id: ts.Identifier,
  srcFile: ts.SourceFile,
  prefix: number,
): CompletionInfo {
  const name = id.text;
  const lower = name.toLowerCase();
  const ranked: Array<{ name: string; sortKey: string; index: number }> = [];
  (info?.entries ?? []).forEach((e, index) => {
    const lname = e.name.toLowerCase();
    const key = e.name.startsWith(name) ? "0" : lname.startsWith(lower) ? "1" : lname.includes(lower) ? "2" : "";
    if (key) ranked.push({ name: e.name, sortKey: key + e.sortText, index });
  });
  ranked.sort((a, b) => a.sortKey.localeCompare(b.sortKey) || a.index - b.index);
  return {
    start: id.getStart(srcFile) - prefix,
    end: id.end - prefix,
    candidates: ranked.map((e) => e.name),
    original: info,
  };
}
