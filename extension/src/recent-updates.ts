/**
 * The last 60 seconds of updates, and what the panel draws from them: per-worker busy sparklines,
 * items/s, and the task timeline. Pure data, no DOM: the model owns one, the tests use it directly.
 *
 * The timeline is made of the notebook's chunk records (the update's `c`): the kernel sends each finished chunk
 * once, with its lane, map, start, duration, items and failures, so a lane shows one bar per chunk — or per run
 * of neighbouring chunks when more finished between two updates than one can carry (a bar then says how many
 * it holds). A lane is a worker of the kernel's pool, or (node, worker) for a cluster map's chunks, which their
 * agents report with each batch. Local chunks still running are drawn from the workers' running time in the
 * latest update; a cluster node's running batches from the latest update's `r`, on the node's own lane
 * (slot NODE_LANE: an agent says which batch it starts, not which of its workers runs it).
 *
 * @module
 */
import { decodeChunk, type ChunkRecord, type MapProgress, type Update, type WorkerTuple } from "../../schema/sidebar";

export const WINDOW_MS = 60_000;
/** The slot of a cluster node's own lane, where its running batches are drawn until their chunks arrive. */
export const NODE_LANE = -1;

interface Sample {
  t: number;
  w: WorkerTuple[];
  /** Cluster nodes' running batches at `t`. */
  r: RunningOnNode[];
}

interface RunningOnNode {
  node: string;
  map: number;
  ms: number;
}

/** A bar in a worker's lane: one chunk, or `chunks` neighbouring ones merged by the kernel. */
export interface ChunkBar extends ChunkRecord {
  /** Still running at the latest update: `t1` is that update's time. */
  running: boolean;
}

/** A worker's lane: of the kernel's pool, or worker `slot` of cluster node `node`. */
export interface Lane {
  node?: string;
  slot: number;
  bars: ChunkBar[];
}

/** A bar for work still running at `t1` (nothing of it counted yet). */
function runningBar(node: string | undefined, slot: number, map: number, t0: number, t1: number): ChunkBar {
  const bar: ChunkBar = { slot, map, t0, t1, items: 0, chunks: 1, failed: 0, crashed: false, running: true };
  if (node !== undefined) bar.node = node;
  return bar;
}

const laneKey = (node: string | undefined, slot: number) => `${node ?? ""}\0${slot}`;
const byName = new Intl.Collator(undefined, { numeric: true });

export class RecentUpdates {
  private samples: Sample[] = [];
  private bars: ChunkBar[] = [];
  private readonly mapNames = new Map<number, string>();
  private lastMap: MapProgress | null = null;
  private lastMapSeenAt = 0;

  constructor(readonly windowMs = WINDOW_MS) {}

  clear(): void {
    this.samples = [];
    this.bars = [];
    this.mapNames.clear();
    this.lastMap = null;
  }

  add(s: Update): void {
    // A sample without a pool too: a cluster map's chunks come without one, and the time span is the samples'.
    const nodes = s.legend?.nodes ?? [];
    this.samples.push({
      t: s.t,
      w: s.pool?.w ?? [],
      r: (s.r ?? []).map(([n, map, ms]) => ({ node: nodes[n - 1] ?? `node ${n}`, map, ms })),
    });
    for (const c of s.c) this.bars.push({ ...decodeChunk(c, s.t, s.legend?.nodes), running: false });
    for (const [id, name] of s.legend?.maps ?? []) this.mapNames.set(id, name);
    if (s.pool) {
      // The newest running map; else the last one that ended, whose figures are final.
      const latest =
        s.pool.maps.filter((m) => m.end === undefined).at(-1) ?? s.pool.maps.find((m) => m.end !== undefined);
      if (latest) {
        this.lastMap = latest;
        this.lastMapSeenAt = s.t;
      }
    }
    const cutoff = s.t - this.windowMs;
    let drop = 0;
    while (drop < this.samples.length && this.samples[drop].t < cutoff) drop++;
    if (drop) this.samples.splice(0, drop);
    if (this.bars.length && this.bars[0].t1 < cutoff) this.bars = this.bars.filter((b) => b.t1 >= cutoff);
  }

  /** A map's name, if an update's legend named it (one id space for local and cluster maps). */
  mapName(id: number): string | undefined {
    return this.mapNames.get(id);
  }

  get span(): { t0: number; t1: number } | null {
    if (!this.samples.length) return null;
    return { t0: this.samples[0].t, t1: this.samples[this.samples.length - 1].t };
  }

  /** The kernel's pool's worker slots seen in the window, in order. */
  slots(): number[] {
    const set = new Set<number>();
    for (const s of this.samples) for (const w of s.w) set.add(w[0]);
    for (const b of this.bars) if (b.node === undefined) set.add(b.slot);
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

  /** The running map, else the last one seen — with its final figures once it ended — and when. */
  lastMapProgress(): { map: MapProgress; seenAt: number } | null {
    return this.lastMap ? { map: this.lastMap, seenAt: this.lastMapSeenAt } : null;
  }

  /**
   * Per-worker lanes of chunk bars in time order: the pool's, each ending with the chunk it is running, if any;
   * then the cluster's, by node name and worker.
   */
  timeline(): Lane[] {
    const latest = this.samples.at(-1);
    const lanes = new Map<string, Lane>(this.slots().map((slot) => [laneKey(undefined, slot), { slot, bars: [] }]));
    for (const b of this.bars) {
      const key = laneKey(b.node, b.slot);
      let lane = lanes.get(key);
      if (!lane)
        lanes.set(
          key,
          (lane = b.node === undefined ? { slot: b.slot, bars: [] } : { node: b.node, slot: b.slot, bars: [] }),
        );
      lane.bars.push(b);
    }
    for (const w of latest?.w ?? []) {
      if (w[6] > 0) {
        lanes.get(laneKey(undefined, w[0]))!.bars.push(runningBar(undefined, w[0], w[5], latest!.t - w[6], latest!.t));
      }
    }
    for (const r of latest?.r ?? []) {
      const key = laneKey(r.node, NODE_LANE);
      let lane = lanes.get(key);
      if (!lane) lanes.set(key, (lane = { node: r.node, slot: NODE_LANE, bars: [] }));
      lane.bars.push(runningBar(r.node, NODE_LANE, r.map, latest!.t - r.ms, latest!.t));
    }
    for (const lane of lanes.values()) lane.bars.sort((a, b) => a.t0 - b.t0);
    return [...lanes.values()].sort(
      (a, b) =>
        (a.node === undefined ? 0 : 1) - (b.node === undefined ? 0 : 1) ||
        byName.compare(a.node ?? "", b.node ?? "") ||
        a.slot - b.slot,
    );
  }
}
