import type { CellExecutor } from "../execution/executor";
import { renderNote, renderValue } from "../execution/mime";
import type { OutputRouter } from "../execution/output";
import type { HistoryStore } from "../history/store";
import type { Message } from "../protocol/messages";
import type { StdinChannel } from "../stdin/channel";
import { runCellSegments, type CellRunnerHost } from "./cell-runner";
import type { ExecutionQueue } from "./execution-queue";
import type { ExecutionTracker } from "./execution-state";
import { subshellIdOf } from "./subshells";

interface ExecuteContent {
  code?: unknown;
  silent?: unknown;
  store_history?: unknown;
  user_expressions?: unknown;
  stop_on_error?: unknown;
  allow_stdin?: unknown;
}

/** What an execute_request needs from the kernel. */
export interface ExecuteHost {
  readonly executions: ExecutionTracker;
  readonly runner: CellRunnerHost;
  readonly executor: CellExecutor;
  readonly output: OutputRouter;
  readonly history: HistoryStore;
  readonly stdin: StdinChannel;
  /** The execution count: one counter for every shell, as IPython's; `advance` when the cell is stored. */
  count(advance: boolean): number;
  status(state: "busy" | "idle", parent: Message): Promise<void>;
  /** Publishes on IOPub for the current execution (dropped for a silent one). */
  emit(msgType: string, content: unknown): void;
  reply(msgType: string, content: unknown, parent: Message): Promise<void>;
}

/**
 * One execute_request from start to reply, on the shell (main or subshell) whose queue runs it. Everything
 * the cell does runs inside its execution's async context (execution-state.ts), so that output, display,
 * the pager and interrupts reach this request even while a cell of another shell is in flight.
 */
export async function runExecuteRequest(host: ExecuteHost, msg: Message, queue: ExecutionQueue): Promise<void> {
  const c = msg.content as ExecuteContent;
  const code = typeof c.code === "string" ? c.code : "";
  const silent = c.silent === true;
  const storeHistory = !silent && c.store_history !== false;
  const stopOnError = c.stop_on_error !== false;
  await host.status("busy", msg);
  const count = host.count(storeHistory);
  host.output.flush();
  host.output.parent = msg;
  const state = {
    msg,
    subshellId: subshellIdOf(msg),
    silent,
    allowStdin: !silent && c.allow_stdin === true,
    payload: [] as Array<Record<string, unknown>>,
    abort: new AbortController(),
  };
  const content = await host.executions.run(state, async () => {
    if (!silent) host.emit("execute_input", { code, execution_count: count });
    if (storeHistory) host.history.add(count, code);
    // The cell's TypeScript and magics in order; the value shown is the last segment's.
    const outcome = await runCellSegments(host.runner, code, storeHistory ? count : undefined);
    host.stdin.cancel(new Error("the cell that called input() ended before the answer came"), msg);
    host.output.flush();
    if (outcome.status === "ok" && outcome.hasValue && outcome.value !== undefined) {
      const { data, note } = await renderValue(outcome.value);
      if (note) host.output.write("stderr", renderNote(note));
      host.emit("execute_result", { execution_count: count, data, metadata: {} });
      if (storeHistory) host.history.setOutput(count, String(data["text/plain"] ?? ""));
    }
    if (outcome.status === "error") host.emit("error", { ...outcome.error });
    const userExpressions = outcome.status === "ok" ? await evaluateExpressions(host, c.user_expressions) : {};
    return outcome.status === "ok"
      ? { status: "ok", execution_count: count, payload: state.payload, user_expressions: userExpressions }
      : { status: "error", execution_count: count, ...outcome.error };
  });
  // The executions to abort are those already waiting on this shell when the reply goes out: one a client
  // sends after reading this reply must run, however late the send below resolves.
  const aborted = content.status === "error" && stopOnError ? queue.takeAbortable() : [];
  await host.reply("execute_reply", content, msg);
  for (const m of aborted)
    void host.reply("execute_reply", { status: "aborted", execution_count: host.count(false) }, m);
  await host.status("idle", msg);
}

async function evaluateExpressions(host: ExecuteHost, expressions: unknown): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  if (!expressions || typeof expressions !== "object") return out;
  for (const [name, expr] of Object.entries(expressions as Record<string, unknown>)) {
    const r = await host.executor.run(String(expr));
    out[name] =
      r.status === "ok"
        ? {
            status: "ok",
            data: r.hasValue ? (await renderValue(r.value)).data : { "text/plain": "undefined" },
            metadata: {},
          }
        : { status: "error", ...r.error };
  }
  return out;
}
