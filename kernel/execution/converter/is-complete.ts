/*
 * Adapted from tslab 1.0.22, src/converter.ts (isCompleteCode, indentOnEnter), https://github.com/yunabe/tslab,
 * Copyright 2019 Yu Watanabe, Apache License 2.0.
 */
import ts = require("typescript");
import { parseDiagnostics } from "./ts-internals";

export interface IsCompleteResult {
  completed: boolean;
  /** The indentation of the next line, when not complete. */
  indent?: string;
}

/**
 * Whether a console should run `content` on Enter or continue it on a new line: incomplete when the parser
 * stops at the very end expecting more (`… expected.`). Two blank lines at the end force completion.
 */
export function isCompleteCode(content: string): IsCompleteResult {
  if (/(^|\n)\s*\n\s*$/.test(content)) return { completed: true };
  const src = ts.createSourceFile("tmp.ts", content, ts.ScriptTarget.Latest, undefined, ts.ScriptKind.TSX);
  const end = content.length;
  for (const diag of parseDiagnostics(src)) {
    if (diag.start !== end || diag.length !== 0 || typeof diag.messageText !== "string") continue;
    if (diag.messageText.endsWith(" expected.")) return { completed: false, indent: indentOnEnter(content) };
  }
  return { completed: true };
}

/** VS Code's TypeScript indentation rules, on the last line only. */
function indentOnEnter(src: string): string {
  const line = /[^\n]*$/.exec(src)![0];
  const current = /^\s*/.exec(line)![0];
  if (/^((?!.*?\/\*).*\*\/)?\s*[}\]].*$/.test(line)) {
    if (current.endsWith("  ")) return current.slice(0, -2);
    if (current.endsWith("\t") || current.endsWith(" ")) return current.slice(0, -1);
    return current;
  }
  if (/^((?!\/\/).)*(\{[^}"'`]*|\([^)"'`]*|\[[^\]"'`]*)$/.test(line)) return current + "  ";
  return current;
}
