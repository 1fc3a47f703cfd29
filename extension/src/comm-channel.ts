/**
 * The sidebar's comm to one kernel process: opening it, waiting for `hello`, and validating what arrives. It
 * knows nothing of which kernel it is or whether that kernel is starting or restarting: the connection
 * (connection.ts) follows the kernel and decides when a channel opens, and what its ends mean for the panel.
 *
 * @module
 */
import { COMM_TARGET, validateKernelMessage, type Hello, type KernelMessage } from "../../schema/sidebar";
import type { CommLike, KernelLike } from "./jupyterlab";

/** What a channel tells the connection; each is called only while the channel is still the current one. */
export interface ChannelEvents {
  /** `hello` arrived: the comm takes requests now. */
  hello(m: Hello): void;
  /** A valid message other than `hello`. */
  message(m: Exclude<KernelMessage, Hello>): void;
  /** The kernel closed the comm; `why` is the reason it sent, if any. */
  closed(why: string | undefined): void;
  /** The comm could not be created or opened. */
  failed(reason: string): void;
  /** No `hello` within the wait. */
  silent(): void;
}

export class CommChannel {
  private comm: CommLike | null = null;
  private helloTimer: ReturnType<typeof setTimeout> | undefined;
  private errors = 0;
  private lastError: string | null = null;

  constructor(
    private readonly events: ChannelEvents,
    private readonly helloMs: number,
  ) {}

  /** Whether a comm is open (or opening) and not disposed. */
  get open(): boolean {
    return !!this.comm && !this.comm.isDisposed;
  }

  /** Whether the channel holds a comm at all (a disposed one included, until it is dropped). */
  get held(): boolean {
    return this.comm !== null;
  }

  /** Messages from the kernel that failed validation (dropped), and the last reason. */
  get protocolErrors(): { count: number; last: string | null } {
    return { count: this.errors, last: this.lastError };
  }

  /** Sends on the comm; throws if there is none or it refuses. */
  send(data: object): void {
    if (!this.comm) throw new Error("no comm");
    this.comm.send(data as never);
  }

  /**
   * Opens a comm to `kernel` in place of any held one. `current` says whether the attachment that asked is
   * still the connection's: events of an older one are dropped.
   */
  openOn(kernel: KernelLike, current: () => boolean): void {
    this.drop(true);
    const cannot = (e: unknown) =>
      this.events.failed(`Could not open the sidebar's comm: ${(e as Error)?.message ?? e}`);
    let comm: CommLike;
    try {
      comm = kernel.createComm(COMM_TARGET);
    } catch (e) {
      return cannot(e);
    }
    this.comm = comm;
    const mine = () => current() && comm === this.comm;
    comm.onMsg = (msg) => {
      if (mine()) this.receive(msg.content.data);
    };
    comm.onClose = (msg) => {
      if (!mine()) return;
      this.comm = null;
      clearTimeout(this.helloTimer);
      const why = (msg.content.data as { error?: unknown } | undefined)?.error;
      this.events.closed(why ? String(why) : undefined);
    };
    try {
      comm.open({} as never);
    } catch (e) {
      this.comm = null;
      return cannot(e);
    }
    clearTimeout(this.helloTimer);
    this.helloTimer = setTimeout(() => {
      if (mine()) this.events.silent();
    }, this.helloMs);
  }

  /** Forgets the comm; `close` also tells the kernel (pointless when the kernel is restarting or gone). */
  drop(close: boolean): void {
    clearTimeout(this.helloTimer);
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

  /** The kernel (and its comms) went away: nothing to close. */
  forget(): void {
    clearTimeout(this.helloTimer);
    this.comm = null;
  }

  private receive(data: unknown): void {
    const v = validateKernelMessage(data);
    if (!v.ok) {
      this.errors++;
      this.lastError = v.error.message;
      return;
    }
    const m = v.message;
    if (m.type !== "hello") return this.events.message(m);
    clearTimeout(this.helloTimer);
    this.events.hello(m);
  }
}
