import { errorInfo, type CellExecutor, type ErrorInfo } from "../execution/executor";
import { isCompleteWithMagics } from "../magics/assist";
import { CellError } from "../magics/outcome";
import { parseArgs, splitCell } from "../magics/parse";
import type { MagicRegistry } from "../magics/registry";
import { MagicError, type MagicContext, type MagicResult } from "../magics/types";

export type Outcome = { status: "ok"; hasValue: boolean; value?: unknown } | { status: "error"; error: ErrorInfo };

/** What the cell runner needs from the kernel. */
export interface CellRunnerHost {
  readonly executor: CellExecutor;
  readonly magics: MagicRegistry;
  /** A magic's context: the kernel's door for the magic's cell and line. */
  magicContext(origin: { cell?: number; line?: number }): MagicContext;
  /** Shows text in the pager (an execute_reply payload). */
  page(text: string): void;
}

/** Runs a cell's TypeScript and magics in order; the value shown is the last segment's. `cell`: In[n]. */
export async function runCellSegments(host: CellRunnerHost, code: string, cell?: number): Promise<Outcome> {
  let last: Outcome = { status: "ok", hasValue: false };
  let segments;
  try {
    segments = splitCell(code, (src) => isCompleteWithMagics(src).status === "incomplete");
  } catch (e) {
    return { status: "error", error: errorInfo(e) };
  }
  for (const seg of segments) {
    try {
      if (seg.kind === "code") {
        last = await host.executor.run(seg.code, { cell, line: seg.line });
      } else if (seg.kind === "help") {
        host.page(host.magics.require(seg.name, seg.cell ? "cell" : "line").usage);
        last = { status: "ok", hasValue: false };
      } else {
        const kind = seg.kind;
        const magic = host.magics.require(seg.name, kind);
        const args = magic.args === "options" ? parseArgs(seg.name, seg.raw, magic.options) : { _: [] };
        const ctx = host.magicContext({ cell, line: seg.line });
        const r: MagicResult =
          kind === "line" ? await magic.line!(args, seg.raw, ctx) : await magic.cell!(args, seg.raw, seg.body, ctx);
        last = r && r.hasValue ? { status: "ok", hasValue: true, value: r.value } : { status: "ok", hasValue: false };
      }
    } catch (e) {
      last = { status: "error", error: magicErrorInfo(e) };
    }
    if (last.status === "error") break;
  }
  return last;
}

function magicErrorInfo(e: unknown): ErrorInfo {
  if (e instanceof CellError) return e.info;
  if (e instanceof MagicError)
    return { ename: "MagicError", evalue: e.message, traceback: [`MagicError: ${e.message}`] };
  return errorInfo(e);
}
