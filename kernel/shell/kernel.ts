import { randomUUID } from "node:crypto";

import { CommManager } from "../comm/manager";
import { CellExecutor } from "../execution/executor";
import { OutputRouter } from "../execution/output";
import { installTypeScriptForwarding } from "../execution/typescript-env";
import { HistoryStore } from "../history/store";
import { StdinChannel } from "../stdin/channel";
import { createInput, installInputGlobals } from "../module/input";
import { registerBuiltinMagics } from "../magics/builtin";
import { CellError } from "../magics/outcome";
import { MagicRegistry } from "../magics/registry";
import type { MagicContext } from "../magics/types";
import type { KernelDoor } from "../door";
import { readConnectionFile } from "../protocol/connection";
import { ConnectionInfo, Message, MimeBundle } from "../protocol/messages";
import { mainThreadUsage } from "../process/usage";
import { KernelSockets } from "../protocol/sockets";
import { watchPackageLoads } from "../threadpool";
import { threadpoolMagic } from "../threadpool/magic";
import { parallelMagic } from "../parallel/magic";
import { buildSnapshotInBackground } from "../snapshot/launch";
import { snapshotInfo, snapshotKernelReady } from "../snapshot/active";
import type { CellRunnerHost } from "./cell-runner";
import { ExecutionQueue } from "./execution-queue";
import { ExecutionTracker } from "./execution-state";
import { runExecuteRequest, type ExecuteHost } from "./execute-request";
import { terminateWithParent } from "../process/parent-watch";
import { exitKernel, guardProcessExit, reportStrayErrors } from "./process-guards";
import { registerKernelCommTargets } from "./comm-targets";
import type { ReplyHost } from "./replies";
import { routeRequest, type RequestHost } from "./requests";
import { subshellIdOf, SubshellTable } from "./subshells";

