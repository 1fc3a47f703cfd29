import { randomUUID } from "node:crypto";

import { CommManager } from "./comm/manager";
import { registerEchoTarget } from "./comm/echo-target";
import type { CommTarget } from "./comm/manager";
import { CellExecutor, errorInfo, ErrorInfo } from "./execution/executor";
import { OutputRouter } from "./execution/output";
import { installTypeScriptForwarding } from "./execution/typescript-env";
import { HistoryStore } from "./history/store";
import { StdinChannel } from "./stdin/channel";
import { installInputGlobals } from "./api/input";
import { completeMagic, inspectMagic, isCompleteWithMagics } from "./magics/assist";
import { registerBuiltinMagics } from "./magics/builtin";
import { CellError } from "./magics/outcome";
import { parseArgs, splitCell } from "./magics/parse";
import { MagicRegistry } from "./magics/registry";
import { MagicContext, MagicError, MagicResult } from "./magics/types";
import { readConnectionFile } from "./protocol/connection";
import { ConnectionInfo, Message, MimeBundle } from "./protocol/messages";
import { KernelSockets } from "./protocol/sockets";
import { kernelInfoContent } from "./kernel-info";
import { renderNote, renderValue } from "./execution/mime";
import { threadpoolMagic } from "./threadpool/magic";
import { parallelMagic } from "./parallel/magic";
import { buildSnapshotInBackground } from "./snapshot/launch";
import { snapshotInfo } from "./snapshot/runtime";

interface ExecuteContent {
  code?: unknown;
  silent?: unknown;
  store_history?: unknown;
  user_expressions?: unknown;
  stop_on_error?: unknown;
  allow_stdin?: unknown;
}

type Outcome = { status: "ok"; hasValue: boolean; value?: unknown } | { status: "error"; error: ErrorInfo };

/**
 * The kernel: routes requests to execution, magics, comms and history, and keeps ipykernel's ordering
 * guarantees — executions run one at a time in arrival order, while every other shell request (complete,
 * inspect, comms, history…) is answered at once, even while an async cell awaits.
 */
export class Kernel {
  readonly session = randomUUID();
  readonly magics = new MagicRegistry();
  readonly history = new HistoryStore((text) => this.output.log(text));
  readonly comms: CommManager;
  readonly executor: CellExecutor;
  readonly output: OutputRouter;
  readonly stdin: StdinChannel;
  private readonly sockets: KernelSockets;
  private executionCount = 0;
  private readonly queue: Message[] = [];
  private running: Message | null = null;
  private abort = new AbortController();
  private silent = false;
  private allowStdin = false;
  private payload: Array<Record<string, unknown>> = [];
  private warmTimer?: NodeJS.Timeout;
  private readonly shutdownHooks: Array<() => unknown> = [];

  constructor(private readonly info: ConnectionInfo, readonly cwd: string = process.cwd()) {
    this.output = new OutputRouter((type, content, parent) => this.emit(type, content, parent));
    this.sockets = new KernelSockets(info, this.session, (t) => this.output.log(t));
    this.stdin = new StdinChannel(async (content, parent) => {
      const msg = this.sockets.make({ msg_type: "input_request", content, parent });
      await this.sockets.send("stdin", msg);
      return msg;
    }, (t) => this.output.log(t));
    this.comms = new CommManager(
      (type, content, parent, buffers, metadata) => void this.sockets.publish({ msg_type: type, content, parent, buffers, metadata }),
      (text, parent) => {
        this.output.log(text);
        this.output.write("stderr", `[threadlab comm] ${text}\n`, parent);
      },
    );
    this.executor = new CellExecutor(cwd, () => require("./api"), () => {
      installTypeScriptForwarding(cwd, packageRoot());
      // tslab's display.* helpers publish through this hook. tslab/dist/jupyter loads the compiler, so it
      // is required only now, after the code-cached load (compile-cache.ts), not at kernel start.
      require("tslab/dist/jupyter").lastWriteDisplayData = (d: { data: MimeBundle; metadata: object; transient: { display_id?: string } }, update: boolean) =>
        this.emit(update ? "update_display_data" : "display_data", d);
    });
    registerBuiltinMagics(this.magics, { cwd, history: this.history });
    this.magics.register(threadpoolMagic);
    this.magics.register(parallelMagic);
    registerEchoTarget(this.comms);
    registerLazySidebarTarget(this.comms);
  }

