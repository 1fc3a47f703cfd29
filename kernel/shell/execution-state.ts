import { AsyncLocalStorage } from "node:async_hooks";
import type { Message } from "../protocol/messages";

/** What one execute_request owns while it runs: its parent for output, its flags, its pager, its interrupt. */
export interface ExecutionState {
  readonly msg: Message;
  /** The subshell it runs on (JEP 91); null for the main shell. */
  readonly subshellId: string | null;
  readonly silent: boolean;
  readonly allowStdin: boolean;
  readonly payload: Array<Record<string, unknown>>;
  readonly abort: AbortController;
}

/**
 * Which execution the code running now belongs to. With subshells two cells are in flight at once on one
 * JavaScript thread (one awaits while the other runs), so "the current cell" cannot be a field set at the
 * start of a cell: it is carried by the async context of each cell's code (AsyncLocalStorage), so that its
 * timers and promise continuations write to its own output. Code with no cell context (a socket handler, a
 * worker's stdout stream) gets the execution that started last, as a kernel with one shell always did.
 */
export class ExecutionTracker {
  private readonly store = new AsyncLocalStorage<ExecutionState>();
  private last: ExecutionState | undefined;
  /** The execution running on each shell (null: the main shell). */
  private readonly running = new Map<string | null, ExecutionState>();

  /** Runs `fn` as `state`'s code: everything it schedules stays attributed to `state`. */
  async run<T>(state: ExecutionState, fn: () => Promise<T>): Promise<T> {
    this.last = state;
    this.running.set(state.subshellId, state);
    try {
      return await this.store.run(state, fn);
    } finally {
      if (this.running.get(state.subshellId) === state) this.running.delete(state.subshellId);
    }
  }

  /** The execution whose code is running now, else the one that started last. */
  get current(): ExecutionState | undefined {
    return this.store.getStore() ?? this.last;
  }

  /** The execution whose code is running now, if it has not ended (a cell's late timer gets none). */
  get live(): ExecutionState | undefined {
    const s = this.store.getStore();
    return s && this.running.get(s.subshellId) === s ? s : undefined;
  }

  /** The execution running on a shell (null: the main shell). */
  runningOn(subshellId: string | null): ExecutionState | undefined {
    return this.running.get(subshellId);
  }
}
