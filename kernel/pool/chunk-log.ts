/**
 * The pool's record of finished work for the sidebar: each finished chunk — which worker ran which map's
 * chunk, from when to when, how many items and failures — for the task timeline, and how the last map ended,
 * with its final figures (a map leaves the pool's status the moment it ends, so without this a panel would
 * keep the figures of its last update before the end). Chunks go into a fixed ring: recording is a few
 * typed-array writes on the main thread when a chunk's result arrives (no allocation per chunk), and readers
 * keep a cursor (`seq`) so each sees every chunk once even when several read at different rates.
 *
 * @module
 */
import type { ChunkRecord, MapEnd, MapProgress } from "../../schema/sidebar-messages";
import { AbortError } from "./errors";

/** A chunk of the log: one chunk (`chunks` 1), with its place in the log. */
export type LoggedChunk = ChunkRecord & { seq: number };

/** A map's last figures, and how it ended: what the sidebar shows of it. */
export type EndedMap = MapProgress & { end: MapEnd };

// 4096 chunks: at the auto chunk size (~10 ms of work) that is the last 20 s of a 2-worker pool and more than
// an update interval of any pool; older chunks live on in the panel, which keeps what it was sent.
const CAPACITY = 4096;

export class ChunkLog {
  private readonly slot = new Int32Array(CAPACITY);
  private readonly map = new Int32Array(CAPACITY);
  private readonly t0 = new Float64Array(CAPACITY);
  private readonly t1 = new Float64Array(CAPACITY);
  private readonly items = new Int32Array(CAPACITY);
  private readonly failed = new Int32Array(CAPACITY);
  private readonly crashed = new Uint8Array(CAPACITY);
  private next = 0;
  private ended: EndedMap | undefined;

  constructor(readonly capacity = CAPACITY) {}

  /** Sequence number of the newest record (0 when none): pass it to `since` to read only what comes after. */
  get seq(): number {
    return this.next;
  }

  record(slot: number, map: number, t0: number, t1: number, items: number, failed = 0, crashed = false): void {
    const i = this.next % this.capacity;
    this.slot[i] = slot;
    this.map[i] = map;
    this.t0[i] = t0;
    this.t1[i] = Math.max(t0, t1);
    this.items[i] = items;
    this.failed[i] = failed;
    this.crashed[i] = crashed ? 1 : 0;
    this.next++;
  }

  /**
   * Records after `seq`, oldest first, optionally only those that ended at or after `notBefore`. `lost` counts
   * records the ring overwrote before this reader came back for them.
   */
  since(seq: number, notBefore = -Infinity): { records: LoggedChunk[]; seq: number; lost: number } {
    const oldest = Math.max(0, this.next - this.capacity);
    const from = Math.max(seq, oldest);
    const records: LoggedChunk[] = [];
    for (let s = from; s < this.next; s++) {
      const i = s % this.capacity;
      if (this.t1[i] < notBefore) continue;
      records.push({
        seq: s + 1,
        slot: this.slot[i],
        map: this.map[i],
        t0: this.t0[i],
        t1: this.t1[i],
        items: this.items[i],
        chunks: 1,
        failed: this.failed[i],
        crashed: this.crashed[i] === 1,
      });
    }
    return { records, seq: this.next, lost: from - Math.min(seq, from) };
  }

  /** Records how a map ended; `error` is why it stopped early (an AbortError: it was cancelled). */
  endMap(
    id: number,
    name: string,
    p: { done: number; total: number | null; failed: number; rate: number },
    error?: Error,
  ): void {
    const end: MapEnd = !error ? "done" : error instanceof AbortError ? "cancelled" : "failed";
    this.ended = { id, name, done: p.done, total: p.total, failed: p.failed, rate: p.rate, end };
  }

  /** The last map that ended, with its final figures. */
  get lastEnded(): EndedMap | undefined {
    return this.ended;
  }
}