  static fromConnectionFile(path: string): Kernel {
    return new Kernel(readConnectionFile(path));
  }

  async start(): Promise<void> {
    this.output.install();
    guardProcessExit();
    const api = require("./api/host") as typeof import("./api/host");
    api.setHost({
      clearOutput: (wait) => this.emit("clear_output", { wait }),
      display: (data, opts) => this.display(data, opts),
      get signal() {
        return kernel.abort.signal;
      },
      comms: this.comms,
      magics: this.magics,
      onShutdown: (fn) => this.shutdownHooks.push(fn),
      get locals() {
        return kernel.executor.locals;
      },
      cwd: this.cwd,
      locate: (compiled, name) => this.executor.sources.locate(compiled, name),
      currentParent: () => this.output.parent,
      write: (stream, text, parent) => this.output.write(stream, text, parent === undefined ? this.output.parent : (parent as Message | null)),
      input: (prompt, password) => {
        this.output.flush(); // what the cell printed before the question comes first
        return this.stdin.ask(prompt, password, { msg: this.running, allowStdin: this.allowStdin });
      },
    });
    installInputGlobals();
    const kernel = this;
    process.on("SIGINT", () => this.interrupt());
    process.on("uncaughtException", (e) => this.reportStray("uncaught exception", e));
    process.on("unhandledRejection", (e) => this.reportStray("unhandled promise rejection", e));
    await this.sockets.start(
      (channel, msg) => this.handle(channel, msg),
      () => void this.sockets.publish({ msg_type: "status", content: { execution_state: this.running ? "busy" : "idle" }, parent: null }),
    );
    // No "starting" status: with no subscriber yet it would be dropped, and a client that subscribed early
    // must see iopub_welcome first (JEP 65). Each subscriber gets, after its welcome, the kernel's state with
    // no parent: JupyterLab 4.6 (untracked_message_types) ignores the busy/idle around kernel_info and
    // shutdown requests, so after a restart that parentless status is the only one that takes it out of
    // "restarting" before the user runs something (docs/architecture.md, "Status after a restart").
    // Warm the TypeScript program (~2 s, synchronous) soon — but after the first kernel_info has had its
    // chance to be answered, so the frontend sees a live kernel at once.
    this.warmTimer = setTimeout(() => this.warm(), 300);
  }

  private warm(): void {
    if (!this.warmTimer) return;
    clearTimeout(this.warmTimer);
    this.warmTimer = undefined;
    try {
      this.executor.warm();
    } catch (e) {
      this.output.log(`TypeScript warm-up failed: ${(e as Error)?.stack ?? e}`);
    }
    const snapshot = snapshotInfo();
    if (snapshot) this.output.log(`started from the startup snapshot: ${snapshot.hits} of its ${snapshot.files} declaration files reused`);
    // The next kernel starts from a snapshot; this one has paid the full start already.
    else buildSnapshotInBackground(Number(process.env.THREADLAB_SNAPSHOT_BUILD_DELAY_MS ?? 10_000));
  }

  /** Errors that escaped a cell (a timer that threw, a rejected promise nobody awaited): shown, not fatal. */
  private reportStray(what: string, e: unknown): void {
    const info = errorInfo(e);
    this.output.write("stderr", `${what}: ${info.traceback.join("\n")}\n`);
  }

  interrupt(): void {
    this.executor.interrupt();
    this.stdin.cancel(new Error("interrupted while waiting for input"));
    // Maps listen to this signal: a running %parallel map is cancelled with the cell.
    this.abort.abort(new Error("interrupted"));
  }

