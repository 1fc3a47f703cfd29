/**
 * The worker pool's enforcement of the per-item timeout, whose policy is kernel/map/timeout.ts: while a map
 * with a timeout runs, it reads each busy worker's current item and its start from shared memory (the worker
 * writes them per item, for timed maps only) and hands an overdue one to the supervisor, which terminates the
 * worker and replaces it.
 */
import { epochMs, isOverdue, timeoutCheckMs } from "../map";
import type { Chunk, MapJob } from "./map-job";
import { F } from "./stats";
import type { WorkerHandle } from "./worker-handle";

export interface ItemTimeoutHost {
  readonly workers: readonly WorkerHandle[];
  readonly jobs: readonly MapJob[];
  /** The item at `offset` of `chunk`, running on `h`, is overdue. */
  timedOut(h: WorkerHandle, chunk: Chunk, offset: number): void;
}

export class ItemTimeoutWatch {
  private timer: NodeJS.Timeout | undefined;
  private everyMs = Infinity;

  constructor(private readonly host: ItemTimeoutHost) {}

  /** A map with this limit started: look at least as often as it needs (the timer stops with the last timed map). */
  watch(limitSeconds: number): void {
    const ms = timeoutCheckMs(limitSeconds);
    if (this.timer && ms >= this.everyMs) return;
    clearInterval(this.timer);
    this.everyMs = ms;
    this.timer = setInterval(() => this.check(), ms);
    // Running maps hold the process through their workers; the watch alone must not.
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.everyMs = Infinity;
  }

  private check(): void {
    if (!this.host.jobs.some((j) => !j.finished && j.opts.timeout !== undefined)) return this.close();
    const now = epochMs();
    for (const h of [...this.host.workers]) {
      if (h.inflight.size === 0 || h.state === "stopping" || h.state === "free") continue;
      const overdue = overdueItem(h, now);
      if (overdue) this.host.timedOut(h, overdue.chunk, overdue.offset);
    }
  }
}

/** The chunk and offset of the item `h` runs if it has run past its map's timeout. */
function overdueItem(h: WorkerHandle, now: number): { chunk: Chunk; offset: number } | undefined {
  const s = h.stats;
  const startedAt = s[F.itemStart];
  const index = s[F.itemIndex];
  const mapId = s[F.mapId];
  // The worker zeroes the start while it moves to the next item: a changed start means these reads may mix two.
  if (startedAt === 0 || s[F.itemStart] !== startedAt) return undefined;
  for (const c of h.inflight.values()) {
    const limit = c.job.opts.timeout;
    if (c.job.id !== mapId || limit === undefined) continue;
    const offset = index - c.slice.start;
    if (offset < 0 || offset >= c.slice.count) continue;
    return isOverdue(startedAt, now, limit) ? { chunk: c, offset } : undefined;
  }
  return undefined;
}
