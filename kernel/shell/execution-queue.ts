import type { Message } from "../protocol/messages";

interface ExecuteContent {
  stop_on_error?: unknown;
}

/**
 * ipykernel's ordering of execute_requests: one at a time, in arrival order, on each shell (the main shell
 * and every subshell has one: subshells.ts). Other shell requests do not queue here; they are answered at
 * once, even while an async cell awaits (kernel.ts).
 */
export class ExecutionQueue {
  private readonly waiting: Message[] = [];
  /** The execution running now, if any. */
  running: Message | null = null;

  constructor(
    private readonly execute: (msg: Message, queue: ExecutionQueue) => Promise<void>,
    private readonly log: (text: string) => void,
  ) {}

  push(msg: Message): void {
    this.waiting.push(msg);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    while (this.waiting.length) {
      const msg = this.waiting.shift()!;
      this.running = msg;
      try {
        await this.execute(msg, this);
      } catch (e) {
        this.log(`execute failed: ${(e as Error)?.stack ?? e}`);
      } finally {
        this.running = null;
      }
    }
  }

  /**
   * ipykernel's stop_on_error: a failed cell aborts the executions already waiting behind it (those that
   * asked for stop_on_error), so "run all" stops at the first error; requests sent later run normally.
   */
  takeAbortable(): Message[] {
    const keep: Message[] = [];
    const aborted: Message[] = [];
    for (const m of this.waiting.splice(0))
      ((m.content as ExecuteContent).stop_on_error === false ? keep : aborted).push(m);
    this.waiting.push(...keep);
    return aborted;
  }
}
