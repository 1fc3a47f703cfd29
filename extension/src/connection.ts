/**
 * The sidebar's connection to a kernel, as a state machine: it attaches to the current notebook's (or
 * console's) kernel, checks that it is threadlab, keeps the `threadlab` comm alive across kernel changes,
 * restarts and comm closes, and validates everything that arrives. States are `ConnectionState`; every wait
 * is a named timeout (`TIMEOUTS`). The comm itself (open, hello, validation) is comm-channel.ts'; this module
 * follows the kernel and decides when a channel opens and what its ends mean.
 *
 * Why re-attach so eagerly: in @jupyterlab/services only the notebook's own kernel connection handles comms,
 * a restart disposes every comm, and a kernel change brings a new connection — each of these silently ends
 * a comm unless someone opens a new one.
 *
 * @module
 */
import { Signal, type ISignal } from "@lumino/signaling";
import type { Hello, KernelMessage } from "../../schema/sidebar";
import { CommChannel } from "./comm-channel";
import type { KernelLike, SessionContextLike } from "./jupyterlab";
import { kernelImplementation } from "./kernel-info";

export type ConnectionState =
  | { kind: "no-notebook" }
  | { kind: "no-kernel"; label: string }
  | { kind: "starting"; label: string; restarting: boolean }
  | { kind: "not-threadlab"; label: string; displayName: string; implementation: string }
  | { kind: "connecting"; label: string }
  | { kind: "connected"; label: string }
  | { kind: "disconnected"; label: string; reason: string };

/** Every wait of the connection, in one place. */
export const TIMEOUTS = {
  /** How long to wait for `hello` after opening the comm. */
  helloMs: 8000,
  /** How long JupyterLab's kernel_info may take before the connection asks itself, and how often it asks… */
  infoPatienceMs: 4000,
  /** …and how many times. */
  infoAttempts: 5,
  /** After a restart, how long to wait for a sign of the new process before trusting an idle status. */
  newProcessMs: 15000,
  /** While "starting", how often to check whether the kernel is in fact ready… */
  startingCheckMs: 2000,
  /** …and for how long that check still waits for a sign of the new process after a restart. */
  startingPatienceMs: 10000,
  /** The first retry after a lost comm; each next one waits twice as long… */
  retryMs: 500,
  /** …up to this many. */
  retries: 5,
};
export type Timeouts = typeof TIMEOUTS;

/** What the connection tells its owner. */
export interface ConnectionEvents {
  /** `hello` arrived: the comm takes requests now. */
  connected(hello: Hello): void;
  /** A valid message other than `hello`. */
  message(m: Exclude<KernelMessage, Hello>): void;
  /** The comm is gone (closed, restart, another kernel, connection lost): requests in flight get no answer. */
  lost(why: string): void;
  /** What the panel holds belongs to another kernel process now (another kernel, a restart). */
  reset(): void;
}

const STARTING = new Set(["starting", "restarting", "autorestarting", "unknown"]);
const DEAD = "The kernel has died. Restart it (Kernel → Restart Kernel…) and the panel reconnects.";

export class SidebarConnection {
  private readonly _stateChanged = new Signal<this, ConnectionState>(this);
  private _state: ConnectionState = { kind: "no-notebook" };
  private _hello: Hello | null = null;
  private context: SessionContextLike | null = null;
  private label = "";
  private kernel: KernelLike | null = null;
  private readonly channel: CommChannel;
  /** Bumped on every (re)attach: async steps of an older attachment see a different number and stop. */
  private generation = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retries = 0;
  /** Between a restart and the first sign of the new kernel process (see onKernelStatus). */
  private awaitingNewProcess = false;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private startingWatch: ReturnType<typeof setInterval> | undefined;
  private disposed = false;
  private readonly timeouts: Timeouts;

