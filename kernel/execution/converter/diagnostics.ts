/**
 * The compiler's diagnostics as the kernel reports them: positions in the text the user typed (the converter
 * prefixes cells and in-memory modules with `export {};`), only for files of the notebook directory, and a
 * message chain flattened into one diagnostic per message, as tslab did.
 */
import pathlib from "node:path";
import ts = require("typescript");

export interface DiagnosticPos {
  /** Offset in the cell's text. */
  offset: number;
  /** 0-based. */
  line: number;
  /** 0-based. */
  character: number;
}

export interface Diagnostic {
  start: DiagnosticPos;
  end: DiagnosticPos;
  messageText: string;
  category: number;
  code: number;
  /** Set for a diagnostic in another file of the notebook directory (a module the cell imports). */
  fileName?: string;
}

/** What the converter tells about its files, for placing a diagnostic. */
export interface DiagnosticFiles {
  /** The notebook directory: diagnostics in files outside it are not shown. */
  readonly cwd: string;
  /** The cell's own file, whose diagnostics carry no `fileName`. */
  readonly cellFile: string;
  /** The text the converter puts before a cell's or an in-memory module's own. */
  readonly prefix: string;
  /** Whether `fileName` starts with `prefix` (the cell, in-memory modules). */
  prefixed(fileName: string): boolean;
  sourceFile(fileName: string): ts.SourceFile;
}

export function convertDiagnostics(input: readonly ts.Diagnostic[], files: DiagnosticFiles): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of input) {
    // As tslab: a diagnostic without a file (options, globals) or in a file outside the notebook is not shown.
    if (!d.file || d.start === undefined) continue;
    let fileName: string | undefined;
    if (d.file.fileName !== files.cellFile) {
      const rel = pathlib.relative(files.cwd, d.file.fileName);
      if (rel.startsWith("..")) continue;
      fileName = rel;
    }
    const start = position(files, d.file.fileName, d.start);
    const end = position(files, d.file.fileName, d.start + (d.length ?? 0));
    if (typeof d.messageText === "string") {
      out.push({ start, end, messageText: d.messageText, category: d.category, code: d.code, fileName });
    } else {
      flattenChain(start, end, d.messageText, out, fileName);
    }
  }
  return out;
}

function position(files: DiagnosticFiles, fileName: string, offset: number): DiagnosticPos {
  const lc = ts.getLineAndCharacterOfPosition(files.sourceFile(fileName), offset);
  const pos = { offset, line: lc.line, character: lc.character };
  if (files.prefixed(fileName)) {
    const prefix = files.prefix;
    pos.offset -= prefix.length;
    pos.line -= (prefix.match(/\n/g) ?? []).length;
    pos.character -= prefix.length - (prefix.lastIndexOf("\n") + 1);
  }
  return pos;
}

function flattenChain(
  start: DiagnosticPos,
  end: DiagnosticPos,
  msg: ts.DiagnosticMessageChain,
  out: Diagnostic[],
  fileName?: string,
): void {
  out.push({ start, end, messageText: msg.messageText, category: msg.category, code: msg.code, fileName });
  for (const child of msg.next ?? []) flattenChain(start, end, child, out);
}