  private handle(channel: "shell" | "control" | "stdin", msg: Message): void {
    const type = msg.header.msg_type;
    if (channel === "stdin") return this.stdin.handleReply(msg);
    if (type === "execute_request" && channel === "shell") {
      this.queue.push(msg);
      if (!this.running) void this.drain();
      return;
    }
    void this.answer(channel, msg).catch((e) => this.output.log(`${type} failed: ${(e as Error)?.stack ?? e}`));
  }

  private async answer(channel: "shell" | "control", msg: Message): Promise<void> {
    const type = msg.header.msg_type;
    // Busy/idle around a request only when no cell is running: a status message from a completion request
    // would otherwise flip a frontend to "idle" in the middle of a running cell.
    const bracket = !this.running;
    if (bracket) await this.status("busy", msg);
    try {
      const reply = await this.reply(msg);
      if (reply) await this.sockets.send(channel, this.sockets.make({ msg_type: reply.type, content: reply.content, parent: msg }));
      if (type === "shutdown_request") await this.shutdown(Boolean((msg.content as { restart?: unknown }).restart));
    } finally {
      if (bracket) await this.status("idle", msg);
    }
  }

  private async reply(msg: Message): Promise<{ type: string; content: unknown } | undefined> {
    const c = msg.content as Record<string, unknown>;
    switch (msg.header.msg_type) {
      case "kernel_info_request":
        // Warm the compiler right after the first kernel_info is answered: clients send it first thing.
        if (this.warmTimer) setImmediate(() => this.warm());
        return { type: "kernel_info_reply", content: kernelInfoContent() };
      case "complete_request": {
        const code = String(c.code ?? "");
        const pos = clampCursor(c.cursor_pos, code);
        const r = completeMagic(code, pos, this.magics, this.executor.locals) ?? safeComplete(() => this.executor.complete(code, pos), pos);
        return { type: "complete_reply", content: { status: "ok", matches: r.matches, cursor_start: r.start, cursor_end: r.end, metadata: {} } };
      }
      case "inspect_request": {
        const code = String(c.code ?? "");
        const pos = clampCursor(c.cursor_pos, code);
        let text = inspectMagic(code, pos, this.magics);
        if (text === undefined) {
          try {
            text = this.executor.inspect(code, pos)?.text;
          } catch {
            text = undefined;
          }
        }
        return { type: "inspect_reply", content: { status: "ok", found: text !== undefined, data: text ? { "text/plain": text } : {}, metadata: {} } };
      }
      case "is_complete_request":
        return { type: "is_complete_reply", content: isCompleteWithMagics(String(c.code ?? "")) };
      case "history_request":
        return { type: "history_reply", content: { status: "ok", history: this.history.query(c as never) } };
      case "comm_info_request":
        return { type: "comm_info_reply", content: { status: "ok", comms: this.comms.info(typeof c.target_name === "string" ? c.target_name : undefined) } };
      case "comm_open":
        await this.comms.handleOpen(msg);
        return undefined;
      case "comm_msg":
        await this.comms.handleMsg(msg);
        return undefined;
      case "comm_close":
        this.comms.handleClose(msg);
        return undefined;
      case "shutdown_request":
        return { type: "shutdown_reply", content: { status: "ok", restart: Boolean(c.restart) } };
      case "interrupt_request":
        // On shell only: the control plane answers interrupt_request on control itself (with SIGINT).
        this.interrupt();
        return { type: "interrupt_reply", content: { status: "ok" } };
      default:
        this.output.log(`ignoring unknown ${msg.header.msg_type}`);
        return undefined;
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const msg = this.queue.shift()!;
      this.running = msg;
      try {
        await this.execute(msg);
      } catch (e) {
        this.output.log(`execute failed: ${(e as Error)?.stack ?? e}`);
      } finally {
        this.running = null;
      }
    }
  }