  constructor(
    private readonly events: ConnectionEvents,
    timeouts: Partial<Timeouts> = {},
  ) {
    this.timeouts = { ...TIMEOUTS, ...timeouts };
    this.channel = new CommChannel(
      {
        hello: (m) => {
          this._hello = m;
          this.retries = 0;
          this.setState({ kind: "connected", label: this.label });
          this.events.connected(m);
        },
        message: (m) => this.events.message(m),
        closed: (why) => {
          this.events.lost("The kernel closed the sidebar's comm.");
          this.setState({
            kind: "disconnected",
            label: this.label,
            reason: why
              ? `The kernel closed the sidebar's comm: ${why}`
              : "The kernel closed the sidebar's comm; reconnecting.",
          });
          this.scheduleRetry();
        },
        failed: (reason) => this.setState({ kind: "disconnected", label: this.label, reason }),
        silent: () => {
          if (this._state.kind !== "connecting") return;
          this.setState({
            kind: "disconnected",
            label: this.label,
            reason:
              "The kernel did not answer the sidebar. If it is busy in a long synchronous cell, the panel connects when the cell ends; if this threadlab is older than the panel, run `threadlab install` and restart the kernel.",
          });
          this.scheduleRetry();
        },
      },
      this.timeouts.helloMs,
    );
  }

  get stateChanged(): ISignal<this, ConnectionState> {
    return this._stateChanged;
  }
  get state(): ConnectionState {
    return this._state;
  }
  get hello(): Hello | null {
    return this._hello;
  }
  /** Messages from the kernel that failed validation (dropped), and the last reason. */
  get protocolErrors(): { count: number; last: string | null } {
    return this.channel.protocolErrors;
  }
  /** Whether `send` reaches a kernel that said hello. */
  get ready(): boolean {
    return this._state.kind === "connected" && this.channel.open;
  }

  /** Sends on the comm; throws if the comm refuses. Callers check `ready` first. */
  send(data: object): void {
    this.channel.send(data);
  }

  /** Follows a notebook's or console's session context (null: none is open). */
  setSessionContext(context: SessionContextLike | null, label = ""): void {
    if (context === this.context && label === this.label) return;
    if (this.context) {
      this.context.kernelChanged.disconnect(this.onKernelChanged, this);
      this.context.disposed.disconnect(this.onContextDisposed, this);
      this.context = null;
    }
    this.detachKernel();
    this.context = context;
    this.label = label;
    this.events.reset();
    if (!context || context.isDisposed) {
      this.context = null;
      this.setState({ kind: "no-notebook" });
      return;
    }
    // The context's statusChanged mirrors the kernel's; the kernel's own signal does the work.
    context.kernelChanged.connect(this.onKernelChanged, this);
    context.disposed.connect(this.onContextDisposed, this);
    this.attachKernel();
  }

  /** The notebook was renamed: only the label changes, the attachment stays. */
  setLabel(label: string): void {
    if (label === this.label) return;
    this.label = label;
    if ("label" in this._state) this.setState({ ...this._state, label });
  }

