/**
 * The per-item timeout (`timeout` / `--timeout SECONDS`), whichever backend runs the map: what counts as timed
 * out, the error it ends with, and how that error crosses a thread or a host. A backend only enforces it: it
 * learns which item each worker runs (the worker pool's workers write its index to shared memory as each item
 * starts), asks `isOverdue` every `timeoutCheckMs`, terminates the worker running an overdue item and replaces
 * it, and reports the item through the map's `errors` mode like any failure. Timed per item, not per chunk: a chunk of many fast
 * items may take far longer than the limit.
 */
import type { WireError } from "./errors";
import { rebuildError } from "./errors";

/** An item that ran past the map's `timeout`; its worker was terminated and replaced, the rest of the map went on. */
export class ItemTimeoutError extends Error {
  override name = "ItemTimeoutError";
  constructor(
    readonly index: number,
    readonly itemPreview: string,
    /** The limit, in seconds as the user gave it. */
    readonly limitSeconds: number,
  ) {
    super(
      `item ${index} ran past the timeout of ${limitSeconds} s; the worker running it was terminated and replaced ` +
        "(raise the timeout option, or --timeout in %parallel map, if such items are expected to take longer)",
    );
    // No frames: they would be the pool's, which found the item overdue, not the item's.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** Whether an item that started at `startedAt` (epoch ms) has run past `limitSeconds` at `now` (epoch ms). */
export function isOverdue(startedAt: number, now: number, limitSeconds: number): boolean {
  return startedAt > 0 && now - startedAt > limitSeconds * 1000;
}

/**
 * How often a backend looks for overdue items: a tenth of the smallest limit, so an item is stopped at most ~10 %
 * late; not under 10 ms (each look reads every worker's clock) nor over 250 ms (long limits still end promptly).
 */
export function timeoutCheckMs(limitSeconds: number): number {
  return Math.min(250, Math.max(10, (limitSeconds * 1000) / 10));
}

/** A timeout as it travels (an agent's pool found it; the kernel rebuilds it with the item's index in the map). */
export interface TimeoutWire {
  timeoutSeconds?: number;
}

/** An item's error as data, keeping the fact that it is a timeout. */
export function itemErrorToWire(e: Error): WireError & TimeoutWire {
  const w: WireError & TimeoutWire = { name: e.name, message: e.message, stack: e.stack };
  if (e instanceof ItemTimeoutError) w.timeoutSeconds = e.limitSeconds;
  return w;
}

/**
 * An item's error rebuilt where the map runs: a timeout becomes an ItemTimeoutError naming the item by its index
 * in the whole map (the agent that found it knew only its place in a batch); anything else as `rebuildError`.
 */
export function rebuildItemError(w: WireError & TimeoutWire, index: number, preview: string): Error {
  if (typeof w.timeoutSeconds === "number") return new ItemTimeoutError(index, preview, w.timeoutSeconds);
  return rebuildError(w);
}