  private async execute(msg: Message): Promise<void> {
    const c = msg.content as ExecuteContent;
    const code = typeof c.code === "string" ? c.code : "";
    const silent = c.silent === true;
    const storeHistory = !silent && c.store_history !== false;
    const stopOnError = c.stop_on_error !== false;
    await this.status("busy", msg);
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    this.output.flush();
    this.output.parent = msg;
    this.silent = silent;
    this.allowStdin = !silent && c.allow_stdin === true;
    this.output.muted = silent;
    this.payload = [];
    this.abort = new AbortController();
    if (!silent) this.emit("execute_input", { code, execution_count: count });
    if (storeHistory) this.history.add(count, code);

    const outcome = await this.runCell(code, storeHistory ? count : undefined);
    this.stdin.cancel(new Error("the cell that called input() ended before the answer came"));
    this.output.flush();
    if (outcome.status === "ok" && outcome.hasValue && outcome.value !== undefined) {
      const { data, note } = await renderValue(outcome.value);
      if (note) this.output.write("stderr", renderNote(note));
      this.emit("execute_result", { execution_count: count, data, metadata: {} });
      if (storeHistory) this.history.setOutput(count, String(data["text/plain"] ?? ""));
    }
    if (outcome.status === "error") this.emit("error", { ...outcome.error });
    const userExpressions = outcome.status === "ok" ? await this.userExpressions(c.user_expressions) : {};
    this.silent = false;
    this.output.muted = false;
    const content =
      outcome.status === "ok"
        ? { status: "ok", execution_count: count, payload: this.payload, user_expressions: userExpressions }
        : { status: "error", execution_count: count, ...outcome.error };
    // The executions to abort are those already waiting when the reply goes out: one a client sends after
    // reading this reply must run, however late the send below resolves.
    const aborted = outcome.status === "error" && stopOnError ? this.takeAbortable() : [];
    await this.sockets.send("shell", this.sockets.make({ msg_type: "execute_reply", content, parent: msg }));
    this.replyAborted(aborted);
    await this.status("idle", msg);
  }

  /**
   * ipykernel's stop_on_error: a failed cell aborts the executions already waiting behind it (those that
   * asked for stop_on_error), so "run all" stops at the first error; requests sent later run normally.
   */
  private takeAbortable(): Message[] {
    const keep: Message[] = [];
    const aborted: Message[] = [];
    for (const m of this.queue.splice(0)) ((m.content as ExecuteContent).stop_on_error === false ? keep : aborted).push(m);
    this.queue.push(...keep);
    return aborted;
  }

  private replyAborted(aborted: Message[]): void {
    for (const m of aborted) {
      void this.sockets.send("shell", this.sockets.make({ msg_type: "execute_reply", content: { status: "aborted", execution_count: this.executionCount }, parent: m }));
    }
  }

