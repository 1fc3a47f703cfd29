import type { Writable } from "zeromq";

/**
 * zeromq v6 allows one send in flight per socket ("Socket is busy writing"); callers publish from anywhere
 * (cells, timers, comms), so every socket's sends go through one ordered queue.
 */
export class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(
    private readonly socket: Writable,
    private readonly onError: (e: unknown) => void,
  ) {}

  send(frames: Buffer[]): Promise<void> {
    const next = this.tail.then(() => this.socket.send(frames)).catch(this.onError);
    this.tail = next;
    return next;
  }

  /** Resolves once everything queued so far has been handed to ZeroMQ. */
  drain(): Promise<void> {
    return this.tail;
  }
}
