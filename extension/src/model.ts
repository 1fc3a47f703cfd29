/**
 * The sidebar's model, after jupyterlab/extension-examples `kernel-messaging`: it attaches to the current
 * notebook's (or console's) kernel, keeps the `threadlab` comm alive across kernel changes, restarts and comm
 * closes, validates everything that arrives, and emits Lumino signals. No DOM: the panel renders it, and the
 * tests drive it against a real kernel.
 *
 * It depends only on the few members of JupyterLab's `ISessionContext` / `Kernel.IKernelConnection` it uses
 * (the interfaces below), so the real objects fit and a test can pass a thin adapter.
 *
 * Why re-attach so eagerly: in @jupyterlab/services only the notebook's own kernel connection handles comms,
 * a restart disposes every comm, and a kernel change brings a new connection — each of these silently ends
 * a comm unless someone opens a new one.
 *
 * @module
 */
import { Signal, type ISignal } from "@lumino/signaling";
import {
  COMM_TARGET, PROTOCOL_VERSION, RATE, completeSnapshot, validateKernelMessage,
  type Ack, type ErrorReply, type Hello, type PanelMessage, type Snapshot,
} from "../../schema/protocol";
import { SnapshotHistory } from "./history";

// ---- what the model needs from JupyterLab ---------------------------------------------------------------

/** The part of `Kernel.IComm` the model uses. Methods (not properties) so the real type fits. */
export interface CommLike {
  readonly commId: string;
  readonly isDisposed: boolean;
  onMsg(msg: { content: { data: unknown } }): void | PromiseLike<void>;
  onClose(msg: { content: { data: unknown } }): void | PromiseLike<void>;
  open(data?: never): unknown;
  send(data: never): unknown;
  close(data?: never): unknown;
  dispose(): void;
}

/** The part of `Kernel.IKernelConnection` the model uses. */
export interface KernelLike {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly connectionStatus: string;
  readonly isDisposed: boolean;
  readonly info: PromiseLike<{ implementation: string; implementation_version?: string }>;
  /** A fresh kernel_info request (the model's fallback when `info` stays pending). */
  requestKernelInfo?(): PromiseLike<{ content: { implementation?: string } } | undefined>;
  createComm(targetName: string, commId?: string): CommLike;
  readonly statusChanged: ISignal<unknown, string>;
  readonly connectionStatusChanged: ISignal<unknown, string>;
  readonly disposed: ISignal<unknown, void>;
}

/** The part of `ISessionContext` the model uses. */
export interface SessionContextLike {
  readonly session: { readonly kernel: KernelLike | null } | null;
  readonly kernelDisplayName: string;
  readonly isDisposed: boolean;
  readonly kernelChanged: ISignal<unknown, unknown>;
  readonly statusChanged: ISignal<unknown, string>;
  readonly disposed: ISignal<unknown, void>;
}

// ---- state ---------------------------------------------------------------------------------------------

export type ConnectionState =
  | { kind: "no-notebook" }
  | { kind: "no-kernel"; label: string }
  | { kind: "starting"; label: string; restarting: boolean }
  | { kind: "not-threadlab"; label: string; displayName: string; implementation: string }
  | { kind: "connecting"; label: string }
  | { kind: "connected"; label: string }
  | { kind: "disconnected"; label: string; reason: string };

/** The outcome of the last request from one control, shown next to it. */
export interface ControlStatus {
  pending: boolean;
  error?: ErrorReply;
  detail?: string;
}

export interface SidebarModelOptions {
  /** Snapshot rate in Hz (the setting); clamped to the protocol's bounds. */
  rate?: number;
  /** How long to wait for `hello` after opening the comm. */
  helloTimeoutMs?: number;
  /** How long to wait for a request's ack/error. */
  requestTimeoutMs?: number;
}

const STARTING = new Set(["starting", "restarting", "autorestarting", "unknown"]);
// How long JupyterLab's kernel_info may take before the model asks itself, and how often it asks.
const INFO_PATIENCE_MS = 4000;
const INFO_ATTEMPTS = 5;

export class SidebarModel {
  private readonly _stateChanged = new Signal<this, ConnectionState>(this);
  private readonly _snapshotReceived = new Signal<this, Snapshot>(this);
  private readonly _controlsChanged = new Signal<this, void>(this);
  private _state: ConnectionState = { kind: "no-notebook" };
  private _hello: Hello | null = null;
  private _snapshot: Snapshot | null = null;
  private _protocolErrors = 0;
  private _lastProtocolError: string | null = null;
  readonly history = new SnapshotHistory();
  private readonly controls = new Map<string, ControlStatus>();

