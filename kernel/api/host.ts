import type { CommManager } from "../comm/manager";
import type { MagicRegistry } from "../magics/registry";
import type { MimeBundle } from "../protocol/messages";
import type { Locate } from "../ship/source-lines";

/** What the public API needs from the running kernel; absent when threadlab is used as a plain library. */
export interface KernelHost {
  clearOutput(wait: boolean): void;
  display(data: MimeBundle, opts?: { displayId?: string; update?: boolean; metadata?: Record<string, unknown> }): void;
  /** Aborted when the user interrupts the kernel; a fresh signal per execution. */
  readonly signal: AbortSignal;
  readonly comms: CommManager;
  readonly magics: MagicRegistry;
  onShutdown(fn: () => unknown): void;
  /** The notebook's top-level variables (tslab's exports). */
  readonly locals: Record<string, unknown>;
  /** The notebook's directory (the kernel's working directory). */
  readonly cwd: string;
  /** Where a compiled notebook function was typed (cell and lines), for worker stacks. */
  readonly locate?: Locate;
  /** The request whose output is current (opaque): output written later can be routed back to it. */
  currentParent(): unknown;
  /** Asks the frontend of the running cell for a line of text (stdin channel); see api/input.ts. */
  input?(prompt: string, password: boolean): Promise<string>;
  /** Writes to a stream of the given request's output (default: the current one). */
  write(stream: "stdout" | "stderr", text: string, parent?: unknown): void;
}

let current: KernelHost | undefined;

export function setHost(host: KernelHost | undefined): void {
  current = host;
}

export function host(): KernelHost | undefined {
  return current;
}

export function requireHost(what: string): KernelHost {
  if (!current) throw new Error(`${what} needs the threadlab kernel; it is not available when threadlab is imported outside a notebook`);
  return current;
}
