/**
 * One panel's comm: validates each request, answers it with `ack` or `error`, and streams updates while
 * the panel is subscribed and visible.
 *
 * Streaming stops whenever nobody looks (unsubscribed, hidden, comm closed): every IOPub message resets the
 * server's idle-culling timer, and a hidden panel has no use for them. A timer tick sends one update of the
 * current state, never a backlog: while a cell blocks the event loop ticks are skipped, not queued.
 *
 * @module
 */
import {
  errorReply,
  PROTOCOL_VERSION,
  RATE,
  validatePanelMessage,
  type Ack,
  type ErrorReply,
  type KernelMessage,
  type PanelMessage,
} from "../../schema/sidebar";
import type { Comm } from "../comm/manager";
import { ControlError, type SidebarControls } from "./controls";
import { UNKNOWN_CLUSTER, type ChunkCursor, type UpdateBuilder } from "./update";

export class SidebarSession {
  private subscribed = false;
  private visible = true;
  private rateHz: number = RATE.defaultHz;
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private closed = false;
  private readonly chunks: ChunkCursor = { seq: 0 };

  constructor(
    private readonly comm: Pick<Comm, "send" | "closed">,
    private readonly builder: UpdateBuilder,
    private readonly controls: SidebarControls,
  ) {}

  /** True while updates are being streamed. */
  get streaming(): boolean {
    return this.timer !== undefined;
  }

  receive(data: unknown): void {
    const v = validatePanelMessage(data);
    if (!v.ok) {
      this.send(v.error);
      return;
    }
    const m = v.message;
    try {
      this.send(this.handle(m));
    } catch (e) {
      const reply: ErrorReply =
        e instanceof ControlError
          ? errorReply(e.field, e.message, { id: m.id, request: m.type, accepted: e.accepted })
          : errorReply("data", `The kernel could not carry out ${m.type}: ${(e as Error)?.message ?? e}`, {
              id: m.id,
              request: m.type,
              accepted: "the same request again; if it keeps failing, see the kernel log",
            });
      this.send(reply);
    }
  }

  private handle(m: PanelMessage): Ack {
    const ack = (detail?: string, extra: Partial<Ack> = {}): Ack => ({
      v: PROTOCOL_VERSION,
      type: "ack",
      id: m.id,
      request: m.type,
      detail,
      ...extra,
    });
    switch (m.type) {
      case "subscribe": {
        const asked = m.rate ?? RATE.defaultHz;
        this.rateHz = Math.min(RATE.maxHz, Math.max(RATE.minHz, asked));
        this.subscribed = true;
        // A (re)subscribing panel may have lost what it held: its next update is whole.
        this.chunks.slow = undefined;
        if (this.chunks.cluster !== undefined) this.chunks.cluster = UNKNOWN_CLUSTER;
        if (m.visible !== undefined) this.visible = m.visible;
        this.schedule(true);
        const detail = asked !== this.rateHz ? `rate clamped to ${this.rateHz} Hz` : undefined;
        return ack(detail, { rate: this.rateHz });
      }
      case "unsubscribe":
        this.subscribed = false;
        this.schedule(false);
        return ack();
      case "set_workers": {
        const detail = this.controls.setWorkers(m.n);
        this.builder.invalidate();
        return ack(detail);
      }
      case "set_limit": {
        const field = m.api !== undefined ? "api" : "controller";
        const detail = this.controls.setLimit((m.api ?? m.controller)!, m.value, field);
        this.builder.invalidate();
        return ack(detail);
      }
      case "reset": {
        const detail = this.controls.reset();
        this.builder.invalidate();
        return ack(detail);
      }
    }
  }

  /** (Re)starts or stops the timer; `now` also sends one update at once, so the panel fills immediately. */
  private schedule(now: boolean): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.closed || !this.subscribed || !this.visible) return;
    this.timer = setInterval(() => this.tick(), Math.round(1000 / this.rateHz));
    // A panel left open must not keep a shutting-down kernel alive.
    this.timer.unref();
    if (now) setImmediate(() => this.tick());
  }

  private tick(): void {
    if (!this.timer) return;
    this.send(this.builder.build(++this.seq, this.chunks));
  }

  private send(m: KernelMessage): void {
    if (this.closed || this.comm.closed) {
      this.close();
      return;
    }
    try {
      this.comm.send(m);
    } catch {
      this.close();
    }
  }

  close(): void {
    this.closed = true;
    this.subscribed = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