  private context: SessionContextLike | null = null;
  private label = "";
  private kernel: KernelLike | null = null;
  private comm: CommLike | null = null;
  /** Bumped on every (re)attach: async steps of an older attachment see a different number and stop. */
  private generation = 0;
  private helloTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retries = 0;
  /** Between a restart and the first sign of the new kernel process (see onKernelStatus). */
  private awaitingNewProcess = false;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private startingWatch: ReturnType<typeof setInterval> | undefined;
  private readonly pending = new Map<string, { control: string; resolve: (r: Ack | ErrorReply) => void; timer: ReturnType<typeof setTimeout> }>();
  private nextId = 0;
  private rateHz: number;
  private visible = true;
  private disposedFlag = false;
  private readonly helloTimeoutMs: number;
  private readonly requestTimeoutMs: number;

  constructor(options: SidebarModelOptions = {}) {
    this.rateHz = clampRate(options.rate ?? RATE.defaultHz);
    this.helloTimeoutMs = options.helloTimeoutMs ?? 8000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10000;
  }

  get stateChanged(): ISignal<this, ConnectionState> {
    return this._stateChanged;
  }
  get snapshotReceived(): ISignal<this, Snapshot> {
    return this._snapshotReceived;
  }
  /** A control's status (pending, ack detail, error) changed. */
  get controlsChanged(): ISignal<this, void> {
    return this._controlsChanged;
  }
  get state(): ConnectionState {
    return this._state;
  }
  get hello(): Hello | null {
    return this._hello;
  }
  get snapshot(): Snapshot | null {
    return this._snapshot;
  }
  get rate(): number {
    return this.rateHz;
  }
  /** Messages from the kernel that failed validation (dropped), and the last reason. */
  get protocolErrors(): { count: number; last: string | null } {
    return { count: this._protocolErrors, last: this._lastProtocolError };
  }
  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  control(key: string): ControlStatus | undefined {
    return this.controls.get(key);
  }

  // ---- inputs from the plugin ---------------------------------------------------------------------------

  /** Follows a notebook's or console's session context (null: none is open). */
  setSessionContext(context: SessionContextLike | null, label = ""): void {
    if (context === this.context && label === this.label) return;
    if (this.context) {
      this.context.kernelChanged.disconnect(this.onKernelChanged, this);
      this.context.statusChanged.disconnect(this.onContextStatus, this);
      this.context.disposed.disconnect(this.onContextDisposed, this);
      this.context = null;
    }
    this.detachKernel();
    this.context = context;
    this.label = label;
    this.history.clear();
    this._snapshot = null;
    if (!context || context.isDisposed) {
      this.context = null;
      this.setState({ kind: "no-notebook" });
      return;
    }
    context.kernelChanged.connect(this.onKernelChanged, this);
    context.statusChanged.connect(this.onContextStatus, this);
    context.disposed.connect(this.onContextDisposed, this);
    this.attachKernel();
  }

  /** The notebook was renamed: only the label changes, the attachment stays. */
  setLabel(label: string): void {
    if (label === this.label) return;
    this.label = label;
    if ("label" in this._state) this.setState({ ...this._state, label });
  }

  /** The panel is shown or hidden: snapshots stream only while it is visible. */
  setVisible(visible: boolean): void {
    if (visible === this.visible) return;
    this.visible = visible;
    this.sendSubscribe();
  }

  setRate(hz: number): void {
    const r = clampRate(hz);
    if (r === this.rateHz) return;
    this.rateHz = r;
    this.sendSubscribe();
  }

  /** Re-attaches now (the panel's "Retry" button). */
  reconnect(): void {
    this.retries = 0;
    this.detachKernel();
    this.attachKernel();
  }

  // ---- requests ----------------------------------------------------------------------------------------

  setWorkers(n: number): Promise<Ack | ErrorReply> {
    return this.request("workers", { type: "set_workers", n });
  }

  /** `target` is an api (blas, openmp…) or a controller id. */
  setLimit(target: { api: string } | { controller: string }, value: number): Promise<Ack | ErrorReply> {
    const key = "api" in target ? `limit:${target.api}` : `limit:${target.controller}`;
    return this.request(key, { type: "set_limit", ...target, value } as PanelMessage);
  }

  reset(): Promise<Ack | ErrorReply> {
    return this.request("reset", { type: "reset" });
  }

