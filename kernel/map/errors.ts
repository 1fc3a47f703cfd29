/** The errors a map can end with, whichever backend ran it, and an error as it travels between threads or hosts. */

/** An Error as data: what a worker thread or an agent sends back for a failed item. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
}

/** An Error rebuilt from a worker, keeping the worker's stack (the kernel maps its lines to the cell later). */
export function rebuildError(w: WireError): Error {
  const e = new Error(w.message);
  e.name = w.name;
  e.stack = w.stack ?? `${w.name}: ${w.message}`;
  return e;
}

/** The first failing item of a map in "raise" mode. */
export class MapItemError extends Error {
  override name = "MapItemError";
  constructor(
    readonly mapName: string,
    readonly index: number,
    readonly itemPreview: string,
    readonly workerError: Error,
  ) {
    super(
      `${mapName}: item ${index} failed: ${workerError.name}: ${workerError.message}\n  item ${index}: ${itemPreview}\n  (to get the results of the other items with Error objects in place, use errors: "collect", or --errors collect in %parallel map)`,
      { cause: workerError },
    );
    this.stack = `${this.name}: ${this.message}\n${stackFrames(workerError.stack)}`;
  }
}

/** An item that killed a worker on every attempt, found by bisecting the chunk that did. */
export class PoisonItemError extends Error {
  override name = "PoisonItemError";
  constructor(
    readonly mapName: string,
    readonly index: number,
    readonly itemPreview: string,
    readonly crash: string,
  ) {
    super(
      `${mapName}: item ${index} kills the worker that runs it (${crash})\n  item ${index}: ${itemPreview}\n  If it ran out of memory, raise maxHeapMB (--max-heap) or make that item cheaper; if it calls process.exit, throw instead.`,
    );
  }
}

export class WorkerStartError extends Error {
  override name = "WorkerStartError";
}

export class AbortError extends Error {
  override name = "AbortError";
  constructor(message = "the map was cancelled", options?: ErrorOptions) {
    super(message, options);
  }
}

function stackFrames(stack: string | undefined): string {
  if (!stack) return "";
  return stack
    .split("\n")
    .filter((l) => /^\s+at /.test(l))
    .join("\n");
}

/** How a map ended, in the sidebar's words (`MapEnd`). */
export type MapEndWord = "done" | "cancelled" | "failed";

/**
 * How a map ended, from why it stopped (`undefined`: it did not stop early). By name, as the map's AbortError and
 * a signal's DOMException both say it: either is a cancel.
 */
export function mapEndOf(error?: unknown): MapEndWord {
  if (error === undefined) return "done";
  return (error as Error | null)?.name === "AbortError" ? "cancelled" : "failed";
}
