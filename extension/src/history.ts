/**
 * The last 60 seconds of snapshots, and what the panel draws from them: per-worker busy sparklines,
 * items/s, and a sampled task timeline. Pure data, no DOM: the model owns one, the tests use it directly.
 *
 * The timeline is sampled: the pool reports each worker's state, map and chunk counter in every snapshot,
 * not individual chunk start/end times, so a lane shows when a worker was busy on which map (bars) and how
 * many chunks it finished in each interval (ticks), at the snapshot rate's resolution.
 *
 * @module
 */
import type { MapProgress, Snapshot, WorkerTuple } from "../../schema/protocol";

export const WINDOW_MS = 60_000;

interface Sample {
  t: number;
  w: WorkerTuple[];
}

export interface LaneSegment {
  t0: number;
  t1: number;
  map: number;
  /** Average busy fraction over the segment (0–1). */
  busy: number;
  /** Chunks finished during the segment. */
  chunks: number;
}

export interface Lane {
  slot: number;
  segments: LaneSegment[];
}

export class SnapshotHistory {
  private samples: Sample[] = [];
  private lastMap: MapProgress | null = null;
  private lastMapSeenAt = 0;

  constructor(readonly windowMs = WINDOW_MS) {}

  clear(): void {
    this.samples = [];
    this.lastMap = null;
  }

  add(s: Snapshot): void {
    if (s.pool) {
      this.samples.push({ t: s.t, w: s.pool.w });
      const running = s.pool.maps.at(-1);
      if (running) {
        this.lastMap = running;
        this.lastMapSeenAt = s.t;
      }
    }
    const cutoff = s.t - this.windowMs;
    let drop = 0;
    while (drop < this.samples.length && this.samples[drop].t < cutoff) drop++;
    if (drop) this.samples.splice(0, drop);
  }

  get span(): { t0: number; t1: number } | null {
    if (!this.samples.length) return null;
    return { t0: this.samples[0].t, t1: this.samples[this.samples.length - 1].t };
  }

  /** Worker slots seen in the window, in order. */
  slots(): number[] {
    const set = new Set<number>();
    for (const s of this.samples) for (const w of s.w) set.add(w[0]);
    return [...set].sort((a, b) => a - b);
  }

  /** Busy % per sample for one worker slot: [t, busy 0–100] (absent samples are gaps). */
  busySeries(slot: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (const s of this.samples) {
      const w = s.w.find((x) => x[0] === slot);
      if (w) out.push([s.t, w[2]]);
    }
    return out;
  }

  /** Items per second over the last `spanMs` (from the workers' item counters). */
  itemsPerSecond(spanMs = 2000): number {
    const n = this.samples.length;
    if (n < 2) return 0;
    const last = this.samples[n - 1];
    let i = n - 2;
    while (i > 0 && last.t - this.samples[i].t < spanMs) i--;
    const first = this.samples[i];
    const dt = (last.t - first.t) / 1000;
    if (dt <= 0) return 0;
    let delta = 0;
    for (const w of last.w) {
      const before = first.w.find((x) => x[0] === w[0]);
      // A respawned worker in the same slot restarts its counters: count only growth.
      if (before && w[3] >= before[3]) delta += w[3] - before[3];
    }
    return delta / dt;
  }

  /** The running map, else the last one seen and when. */
  lastMapProgress(): { map: MapProgress; seenAt: number } | null {
    return this.lastMap ? { map: this.lastMap, seenAt: this.lastMapSeenAt } : null;
  }

  /** Per-worker lanes of busy segments, merged while a worker stays on one map. */
  timeline(): Lane[] {
    const lanes: Lane[] = [];
    for (const slot of this.slots()) {
      const segments: LaneSegment[] = [];
      let prev: WorkerTuple | undefined;
      let prevT = 0;
      for (const s of this.samples) {
        const w = s.w.find((x) => x[0] === slot);
        if (!w) {
          prev = undefined;
          continue;
        }
        if (prev) {
          const chunks = Math.max(0, w[4] - prev[4]);
          const busy = w[2] / 100;
          if (busy > 0 || chunks > 0) {
            const last = segments[segments.length - 1];
            if (last && last.map === w[5] && last.t1 === prevT) {
              const total = last.t1 - last.t0 + (s.t - prevT);
              last.busy = total > 0 ? (last.busy * (last.t1 - last.t0) + busy * (s.t - prevT)) / total : busy;
              last.t1 = s.t;
              last.chunks += chunks;
            } else {
              segments.push({ t0: prevT, t1: s.t, map: w[5], busy, chunks });
            }
          }
        }
        prev = w;
        prevT = s.t;
      }
      lanes.push({ slot, segments });
    }
    return lanes;
  }
}