  private request(control: string, body: Omit<PanelMessage, "v" | "id"> | PanelMessage): Promise<Ack | ErrorReply> {
    const id = `${control}#${++this.nextId}`.slice(-64);
    const fail = (message: string): Promise<ErrorReply> => {
      const error: ErrorReply = { v: PROTOCOL_VERSION, type: "error", id, request: String((body as PanelMessage).type), field: "data", message, accepted: "" };
      this.controls.set(control, { pending: false, error });
      this._controlsChanged.emit();
      return Promise.resolve(error);
    };
    if (this._state.kind !== "connected" || !this.comm || this.comm.isDisposed) {
      return fail("Not connected to a threadlab kernel; wait for the panel to connect, then try again.");
    }
    const comm = this.comm;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        void fail(`The kernel did not answer within ${Math.round(this.requestTimeoutMs / 1000)} s; it may be busy in a long synchronous cell.`).then(resolve);
      }, this.requestTimeoutMs);
      this.pending.set(id, { control, resolve, timer });
      this.controls.set(control, { pending: true });
      this._controlsChanged.emit();
      try {
        comm.send({ ...body, v: PROTOCOL_VERSION, id } as never);
      } catch (e) {
        clearTimeout(timer);
        this.pending.delete(id);
        void fail(`Could not send to the kernel: ${(e as Error)?.message ?? e}`).then(resolve);
      }
    });
  }

  // ---- attachment --------------------------------------------------------------------------------------

  private attachKernel(): void {
    clearTimeout(this.retryTimer);
    const context = this.context;
    if (!context) return this.setState({ kind: "no-notebook" });
    const label = this.label;
    const kernel = context.session?.kernel ?? null;
    if (kernel !== this.kernel) {
      this.detachKernel();
      this.kernel = kernel;
      if (kernel) {
        kernel.statusChanged.connect(this.onKernelStatus, this);
        kernel.connectionStatusChanged.connect(this.onConnectionStatus, this);
        kernel.disposed.connect(this.onKernelDisposed, this);
      }
    }
    // One comm per panel: a re-attach on the same kernel (reconnect, retry) replaces the old one.
    this.dropComm(true);
    // Taken after any detach (which bumps it too): later async steps compare against this attachment.
    const gen = ++this.generation;
    if (!kernel) {
      // A session with no kernel yet is usually one being started; "No Kernel" is a choice.
      return this.setState(context.kernelDisplayName === "No Kernel" || !context.session
        ? { kind: "no-kernel", label }
        : { kind: "starting", label, restarting: false });
    }
    if (kernel.status === "dead") {
      return this.setState({ kind: "disconnected", label, reason: "The kernel has died. Restart it (Kernel → Restart Kernel…) and the panel reconnects." });
    }
    if (STARTING.has(kernel.status) || kernel.connectionStatus !== "connected") {
      return this.setState({ kind: "starting", label, restarting: kernel.status !== "starting" && kernel.status !== "unknown" });
    }
    this.setState({ kind: "connecting", label });
    this.kernelInfo(kernel, gen).then(
      (info) => {
        if (gen !== this.generation) return;
        if (info.implementation !== "threadlab") {
          this.setState({ kind: "not-threadlab", label, displayName: context.kernelDisplayName, implementation: info.implementation });
          return;
        }
        this.openComm(kernel, gen);
      },
      (err: unknown) => {
        if (gen !== this.generation) return;
        this.setState({ kind: "disconnected", label, reason: `The kernel did not answer kernel_info (${(err as Error)?.message ?? err}).` });
      },
    );
  }

  /**
   * The kernel's implementation name: JupyterLab's own `info`, or — when that stays pending, as it does after
   * a restart request that failed on the client side (KernelConnection.restart() then never reconnects;
   * docs/sidebar.md) — our own kernel_info requests, every few seconds.
   */
  private kernelInfo(kernel: KernelLike, gen: number): Promise<{ implementation: string }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let asked = 0;
      const settle = <T>(f: (v: T) => void) => (v: T) => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        f(v);
      };
      const timer: ReturnType<typeof setInterval> = setInterval(() => {
        if (settled || gen !== this.generation || !kernel.requestKernelInfo) return clearInterval(timer);
        if (++asked > INFO_ATTEMPTS) return settle(reject)(new Error(`no reply to ${INFO_ATTEMPTS} kernel_info requests`));
        Promise.resolve(kernel.requestKernelInfo()).then((reply) => {
          if (reply?.content.implementation !== undefined) settle(resolve)({ implementation: reply.content.implementation });
        }, () => undefined);
      }, INFO_PATIENCE_MS);
      Promise.resolve(kernel.info).then(settle(resolve), settle(reject));
    });
  }

  private openComm(kernel: KernelLike, gen: number): void {
    let comm: CommLike;
    try {
      comm = kernel.createComm(COMM_TARGET);
    } catch (e) {
      this.setState({ kind: "disconnected", label: this.label, reason: `Could not open the sidebar's comm: ${(e as Error)?.message ?? e}` });
      return;
    }
    this.comm = comm;
    comm.onMsg = (msg) => {
      if (gen === this.generation && comm === this.comm) this.receive(msg.content.data);
    };
    comm.onClose = (msg) => {
      if (gen !== this.generation || comm !== this.comm) return;
      this.comm = null;
      const why = (msg.content.data as { error?: unknown } | undefined)?.error;
      this.failPending("The kernel closed the sidebar's comm.");
      this.setState({
        kind: "disconnected", label: this.label,
        reason: why ? `The kernel closed the sidebar's comm: ${String(why)}` : "The kernel closed the sidebar's comm; reconnecting.",
      });
      this.scheduleRetry();
    };
    try {
      comm.open({} as never);
    } catch (e) {
      this.comm = null;
      this.setState({ kind: "disconnected", label: this.label, reason: `Could not open the sidebar's comm: ${(e as Error)?.message ?? e}` });
      return;
    }
    clearTimeout(this.helloTimer);
    this.helloTimer = setTimeout(() => {
      if (gen !== this.generation || this._state.kind !== "connecting") return;
      this.setState({
        kind: "disconnected", label: this.label,
        reason: "The kernel did not answer the sidebar. If it is busy in a long synchronous cell, the panel connects when the cell ends; if this threadlab is older than the panel, run `threadlab install` and restart the kernel.",
      });
      this.scheduleRetry();
    }, this.helloTimeoutMs);
  }

  private receive(data: unknown): void {
    const v = validateKernelMessage(data);
    if (!v.ok) {
      this._protocolErrors++;
      this._lastProtocolError = v.error.message;
      return;
    }
    const m = v.message;
    switch (m.type) {
      case "hello":
        clearTimeout(this.helloTimer);
        this._hello = m;
        this.retries = 0;
        this.setState({ kind: "connected", label: this.label });
        this.sendSubscribe();
        return;
      case "snapshot": {
        const full = completeSnapshot(m, this._snapshot);
        if (!full) {
          // Nothing to complete it from: subscribing again makes the kernel send the whole state next.
          this.sendSubscribe();
          return;
        }
        this._snapshot = full;
        this.history.add(full);
        this._snapshotReceived.emit(full);
        return;
      }
      case "ack":
      case "error": {
        const p = m.id ? this.pending.get(m.id) : undefined;
        if (!p) return;
        clearTimeout(p.timer);
        this.pending.delete(m.id!);
        this.controls.set(p.control, m.type === "ack" ? { pending: false, detail: m.detail } : { pending: false, error: m });
        this._controlsChanged.emit();
        p.resolve(m);
        return;
      }
    }
  }

  private sendSubscribe(): void {
    const comm = this.comm;
    if (!comm || comm.isDisposed || this._state.kind !== "connected") return;
    try {
      comm.send({ v: PROTOCOL_VERSION, type: "subscribe", rate: this.rateHz, visible: this.visible } as never);
    } catch {
      // The kernel is going away; its status change re-attaches.
    }
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    if (this.retries >= 5) return;
    const delay = 500 * 2 ** this.retries++;
    const gen = this.generation;
    this.retryTimer = setTimeout(() => {
      if (gen === this.generation && this._state.kind === "disconnected") this.attachKernel();
    }, delay);
  }

  private detachKernel(): void {
    clearTimeout(this.helloTimer);
    clearTimeout(this.restartTimer);
    this.awaitingNewProcess = false;
    clearTimeout(this.retryTimer);
    this.generation++;
    this.failPending("The panel switched to another kernel.");
    this.dropComm(true);
    if (this.kernel) {
      this.kernel.statusChanged.disconnect(this.onKernelStatus, this);
      this.kernel.connectionStatusChanged.disconnect(this.onConnectionStatus, this);
      this.kernel.disposed.disconnect(this.onKernelDisposed, this);
    }
    this.kernel = null;
    this._hello = null;
  }

  /** Forgets the comm; `close` also tells the kernel (pointless when the kernel is restarting or gone). */
  private dropComm(close: boolean): void {
    const comm = this.comm;
    this.comm = null;
    if (!comm || comm.isDisposed) return;
    try {
      if (close) comm.close({} as never);
      else comm.dispose();
    } catch {
      // Already gone with its kernel.
    }
  }

  private failPending(message: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      const error: ErrorReply = { v: PROTOCOL_VERSION, type: "error", id, request: null, field: "data", message, accepted: "" };
      this.controls.set(p.control, { pending: false, error });
      p.resolve(error);
    }
    if (this.pending.size) this._controlsChanged.emit();
    this.pending.clear();
  }

  // ---- signal handlers ---------------------------------------------------------------------------------

  private onKernelChanged(): void {
    this.history.clear();
    this._snapshot = null;
    this.attachKernel();
  }

  private onContextStatus(): void {
    // The context's status mirrors the kernel's; the kernel handler does the work.
  }

  private onContextDisposed(): void {
    this.setSessionContext(null);
  }

  private onKernelStatus(_: unknown, status: string): void {
    console.debug(`threadlab sidebar: kernel status ${status}`);
    if (status === "restarting" || status === "autorestarting") {
      // Every comm is disposed by a restart; the history belongs to the old process. The old process's
      // last idle/busy can still arrive after this: a comm opened then would be queued by services and
      // delivered to the new process behind our back, so wait for a sign of the new one first.
      this.awaitingNewProcess = true;
      clearTimeout(this.restartTimer);
      this.restartTimer = setTimeout(() => {
        this.awaitingNewProcess = false;
        if (this._state.kind === "starting" && this.kernel?.status === "idle") this.attachKernel();
      }, 15000);
      this.failPending("The kernel is restarting.");
      this.dropComm(false);
      this.history.clear();
      this._snapshot = null;
      this.generation++;
      this.setState({ kind: "starting", label: this.label, restarting: true });
      return;
    }
    if (status === "dead") {
      this.dropComm(false);
      this.setState({ kind: "disconnected", label: this.label, reason: "The kernel has died. Restart it (Kernel → Restart Kernel…) and the panel reconnects." });
      return;
    }
    if (status === "starting" || status === "unknown") {
      this.awaitingNewProcess = false;
      return;
    }
    if (this.awaitingNewProcess) return;
    if ((status === "idle" || status === "busy") && (this._state.kind === "starting" || (this._state.kind === "disconnected" && !this.comm))) {
      this.attachKernel();
    }
  }

  private onConnectionStatus(_: unknown, status: string): void {
    if (status === "connecting") this.awaitingNewProcess = false;
    if (status === "connected") {
      if (this.awaitingNewProcess) return;
      if (!this.comm || this._state.kind !== "connected") this.attachKernel();
    } else {
      this.failPending("Lost the connection to the kernel.");
      this.dropComm(false);
      this.setState({
        kind: "disconnected", label: this.label,
        reason: status === "connecting" ? "Lost the connection to the kernel; JupyterLab is reconnecting." : "Disconnected from the kernel.",
      });
    }
  }

  private onKernelDisposed(): void {
    this.kernel = null;
    this.comm = null;
    // A kernel change follows (kernelChanged); if not, the context has no kernel now.
    queueMicrotask(() => {
      if (!this.disposedFlag && !this.kernel) this.attachKernel();
    });
  }

  private setState(s: ConnectionState): void {
    const same = JSON.stringify(s) === JSON.stringify(this._state);
    this._state = s;
    this.watchStarting();
    if (!same) {
      // In the browser console (Verbose level): the trail to read when the panel says something odd.
      console.debug(`threadlab sidebar: ${s.kind}`, s);
      this._stateChanged.emit(s);
    }
  }

  /**
   * While "starting", check every 2 s whether the kernel is in fact ready: the status events of a restart
   * interleave with the old process's last messages and the reconnect, and missing the one that matters
   * must not leave the panel waiting forever.
   */
  private watchStarting(): void {
    if (this._state.kind !== "starting") {
      clearInterval(this.startingWatch);
      this.startingWatch = undefined;
      return;
    }
    if (this.startingWatch) return;
    const since = Date.now();
    this.startingWatch = setInterval(() => {
      const k = this.kernel;
      const ready = k && !k.isDisposed && k.connectionStatus === "connected" && (k.status === "idle" || k.status === "busy");
      if (!ready || this._state.kind !== "starting") return;
      if (this.awaitingNewProcess && Date.now() - since < 10000) return;
      this.awaitingNewProcess = false;
      this.attachKernel();
    }, 2000);
  }

  dispose(): void {
    if (this.disposedFlag) return;
    clearInterval(this.startingWatch);
    this.detachKernel();
    this.disposedFlag = true;
    Signal.clearData(this);
  }
}

function clampRate(hz: number): number {
  if (!Number.isFinite(hz)) return RATE.defaultHz;
  return Math.min(RATE.maxHz, Math.max(RATE.minHz, hz));
}