/**
 * The kernel's composition root: wires sockets, output, the executor, magics, comms and history, hands each
 * request to its route (shell/requests.ts: execute_requests to the execution queue of their shell — the main
 * shell or a JEP 91 subshell, shell/subshells.ts — every other request to an immediate reply), runs one
 * execution at a time per shell, and builds the one door (door.ts) through which magics and the `threadlab`
 * module reach it. Which execution the running code belongs to is its async context (shell/execution-state.ts).
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
  private readonly executions = new ExecutionTracker();
  private readonly shells: SubshellTable;
  private warmTimer?: NodeJS.Timeout;
  private readonly shutdownHooks: Array<() => unknown> = [];
  private shuttingDown = false;
  /** The process that started this one, read once at start: the parent that `terminateWithParent` watches. */
  private readonly parentPid = process.ppid;
  private moduleForCells: unknown;

  constructor(
    private readonly info: ConnectionInfo,
    readonly cwd: string = process.cwd(),
  ) {
    this.output = new OutputRouter(
      (type, content, parent) => this.emit(type, content, parent),
      () => this.executions.current,
    );
    this.sockets = new KernelSockets(info, this.session, (t) => this.output.log(t), this.parentPid);
    this.stdin = new StdinChannel(
      async (content, parent) => {
        const msg = this.sockets.make({ msg_type: "input_request", content, parent });
        await this.sockets.send("stdin", msg);
        return msg;
      },
      (t) => this.output.log(t),
    );
    this.comms = new CommManager(
      (type, content, parent, buffers, metadata) =>
        void this.sockets.publish({ msg_type: type, content, parent, buffers, metadata }),
      (text, parent) => {
        this.output.log(text);
        this.output.write("stderr", `[threadlab comm] ${text}\n`, parent);
      },
    );
    this.executor = new CellExecutor(
      cwd,
      () => this.threadlabModule(),
      () => {
        installTypeScriptForwarding(cwd, packageRoot());
        // tslab's display.* helpers publish through this hook. tslab/dist/jupyter loads the compiler, so it
        // is required only now, after the code-cached load (compile-cache.ts), not at kernel start.
        require("tslab/dist/jupyter").lastWriteDisplayData = (
          d: { data: MimeBundle; metadata: object; transient: { display_id?: string } },
          update: boolean,
        ) => this.emit(update ? "update_display_data" : "display_data", d);
      },
      () => this.executions.live?.abort.signal,
    );
    this.shells = new SubshellTable(
      () =>
        new ExecutionQueue(
          (msg, queue) => runExecuteRequest(this.executeHost, msg, queue),
          (t) => this.output.log(t),
        ),
    );
    registerBuiltinMagics(this.magics, { cwd, history: this.history });
    this.magics.register(threadpoolMagic);
    watchPackageLoads(); // before the first cell can open a DuckDB instance (kernel/threadpool/runtime/duckdb.ts)
    this.magics.register(parallelMagic);
    registerKernelCommTargets(this.comms);
  }

  private get cellRunnerHost(): CellRunnerHost {
    return {
      executor: this.executor,
      magics: this.magics,
      magicContext: (origin) => this.magicContext(origin),
      page: (text) => this.page(text),
    };
  }

  private get executeHost(): ExecuteHost {
    return {
      executions: this.executions,
      runner: this.cellRunnerHost,
      executor: this.executor,
      output: this.output,
      history: this.history,
      stdin: this.stdin,
      count: (advance) => (advance ? ++this.executionCount : this.executionCount),
      status: (state, parent) => this.status(state, parent),
      emit: (type, content) => this.emit(type, content),
      reply: (type, content, parent) =>
        this.sockets.send("shell", this.sockets.make({ msg_type: type, content, parent })),
    };
  }

  private get requestHost(): RequestHost {
    return {
      shells: this.shells,
      replies: this.replyHost,
      stdin: this.stdin,
      executionCount: () => this.executionCount,
      status: (state, parent) => this.status(state, parent),
      send: (channel, type, content, parent) =>
        this.sockets.send(channel, this.sockets.make({ msg_type: type, content, parent })),
      shutdown: (restart) => this.shutdown(restart),
      log: (text) => this.output.log(text),
    };
  }

  private get replyHost(): ReplyHost {
    return {
      subshells: this.shells,
      magics: this.magics,
      executor: this.executor,
      history: this.history,
      comms: this.comms,
      // Warm the compiler right after the first kernel_info is answered: clients send it first thing.
      onKernelInfo: () => {
        if (this.warmTimer) setImmediate(() => this.warm());
      },
      interrupt: (msg: Message) => this.interrupt(subshellIdOf(msg)),
      log: (text: string) => this.output.log(text),
    };
  }

  static fromConnectionFile(path: string): Kernel {
    return new Kernel(readConnectionFile(path));
  }

  async start(): Promise<void> {
    this.output.install();
    guardProcessExit();
    // The shell an interrupt_request names comes beside its SIGINT; a terminal's SIGINT names the main shell.
    process.on("SIGINT", () => this.interrupt(this.sockets.interruptSlot.take() ?? null));
    // SIGTERM is a shutdown (jupyter_client sends it when a shutdown request goes unanswered; `docker stop`
    // sends it): the same clean path, so history is written and workers are stopped.
    process.on("SIGTERM", () => void this.shutdown(false, "terminated"));
    // Whoever started the kernel owns its connection file and its lifetime: when that process dies, the kernel
    // ends too (as ipykernel does with JPY_PARENT_PID) instead of keeping its workers and models resident.
    // Every front-end is watched, not only jupyter_client's (which sets JPY_PARENT_PID): ppid changes only
    // when the parent exits. The control-plane thread kills the process if this thread is stuck in a cell.
    terminateWithParent({ parentPid: this.parentPid });
    reportStrayErrors((text) => this.output.write("stderr", text));
    installInputGlobals(createInput(this.door()));
    await this.sockets.start(
      (channel, msg) => routeRequest(this.requestHost, channel, msg),
      () =>
        void this.sockets.publish({
          msg_type: "status",
          content: { execution_state: this.shells.main.running ? "busy" : "idle" },
          parent: null,
        }),
      // usage_request is answered on the control thread (protocol/control-usage.ts); this is the main thread's part.
      () => {
        const { existingPool } = require("../parallel/notebook-pool") as typeof import("../parallel/notebook-pool");
        return mainThreadUsage(existingPool()?.workerUsage());
      },
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
    if (snapshot) {
      this.output.log(
        `started from the startup snapshot: ${snapshot.hits} of its ${snapshot.files} declaration files reused`,
      );
      snapshotKernelReady();
    }
    // The next kernel starts from a snapshot; this one has paid the full start already.
    else buildSnapshotInBackground(Number(process.env.THREADLAB_SNAPSHOT_BUILD_DELAY_MS ?? 10_000));
  }

  /**
   * Interrupts the cell running on a shell (null: the main shell), as the interrupt_request names it: its
   * awaited promise and its maps (they listen to its signal) end with it; another shell's cell runs on. A
   * synchronous loop is broken by the SIGINT that comes with every interrupt_request, whichever shell it
   * names: while it loops, it is the only code running.
   */
  interrupt(subshellId: string | null = null): void {
    const running = this.executions.runningOn(subshellId);
    if (!running) return;
    this.stdin.cancel(new Error("interrupted while waiting for input"), running.msg);
    running.abort.abort(new Error("interrupted"));
  }

  private page(text: string): void {
    this.executions.current?.payload.push({ source: "page", data: { "text/plain": text }, start: 0 });
  }

  /**
   * The kernel's one door for user-facing code (door.ts). `origin`: the cell and line of the magic using it,
   * so that functions its expressions define report that line in stacks.
   */
  door(origin?: { cell?: number; line?: number }): KernelDoor {
    const never = new AbortController().signal;
    const signal = () => this.executions.current?.abort.signal ?? never;
    const locals = () => this.executor.locals;
    return {
      evaluate: (src) => this.executor.run(src, origin),
      bind: async (name, value, type = "unknown") => {
        const r = await this.executor.run(`const ${name}: ${type} = undefined as any;`, origin);
        if (r.status === "error") throw new CellError(r.error);
        // Later cells read earlier top-level names from tslab's exports object.
        this.executor.locals[name] = value;
      },
      display: (data, opts) => this.display(data, opts),
      clearOutput: (wait) => this.emit("clear_output", { wait }),
      write: (stream, text, parent) =>
        this.output.write(stream, text, parent === undefined ? this.output.parent : (parent as Message | null)),
      get signal() {
        return signal();
      },
      locate: (compiled, name) => this.executor.sources.locate(compiled, name),
      currentParent: () => this.executions.current?.msg ?? this.output.parent,
      onShutdown: (fn) => this.shutdownHooks.push(fn),
      get locals() {
        return locals();
      },
      cwd: this.cwd,
      input: (prompt, password) => {
        this.output.flush(); // what the cell printed before the question comes first
        const live = this.executions.live;
        return this.stdin.ask(prompt, password, { msg: live?.msg ?? null, allowStdin: live?.allowStdin ?? false });
      },
      comms: this.comms,
    };
  }

  /** What `require("threadlab")` returns in this kernel's cells: the module wired to its door (loaded on first use). */
  private threadlabModule(): unknown {
    if (!this.moduleForCells) {
      const { createThreadlab } = require("../module/create") as typeof import("../module/create");
      this.moduleForCells = createThreadlab(this.door());
    }
    return this.moduleForCells;
  }

  private magicContext(origin?: { cell?: number; line?: number }): MagicContext {
    return Object.assign(this.door(origin), {
      page: (text: string) => this.page(text),
      magics: this.magics,
      cell: origin?.cell,
    });
  }

  display(
    data: MimeBundle,
    opts: { displayId?: string; update?: boolean; metadata?: Record<string, unknown>; parent?: unknown } = {},
  ): void {
    const content = {
      data,
      metadata: opts.metadata ?? {},
      transient: opts.displayId ? { display_id: opts.displayId } : {},
    };
    const type = opts.update ? "update_display_data" : "display_data";
    if (opts.parent === undefined) this.emit(type, content);
    else this.emit(type, content, opts.parent as Message | null);
  }

  /**
   * Publishes cell output on IOPub (after pending stream text, to keep order), unless its cell is silent.
   * `parent`: the request it belongs to (default: the current execution's).
   */
  emit(msgType: string, content: unknown, parent?: Message | null): void {
    if (parent === undefined) {
      const now = this.executions.current;
      if (msgType !== "stream" && now?.silent) return;
      parent = now?.msg ?? this.output.parent;
    } else if (msgType !== "stream" && parent && (parent.content as { silent?: unknown }).silent === true) return;
    if (msgType !== "stream") this.output.flush();
    void this.sockets.publish({ msg_type: msgType, content, parent });
  }

  private status(state: "busy" | "idle", parent: Message): Promise<void> {
    if (state === "idle") this.output.flush();
    return this.sockets.publish({ msg_type: "status", content: { execution_state: state }, parent });
  }

  private async shutdown(restart: boolean, why?: string): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    if (why) this.output.log(`${why}: shutting down`);
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
    exitKernel(0);
  }
}

export function packageRoot(): string {
  return require("node:path").resolve(__dirname, "..", "..", "..");
}