  /** Re-attaches now (the panel's "Retry" button). */
  reconnect(): void {
    this.retries = 0;
    this.detachKernel();
    this.attachKernel();
  }

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
    this.channel.drop(true);
    // Taken after any detach (which bumps it too): later async steps compare against this attachment.
    const gen = ++this.generation;
    if (!kernel) {
      // A session with no kernel yet is usually one being started; "No Kernel" is a choice.
      return this.setState(
        context.kernelDisplayName === "No Kernel" || !context.session
          ? { kind: "no-kernel", label }
          : { kind: "starting", label, restarting: false },
      );
    }
    if (kernel.status === "dead") return this.setState({ kind: "disconnected", label, reason: DEAD });
    if (STARTING.has(kernel.status) || kernel.connectionStatus !== "connected") {
      return this.setState({
        kind: "starting",
        label,
        restarting: kernel.status !== "starting" && kernel.status !== "unknown",
      });
    }
    this.setState({ kind: "connecting", label });
    kernelImplementation(kernel, () => gen === this.generation, this.timeouts).then(
      (info) => {
        if (gen !== this.generation) return;
        if (info.implementation !== "threadlab") {
          this.setState({
            kind: "not-threadlab",
            label,
            displayName: context.kernelDisplayName,
            implementation: info.implementation,
          });
          return;
        }
        this.channel.openOn(kernel, () => gen === this.generation);
      },
      (err: unknown) => {
        if (gen !== this.generation) return;
        this.setState({
          kind: "disconnected",
          label,
          reason: `The kernel did not answer kernel_info (${(err as Error)?.message ?? err}).`,
        });
      },
    );
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    if (this.retries >= this.timeouts.retries) return;
    const delay = this.timeouts.retryMs * 2 ** this.retries++;
    const gen = this.generation;
    this.retryTimer = setTimeout(() => {
      if (gen === this.generation && this._state.kind === "disconnected") this.attachKernel();
    }, delay);
  }

  private detachKernel(): void {
    clearTimeout(this.restartTimer);
    this.awaitingNewProcess = false;
    clearTimeout(this.retryTimer);
    this.generation++;
    this.events.lost("The panel switched to another kernel.");
    this.channel.drop(true);
    if (this.kernel) {
      this.kernel.statusChanged.disconnect(this.onKernelStatus, this);
      this.kernel.connectionStatusChanged.disconnect(this.onConnectionStatus, this);
      this.kernel.disposed.disconnect(this.onKernelDisposed, this);
    }
    this.kernel = null;
    this._hello = null;
  }

  // ---- signal handlers ---------------------------------------------------------------------------------

  private onKernelChanged(): void {
    this.events.reset();
    this.attachKernel();
  }

  private onContextDisposed(): void {
    this.setSessionContext(null);
  }

  private onKernelStatus(_: unknown, status: string): void {
    console.debug(`threadlab sidebar: kernel status ${status}`);
    if (status === "restarting" || status === "autorestarting") {
      // Every comm is disposed by a restart; what the panel holds belongs to the old process. The old
      // process's last idle/busy can still arrive after this: a comm opened then would be queued by services
      // and delivered to the new process behind our back, so wait for a sign of the new one first.
      this.awaitingNewProcess = true;
      clearTimeout(this.restartTimer);
      this.restartTimer = setTimeout(() => {
        this.awaitingNewProcess = false;
        if (this._state.kind === "starting" && this.kernel?.status === "idle") this.attachKernel();
      }, this.timeouts.newProcessMs);
      this.events.lost("The kernel is restarting.");
      this.channel.drop(false);
      this.events.reset();
      this.generation++;
      this.setState({ kind: "starting", label: this.label, restarting: true });
      return;
    }
    if (status === "dead") {
      this.channel.drop(false);
      this.setState({ kind: "disconnected", label: this.label, reason: DEAD });
      return;
    }
    if (status === "starting" || status === "unknown") {
      this.awaitingNewProcess = false;
      return;
    }
    if (this.awaitingNewProcess) return;
    if (
      (status === "idle" || status === "busy") &&
      (this._state.kind === "starting" || (this._state.kind === "disconnected" && !this.channel.held))
    ) {
      this.attachKernel();
    }
  }

  private onConnectionStatus(_: unknown, status: string): void {
    if (status === "connecting") this.awaitingNewProcess = false;
    if (status === "connected") {
      if (this.awaitingNewProcess) return;
      if (!this.channel.held || this._state.kind !== "connected") this.attachKernel();
    } else {
      this.events.lost("Lost the connection to the kernel.");
      this.channel.drop(false);
      this.setState({
        kind: "disconnected",
        label: this.label,
        reason:
          status === "connecting"
            ? "Lost the connection to the kernel; JupyterLab is reconnecting."
            : "Disconnected from the kernel.",
      });
    }
  }

  private onKernelDisposed(): void {
    this.kernel = null;
    this.channel.forget();
    // A kernel change follows (kernelChanged); if not, the context has no kernel now.
    queueMicrotask(() => {
      if (!this.disposed && !this.kernel) this.attachKernel();
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
   * While "starting", check every few seconds whether the kernel is in fact ready: the status events of a
   * restart interleave with the old process's last messages and the reconnect, and missing the one that
   * matters must not leave the panel waiting forever.
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
      const ready =
        k && !k.isDisposed && k.connectionStatus === "connected" && (k.status === "idle" || k.status === "busy");
      if (!ready || this._state.kind !== "starting") return;
      if (this.awaitingNewProcess && Date.now() - since < this.timeouts.startingPatienceMs) return;
      this.awaitingNewProcess = false;
      this.attachKernel();
    }, this.timeouts.startingCheckMs);
  }

  dispose(): void {
    if (this.disposed) return;
    clearInterval(this.startingWatch);
    this.detachKernel();
    this.disposed = true;
    Signal.clearData(this);
  }
}
