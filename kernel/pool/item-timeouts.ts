/**
 * The worker pool's enforcement of the per-item timeout, whose policy is kernel/map/timeout.ts: while a map
 * with a timeout runs, it reads the index of each busy worker's current item from shared memory (the worker
 * writes it as each item starts, for timed maps only) and clocks how long it stays the same. The clock starts
 * when an item is first seen, at most one look after it started, so an item is stopped late by at most one look
 * (a tenth of the limit, ≤ 250 ms), never early. An overdue item goes to the supervisor, which terminates the
 * worker and replaces it. Reading the clock here rather than in the worker keeps a timed map's cost per item
 * to one store (measured: ~70 ns per item more when the worker read `performance.now()` for each).
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

/** An item seen running on a worker, since the first look that saw it. */
interface Seen {
  mapId: number;
  index: number;
  since: number;
}

export class ItemTimeoutWatch {
  private timer: NodeJS.Timeout | undefined;
  private readonly seen = new WeakMap<WorkerHandle, Seen>();
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
      const overdue = this.overdueItem(h, now);
      if (overdue) this.host.timedOut(h, overdue.chunk, overdue.offset);
    }
  }

  /** The chunk and offset of the item `h` runs if it has run past its map's timeout. */
  private overdueItem(h: WorkerHandle, now: number): { chunk: Chunk; offset: number } | undefined {
    const s = h.stats;
    const mapId = s[F.mapId];
    const index = s[F.itemIndex];
    // The worker writes the map id, then its items' indices: a map id that changed meanwhile may pair with the
    // last map's index.
    if (index < 0 || s[F.mapId] !== mapId) {
      this.seen.delete(h);
      return undefined;
    }
    const last = this.seen.get(h);
    if (!last || last.mapId !== mapId || last.index !== index) {
      this.seen.set(h, { mapId, index, since: now });
      return undefined;
    }
    // A worker runs an item of a map at most once (a chunk re-run after a crash or a timeout runs on another
    // worker), so the same index at two looks is the same run of that item.
    for (const c of h.inflight.values()) {
      const limit = c.job.opts.timeout;
      if (c.job.id !== mapId || limit === undefined) continue;
      const offset = index - c.slice.start;
      if (offset < 0 || offset >= c.slice.count) continue;
      if (!isOverdue(last.since, now, limit)) return undefined;
      this.seen.delete(h);
      return { chunk: c, offset };
    }
    return undefined;
  }
}