  private async userExpressions(expressions: unknown): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    if (!expressions || typeof expressions !== "object") return out;
    for (const [name, expr] of Object.entries(expressions as Record<string, unknown>)) {
      const r = await this.executor.run(String(expr));
      out[name] =
        r.status === "ok"
          ? { status: "ok", data: r.hasValue ? (await renderValue(r.value)).data : { "text/plain": "undefined" }, metadata: {} }
          : { status: "error", ...r.error };
    }
    return out;
  }

  /** Runs a cell's TypeScript and magics in order; the value shown is the last segment's. `cell`: In[n]. */
  async runCell(code: string, cell?: number): Promise<Outcome> {
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
          last = await this.executor.run(seg.code, { cell, line: seg.line });
        } else if (seg.kind === "help") {
          const magic = this.magics.require(seg.name, seg.cell ? "cell" : "line");
          this.payload.push({ source: "page", data: { "text/plain": magic.usage }, start: 0 });
          last = { status: "ok", hasValue: false };
        } else {
          const kind = seg.kind;
          const magic = this.magics.require(seg.name, kind);
          const args = magic.args === "options" ? parseArgs(seg.name, seg.raw, magic.options) : { _: [] };
          const ctx = this.magicContext({ cell, line: seg.line });
          const r: MagicResult = kind === "line" ? await magic.line!(args, seg.raw, ctx) : await magic.cell!(args, seg.raw, seg.body, ctx);
          last = r && r.hasValue ? { status: "ok", hasValue: true, value: r.value } : { status: "ok", hasValue: false };
        }
      } catch (e) {
        last = { status: "error", error: magicErrorInfo(e) };
      }
      if (last.status === "error") break;
    }
    return last;
  }

  /** `origin`: the magic's cell and line, so functions its expressions define report that line in stacks. */
  magicContext(origin?: { cell?: number; line?: number }): MagicContext {
    return {
      run: (src) => this.executor.run(src, origin),
      locals: this.executor.locals,
      print: (text, stream = "stdout") => this.output.write(stream, text),
      display: (data, opts) => this.display(data, opts),
      page: (text) => this.payload.push({ source: "page", data: { "text/plain": text }, start: 0 }),
      signal: this.abort.signal,
      magics: this.magics,
      cell: origin?.cell,
    };
  }

  display(data: MimeBundle, opts: { displayId?: string; update?: boolean; metadata?: Record<string, unknown> } = {}): void {
    this.emit(opts.update ? "update_display_data" : "display_data", {
      data,
      metadata: opts.metadata ?? {},
      transient: opts.displayId ? { display_id: opts.displayId } : {},
    });
  }

  /** Publishes cell output on IOPub (after pending stream text, to keep order), unless the cell is silent. */
  emit(msgType: string, content: unknown, parent: Message | null = this.output.parent): void {
    if (msgType !== "stream") {
      if (this.silent) return;
      this.output.flush();
    }
    void this.sockets.publish({ msg_type: msgType, content, parent });
  }

  private status(state: "busy" | "idle", parent: Message): Promise<void> {
    if (state === "idle") this.output.flush();
    return this.sockets.publish({ msg_type: "status", content: { execution_state: state }, parent });
  }

  private async shutdown(restart: boolean): Promise<void> {
    for (const hook of this.shutdownHooks) {
      try {
        await Promise.race([hook(), new Promise((r) => setTimeout(r, 500))]);
      } catch (e) {
        this.output.log(`shutdown hook failed: ${e}`);
      }
    }
    this.output.flush();
    this.history.close();
    await this.sockets.close();
    this.executor.close();
    this.output.log(restart ? "restarting" : "shut down");
    // Exit even with live timers, sockets or worker threads: a shutdown request is final.
    realExit(0);
  }
}

/**
 * The sidebar's `threadlab` comm target, loaded on the first open: its message validation (zod) costs
 * ~150 ms to load, which a kernel nobody opens the sidebar on should not pay before answering kernel_info.
 */
function registerLazySidebarTarget(comms: CommManager): void {
  let target: CommTarget | undefined;
  comms.registerTarget("threadlab", (comm, open) => {
    if (!target) {
      const { registerSidebarTarget } = require("./sidebar") as typeof import("./sidebar");
      registerSidebarTarget({ registerTarget: (_name: string, t: CommTarget) => (target = t) });
    }
    return target!(comm, open);
  });
}

let realExit: (code?: number) => never = process.exit.bind(process);

/**
 * User code must not end the kernel: `process.exit()` in a cell (or a library it calls) throws instead.
 * The kernel keeps the real function for its own shutdown.
 */
function guardProcessExit(): void {
  if ((process.exit as { threadlabGuard?: boolean }).threadlabGuard) return;
  realExit = process.exit.bind(process);
  const guarded = ((code?: number) => {
    throw new Error(`process.exit(${code ?? ""}) would end the kernel and lose every variable; use the Restart or Shut Down command of your notebook instead`);
  }) as typeof process.exit & { threadlabGuard?: boolean };
  guarded.threadlabGuard = true;
  process.exit = guarded;
}

function magicErrorInfo(e: unknown): ErrorInfo {
  if (e instanceof CellError) return e.info;
  if (e instanceof MagicError) return { ename: "MagicError", evalue: e.message, traceback: [`MagicError: ${e.message}`] };
  return errorInfo(e);
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

export function packageRoot(): string {
  return require("node:path").resolve(__dirname, "..", "..");
}

