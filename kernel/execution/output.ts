import type { Message } from "../protocol/messages";
import { captureStdio, type StreamName } from "./stdio-capture";

export type { StreamName };
type Publish = (msgType: string, content: unknown, parent: Message | null) => void;

/**
 * Turns writes to process.stdout/stderr (from cells, timers and worker threads, which Node pipes through
 * the main thread's streams) into IOPub `stream` messages. Output is attributed to the request that is
 * current when it is written — after a cell ends, late output still goes to the last cell, as in ipykernel.
 * Writes are coalesced until the event loop turns, so a loop of console.log costs a few messages, not
 * thousands; `flush()` runs before any other output so the order is kept.
 */
export class OutputRouter {
  /** The parent of writes when `current` names none (before the first cell). */
  parent: Message | null = null;
  private pending: { name: StreamName; text: string; parent: Message | null } | null = null;
  private scheduled = false;
  private readonly originals: Record<StreamName, typeof process.stdout.write>;
  constructor(
    private readonly publish: Publish,
    /** The execution writing now: its request is the parent, and a silent one's output is dropped. */
    private readonly current: () => { msg: Message; silent: boolean } | undefined = () => undefined,
  ) {
    this.originals = {
      stdout: process.stdout.write.bind(process.stdout),
      stderr: process.stderr.write.bind(process.stderr),
    };
  }

  /** The kernel's own log: the real stderr, which the Jupyter server records. */
  log(text: string): void {
    this.originals.stderr(`[threadlab] ${text}\n`);
  }

  install(): void {
    captureStdio((name, text) => this.write(name, text));
  }

  write(name: StreamName, text: string, parent?: Message | null): void {
    if (!text) return;
    if (parent === undefined) {
      const now = this.current();
      if (now?.silent) return;
      parent = now ? now.msg : this.parent;
    } else if (parent && (parent.content as { silent?: unknown }).silent === true) return;
    if (this.pending && (this.pending.name !== name || this.pending.parent !== parent)) this.flush();
    if (this.pending) this.pending.text += text;
    else this.pending = { name, text, parent };
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    const p = this.pending;
    this.pending = null;
    if (p) this.publish("stream", { name: p.name, text: p.text }, p.parent);
  }
}
