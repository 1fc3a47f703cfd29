import type { CommManager } from "../comm/manager";
import type { CellExecutor } from "../execution/executor";
import type { HistoryStore } from "../history/store";
import { kernelInfoContent } from "../kernel-info";
import { completeMagic, inspectMagic, isCompleteWithMagics } from "../magics/assist";
import type { MagicRegistry } from "../magics/registry";
import type { Message } from "../protocol/messages";
import type { SubshellTable } from "./subshells";

/** What the replies to shell and control requests read from the kernel. */
export interface ReplyHost {
  readonly subshells: SubshellTable;
  readonly magics: MagicRegistry;
  readonly executor: CellExecutor;
  readonly history: HistoryStore;
  readonly comms: CommManager;
  /** Called when a kernel_info_request is answered (the kernel warms its compiler right after the first). */
  onKernelInfo(): void;
  /** Interrupts the cell of the shell the request names. */
  interrupt(msg: Message): void;
  log(text: string): void;
}

/**
 * The reply to every request but execute_request (which queues: execution-queue.ts): complete, inspect,
 * is_complete, history, comms, kernel_info, shutdown, interrupt, and on control the subshells' create / list /
 * delete. Answered at once, even while a cell awaits. (usage_request is answered on the control thread:
 * protocol/control-usage.ts.)
 */
export async function replyTo(host: ReplyHost, msg: Message): Promise<{ type: string; content: unknown } | undefined> {
  const c = msg.content as Record<string, unknown>;
  switch (msg.header.msg_type) {
    case "kernel_info_request":
      host.onKernelInfo();
      return { type: "kernel_info_reply", content: kernelInfoContent() };
    case "complete_request": {
      const code = String(c.code ?? "");
      const pos = clampCursor(c.cursor_pos, code);
      const r =
        completeMagic(code, pos, host.magics, host.executor.locals) ??
        safeComplete(() => host.executor.complete(code, pos), pos);
      return {
        type: "complete_reply",
        content: { status: "ok", matches: r.matches, cursor_start: r.start, cursor_end: r.end, metadata: {} },
      };
    }
    case "inspect_request": {
      const code = String(c.code ?? "");
      const pos = clampCursor(c.cursor_pos, code);
      let text = inspectMagic(code, pos, host.magics);
      if (text === undefined) {
        try {
          text = host.executor.inspect(code, pos)?.text;
        } catch {
          text = undefined;
        }
      }
      return {
        type: "inspect_reply",
        content: { status: "ok", found: text !== undefined, data: text ? { "text/plain": text } : {}, metadata: {} },
      };
    }
    case "is_complete_request":
      return { type: "is_complete_reply", content: isCompleteWithMagics(String(c.code ?? "")) };
    case "history_request":
      return { type: "history_reply", content: { status: "ok", history: host.history.query(c as never) } };
    case "comm_info_request":
      return {
        type: "comm_info_reply",
        content: {
          status: "ok",
          comms: host.comms.info(typeof c.target_name === "string" ? c.target_name : undefined),
        },
      };
    case "comm_open":
      await host.comms.handleOpen(msg);
      return undefined;
    case "comm_msg":
      await host.comms.handleMsg(msg);
      return undefined;
    case "comm_close":
      host.comms.handleClose(msg);
      return undefined;
    case "shutdown_request":
      return { type: "shutdown_reply", content: { status: "ok", restart: Boolean(c.restart) } };
    case "interrupt_request":
      // On shell only: the control plane answers interrupt_request on control itself (with SIGINT).
      host.interrupt(msg);
      return { type: "interrupt_reply", content: { status: "ok" } };
    case "create_subshell_request":
    case "list_subshell_request":
    case "delete_subshell_request":
      return host.subshells.reply(msg);
    default:
      host.log(`ignoring unknown ${msg.header.msg_type}`);
      return undefined;
  }
}

function clampCursor(pos: unknown, code: string): number {
  const n = typeof pos === "number" && Number.isFinite(pos) ? Math.trunc(pos) : code.length;
  return Math.max(0, Math.min(code.length, n));
}

function safeComplete(fn: () => { start: number; end: number; matches: string[] }, pos: number) {
  try {
    return fn();
  } catch {
    return { start: pos, end: pos, matches: [] };
  }
}
