/**
 * The sidebar's model, after jupyterlab/extension-examples `kernel-messaging`: it composes the connection to
 * the current kernel (connection.ts), the controls' requests (requests.ts) and the kernel's latest state
 * (update-store.ts), and emits Lumino signals. No DOM: the panel renders it; the tests drive it against a real
 * kernel, and against a fake kernel connection for the ordering around restarts.
 *
 * @module
 */
import { Signal, type ISignal } from "@lumino/signaling";
import {
  PROTOCOL_VERSION,
  RATE,
  type Ack,
  type ErrorReply,
  type Hello,
  type KernelMessage,
  type Update,
} from "../../schema/sidebar";
import { SidebarConnection, type ConnectionState, type Timeouts } from "./connection";
import type { SessionContextLike } from "./jupyterlab";
import { Requests, REQUEST_TIMEOUT_MS, type ControlStatus } from "./requests";
import { UpdateStore } from "./update-store";

export type { ConnectionState } from "./connection";
export type { CommLike, KernelLike, SessionContextLike } from "./jupyterlab";
export type { ControlStatus } from "./requests";

export interface SidebarModelOptions {
  /** Update rate in Hz (the setting); clamped to the protocol's bounds. */
  rate?: number;
  /** How long to wait for `hello` after opening the comm. */
  helloTimeoutMs?: number;
  /** How long to wait for a request's ack/error. */
  requestTimeoutMs?: number;
  /** The connection's other waits (tests shorten them). */
  timeouts?: Partial<Timeouts>;
}

export class SidebarModel {
  private readonly _updated = new Signal<this, Update>(this);
  private readonly store = new UpdateStore();
  private readonly connection: SidebarConnection;
  private readonly requests: Requests;
  private rateHz: number;
  private visible = true;
  private disposed = false;

  constructor(options: SidebarModelOptions = {}) {
    this.rateHz = clampRate(options.rate ?? RATE.defaultHz);
    this.connection = new SidebarConnection(
      {
        connected: () => this.subscribe(),
        message: (m) => this.receive(m),
        lost: (why) => this.requests.failAll(why),
        reset: () => this.store.clear(),
      },
      { ...options.timeouts, ...(options.helloTimeoutMs !== undefined ? { helloMs: options.helloTimeoutMs } : {}) },
    );
    this.requests = new Requests(this.connection, options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
  }

  get stateChanged(): ISignal<SidebarConnection, ConnectionState> {
    return this.connection.stateChanged;
  }
  /** A new update arrived (the whole state, completed). */
  get updated(): ISignal<this, Update> {
    return this._updated;
  }
  /** A control's status (pending, ack detail, error) changed. */
  get controlsChanged(): ISignal<Requests, void> {
    return this.requests.changed;
  }
  get state(): ConnectionState {
    return this.connection.state;
  }
  get hello(): Hello | null {
    return this.connection.hello;
  }
  /** The kernel's latest state, null until the first update. */
  get lastUpdate(): Update | null {
    return this.store.latest;
  }
  /** The last 60 s of updates, for the live sections. */
  get recent(): UpdateStore["recent"] {
    return this.store.recent;
  }
  get rate(): number {
    return this.rateHz;
  }
  /** Messages from the kernel that failed validation (dropped), and the last reason. */
  get protocolErrors(): { count: number; last: string | null } {
    return this.connection.protocolErrors;
  }
  get isDisposed(): boolean {
    return this.disposed;
  }

  control(key: string): ControlStatus | undefined {
    return this.requests.status(key);
  }

  // ---- inputs from the plugin ---------------------------------------------------------------------------

  /** Follows a notebook's or console's session context (null: none is open). */
  setSessionContext(context: SessionContextLike | null, label = ""): void {
    this.connection.setSessionContext(context, label);
  }

  /** The notebook was renamed: only the label changes, the attachment stays. */
  setLabel(label: string): void {
    this.connection.setLabel(label);
  }

  /** The panel is shown or hidden: updates stream only while it is visible. */
  setVisible(visible: boolean): void {
    if (visible === this.visible) return;
    this.visible = visible;
    this.subscribe();
  }

  setRate(hz: number): void {
    const r = clampRate(hz);
    if (r === this.rateHz) return;
    this.rateHz = r;
    this.subscribe();
  }

  /** Re-attaches now (the panel's "Retry" button). */
  reconnect(): void {
    this.connection.reconnect();
  }

  // ---- requests ----------------------------------------------------------------------------------------

  setWorkers(n: number): Promise<Ack | ErrorReply> {
    return this.requests.send("workers", { type: "set_workers", n });
  }

  /** `target` is an api (blas, openmp…) or a controller id. */
  setLimit(target: { api: string } | { controller: string }, value: number): Promise<Ack | ErrorReply> {
    const key = "api" in target ? `limit:${target.api}` : `limit:${target.controller}`;
    return this.requests.send(key, { type: "set_limit", ...target, value });
  }

  reset(): Promise<Ack | ErrorReply> {
    return this.requests.send("reset", { type: "reset" });
  }

  // ---- from the kernel -----------------------------------------------------------------------------------

  private receive(m: Exclude<KernelMessage, Hello>): void {
    if (m.type !== "update") return this.requests.settle(m);
    const full = this.store.receive(m);
    // Nothing to complete it from: subscribing again makes the kernel send the whole state next.
    if (!full) return this.subscribe();
    this._updated.emit(full);
  }

  private subscribe(): void {
    if (!this.connection.ready) return;
    try {
      this.connection.send({ v: PROTOCOL_VERSION, type: "subscribe", rate: this.rateHz, visible: this.visible });
    } catch {
      // The kernel is going away; its status change re-attaches.
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.connection.dispose();
    this.requests.dispose();
    this.disposed = true;
    Signal.clearData(this);
  }
}

function clampRate(hz: number): number {
  if (!Number.isFinite(hz)) return RATE.defaultHz;
  return Math.min(RATE.maxHz, Math.max(RATE.minHz, hz));
}
