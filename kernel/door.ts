import type { CommManager } from "./comm/manager";
import type { CellOutcome } from "./execution/executor";
import type { MimeBundle } from "./protocol/messages";
import type { Locate } from "./execution/cell-lines";

export interface DisplayOptions {
  displayId?: string;
  update?: boolean;
  metadata?: Record<string, unknown>;
  /** The request to show it under (opaque, from currentParent()); default: the current one. */
  parent?: unknown;
}

/**
 * The one door from user-facing code (magics, the `threadlab` module a notebook imports, `parallel.map`) to
 * the running kernel. The kernel builds it and passes it explicitly: nothing reaches the kernel through a
 * module-level global, and code given no door (threadlab used as a plain library) knows it runs outside one.
 */
export interface KernelDoor {
  /** Runs TypeScript as a cell would (shares the notebook's variables). */
  evaluate(code: string): Promise<CellOutcome>;
  /**
   * Declares the notebook variable `name` holding `value`, typed `type` (TypeScript) so that later cells
   * type-check against it. Throws a CellError if the declaration does not compile.
   */
  bind(name: string, value: unknown, type?: string): Promise<void>;
  display(data: MimeBundle, opts?: DisplayOptions): void;
  clearOutput(wait: boolean): void;
  /** Writes to a stream of the given request's output (default: the current one). */
  write(stream: "stdout" | "stderr", text: string, parent?: unknown): void;
  /** Aborted when the user interrupts the kernel; a fresh signal per execution. */
  readonly signal: AbortSignal;
  /** Where a compiled notebook function was typed (cell and lines), for worker stacks. */
  readonly locate: Locate;
  /** The request whose output is current (opaque): output written later can be routed back to it. */
  currentParent(): unknown;
  onShutdown(fn: () => unknown): void;
  /** The notebook's top-level variables (tslab's exports). */
  readonly locals: Record<string, unknown>;
  /** The notebook's directory (the kernel's working directory). */
  readonly cwd: string;
  /** Asks the person at the notebook for a line of text, on the stdin channel of the running cell. */
  input(prompt: string, password: boolean): Promise<string>;
  /** The kernel's comms, for the `comm` API of the threadlab module. */
  readonly comms: Pick<CommManager, "registerTarget" | "unregisterTarget" | "open">;
}
