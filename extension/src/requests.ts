/**
 * Requests from the panel's controls and their answers: each request gets an id, and its `ack` or `error`
 * (or a timeout, or the connection's loss) settles it and becomes that control's status, shown next to it.
 *
 * @module
 */
import { Signal, type ISignal } from "@lumino/signaling";
import { PROTOCOL_VERSION, type Ack, type ErrorReply, type PanelMessage } from "../../schema/sidebar";

/** The outcome of the last request from one control, shown next to it. */
export interface ControlStatus {
  pending: boolean;
  error?: ErrorReply;
  detail?: string;
}

/** Where requests go: the connection's comm. */
export interface RequestChannel {
  /** Whether a kernel that said hello is listening. */
  readonly ready: boolean;
  send(data: object): void;
}

/** A request as a control gives it: the version and id are filled in here. */
export type RequestBody = PanelMessage extends infer M ? (M extends PanelMessage ? Omit<M, "v" | "id"> : never) : never;

/** How long to wait for a request's ack or error. */
export const REQUEST_TIMEOUT_MS = 10000;

export class Requests {
  private readonly _changed = new Signal<this, void>(this);
  private readonly statuses = new Map<string, ControlStatus>();
  private readonly pending = new Map<
    string,
    { control: string; resolve: (r: Ack | ErrorReply) => void; timer: ReturnType<typeof setTimeout> }
  >();
  private nextId = 0;

  constructor(
    private readonly channel: RequestChannel,
    private readonly timeoutMs = REQUEST_TIMEOUT_MS,
  ) {}

  /** A control's status (pending, ack detail, error) changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  status(control: string): ControlStatus | undefined {
    return this.statuses.get(control);
  }

  /** Sends `body` for `control`; resolves with the kernel's answer, or an error made here. Never rejects. */
  send(control: string, body: RequestBody): Promise<Ack | ErrorReply> {
    const id = `${control}#${++this.nextId}`.slice(-64);
    const fail = (message: string): ErrorReply => {
      const error: ErrorReply = {
        v: PROTOCOL_VERSION,
        type: "error",
        id,
        request: String(body.type),
        field: "data",
        message,
        accepted: "",
      };
      this.set(control, { pending: false, error });
      return error;
    };
    if (!this.channel.ready) {
      return Promise.resolve(
        fail("Not connected to a threadlab kernel; wait for the panel to connect, then try again."),
      );
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(
          fail(
            `The kernel did not answer within ${Math.round(this.timeoutMs / 1000)} s; it may be busy in a long synchronous cell.`,
          ),
        );
      }, this.timeoutMs);
      this.pending.set(id, { control, resolve, timer });
      this.set(control, { pending: true });
      try {
        this.channel.send({ ...body, v: PROTOCOL_VERSION, id });
      } catch (e) {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(fail(`Could not send to the kernel: ${(e as Error)?.message ?? e}`));
      }
    });
  }

  /** An answer from the kernel; answers to no pending request (a timed-out one) are dropped. */
  settle(m: Ack | ErrorReply): void {
    const p = m.id ? this.pending.get(m.id) : undefined;
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(m.id!);
    this.set(p.control, m.type === "ack" ? { pending: false, detail: m.detail } : { pending: false, error: m });
    p.resolve(m);
  }

  /** Settles every pending request with an error saying why no answer will come. */
  failAll(message: string): void {
    if (!this.pending.size) return;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      const error: ErrorReply = {
        v: PROTOCOL_VERSION,
        type: "error",
        id,
        request: null,
        field: "data",
        message,
        accepted: "",
      };
      this.statuses.set(p.control, { pending: false, error });
      p.resolve(error);
    }
    this.pending.clear();
    this._changed.emit();
  }

  private set(control: string, s: ControlStatus): void {
    this.statuses.set(control, s);
    this._changed.emit();
  }

  dispose(): void {
    Signal.clearData(this);
  }
}
