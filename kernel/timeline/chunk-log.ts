/**
 * The notebook's timeline: the one place map ids and names are handed out (`openMap`), for local and cluster maps
 * alike, and the record of finished work for the sidebar: each finished chunk — which worker ran which map's
 * chunk, from when to when, how many items and failures — for the task timeline, and how the last map ended,
 * with its final figures (a map leaves the pool's status the moment it ends, so without this a panel would
 * keep the figures of its last update before the end). Chunks go into a fixed ring: recording is a few
 * typed-array writes on the main thread when a chunk's result arrives (no allocation per chunk), and readers
 * keep a cursor (`seq`) so each sees every chunk once even when several read at different rates.
 *
 * The notebook has one log (kernel/parallel/notebook-pool.ts) for its pool's chunks and its cluster maps'
 * (the agents report theirs with each batch's result, kernel/cluster/batch-chunks.ts): each chunk has its lane,
 * (node, worker slot), where node 0 is this kernel's pool and a cluster node is numbered by `node(name)`. The
 * log outlives pools and cluster connections, so ids from `openMap` never restart while the notebook runs:
 * a map id in the timeline's `map` column names one map, whichever backend ran it and however many pools came
 * and went (each pool or connection counting its own would restart at 1 and draw two maps as one).
 *
 * @module
 */
import { mapEndOf, type MapCounts } from "../map";
import type { ChunkRecord, MapEnd, MapProgress } from "../../schema/sidebar";

/** A chunk of the log: one chunk (`chunks` 1), with its place in the log. */
export type LoggedChunk = ChunkRecord & { seq: number };

/** Cluster batches a node is running for a map, as one running bar: since the earliest started. */
export interface RunningOnNode {
  node: string;
  map: number;
  t0: number;
}

/** A map's last figures, and how it ended: what the sidebar shows of it. */
export type EndedMap = MapProgress & { end: MapEnd };

// 4096 chunks: at the auto chunk size (~10 ms of work) that is the last 20 s of a 2-worker pool and more than
// an update interval of any pool; older chunks live on in the panel, which keeps what it was sent.
const CAPACITY = 4096;
const MAP_NAMES_KEPT = 64;

export class ChunkLog {
  private readonly slot = new Int32Array(CAPACITY);
  private readonly map = new Int32Array(CAPACITY);
  private readonly t0 = new Float64Array(CAPACITY);
  private readonly t1 = new Float64Array(CAPACITY);
  private readonly items = new Int32Array(CAPACITY);
  private readonly failed = new Int32Array(CAPACITY);
  private readonly crashed = new Uint8Array(CAPACITY);
  private readonly rerun = new Uint8Array(CAPACITY);
  private readonly nodeOf = new Int32Array(CAPACITY);
  // Labels of the cluster nodes seen, by number - 1, and their numbers by agent id: agents are few and
  // long-lived, so this stays small. Lanes are an agent's, not a name's: two agents started with the same
  // `--name` get a lane each, the second labelled "name (2)" — the label is what the sidebar keys lanes by.
  private readonly nodeNames: string[] = [];
  private readonly nodeNumbers = new Map<string, number>();
  private readonly nameUses = new Map<string, number>();
  // Every map is named here when it opens; the newest few are enough for a timeline of the last minute.
  private readonly mapNames = new Map<number, string>();
  private mapIds = 0;
  // Cluster batches announced (an agent's "start") and not yet answered: few (each node runs a handful), so an
  // array. Local chunks need none: the pool's status says what each worker runs.
  private runningBatches: { map: number; node: number; batch: number; offset: number; t0: number }[] = [];
  private next = 0;
  private ended: EndedMap | undefined;

  constructor(readonly capacity = CAPACITY) {}

  /** Sequence number of the newest record (0 when none): pass it to `since` to read only what comes after. */
  get seq(): number {
    return this.next;
  }

  /**
   * Records a finished chunk; `node` is 0 for this kernel's pool, else a cluster node's `node(name)`; `rerun`
   * marks a cluster chunk that re-ran items already answered (`ChunkRecord.rerun`).
   */
  record(
    slot: number,
    map: number,
    t0: number,
    t1: number,
    items: number,
    failed = 0,
    crashed = false,
    node = 0,
    rerun = false,
  ): void {
    const i = this.next % this.capacity;
    this.nodeOf[i] = node;
    this.slot[i] = slot;
    this.map[i] = map;
    this.t0[i] = t0;
    this.t1[i] = Math.max(t0, t1);
    this.items[i] = items;
    this.failed[i] = failed;
    this.crashed[i] = crashed ? 1 : 0;
    this.rerun[i] = rerun ? 1 : 0;
    this.next++;
  }

  /**
   * The log's number for the cluster node (an agent) with unique id `id` and name `name`, for `record`'s
   * `node`. Without an id (an agent older than ids on results) the name stands for one.
   */
  node(name: string, id = `name:${name}`): number {
    let n = this.nodeNumbers.get(id);
    if (n === undefined) {
      const uses = (this.nameUses.get(name) ?? 0) + 1;
      this.nameUses.set(name, uses);
      this.nodeNames.push(uses === 1 ? name : `${name} (${uses})`);
      this.nodeNumbers.set(id, (n = this.nodeNames.length));
    }
    return n;
  }

  /** Cluster node `node` (a `node(…)` number) started items from `offset` of batch `batch` of cluster map `map`. */
  batchStarted(map: number, node: number, batch: number, offset: number, t0: number): void {
    this.runningBatches.push({ map, node, batch, offset, t0 });
  }

  /** Node `node` answered items `offset … offset + count - 1` of a batch: what it started there no longer runs. */
  batchAnswered(map: number, node: number, batch: number, offset: number, count: number): void {
    this.runningBatches = this.runningBatches.filter(
      (r) =>
        !(r.map === map && r.node === node && r.batch === batch && r.offset >= offset && r.offset < offset + count),
    );
  }

  /** A cluster map ended: nothing of it runs any more (a node that died on a batch never answers it). */
  clusterMapEnded(map: number): void {
    this.runningBatches = this.runningBatches.filter((r) => r.map !== map);
  }

  /** What cluster nodes are running: one entry per (node, map), since the earliest of its batches started. */
  running(): RunningOnNode[] {
    const out = new Map<string, RunningOnNode>();
    for (const r of this.runningBatches) {
      const key = `${r.node}/${r.map}`;
      const had = out.get(key);
      if (!had || r.t0 < had.t0) out.set(key, { node: this.nodeNames[r.node - 1], map: r.map, t0: r.t0 });
    }
    return [...out.values()];
  }

  /**
   * A new map's id, named `name`: the id its backend's `submit` returns, its chunks are recorded under and the
   * sidebar shows. Ids count up from 1 for the life of the log.
   */
  openMap(name: string): number {
    const id = ++this.mapIds;
    this.mapNames.set(id, name);
    if (this.mapNames.size > MAP_NAMES_KEPT) this.mapNames.delete(this.mapNames.keys().next().value!);
    return id;
  }

  /** A map's name, while it is among the newest opened. */
  mapName(id: number): string | undefined {
    return this.mapNames.get(id);
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
        ...(this.nodeOf[i] > 0 ? { node: this.nodeNames[this.nodeOf[i] - 1] } : {}),
        ...(this.rerun[i] === 1 ? { rerun: true } : {}),
      });
    }
    return { records, seq: this.next, lost: from - Math.min(seq, from) };
  }

  /** Records how a map ended; `error` is why it stopped early (an AbortError: it was cancelled). */
  endMap(id: number, name: string, p: MapCounts, error?: Error): void {
    const end: MapEnd = mapEndOf(error);
    this.ended = { id, name, done: p.done, total: p.total, failed: p.failed, rate: p.rate, end };
  }

  /** The last map that ended, with its final figures. */
  get lastEnded(): EndedMap | undefined {
    return this.ended;
  }
}

/**
 * Merges one lane's bars (sorted by start) down to about `quota`, across the smallest gaps first — so the idle
 * gaps a user can see are the boundaries kept; a change of map is always kept. The sidebar's updates and an
 * agent's report of a batch's chunks both stay within their budgets this way.
 */
export function mergeNeighbours(bars: ChunkRecord[], quota: number): ChunkRecord[] {
  if (bars.length <= quota) return bars;
  const gaps = [];
  for (let i = 0; i + 1 < bars.length; i++) {
    // A re-run is never merged into a first run: it is drawn apart.
    const apart = bars[i + 1].map !== bars[i].map || !bars[i + 1].rerun !== !bars[i].rerun;
    gaps.push({ i, gap: apart ? Infinity : bars[i + 1].t0 - bars[i].t1 });
  }
  gaps.sort((a, b) => b.gap - a.gap);
  const cut = new Set<number>();
  for (const g of gaps) {
    if (cut.size >= quota - 1 && g.gap !== Infinity) break;
    cut.add(g.i);
  }
  const out: ChunkRecord[] = [];
  let cur = { ...bars[0] };
  for (let i = 1; i < bars.length; i++) {
    if (cut.has(i - 1)) {
      out.push(cur);
      cur = { ...bars[i] };
    } else {
      const b = bars[i];
      cur.t1 = Math.max(cur.t1, b.t1);
      cur.items += b.items;
      cur.chunks += b.chunks;
      cur.failed += b.failed;
      cur.crashed ||= b.crashed;
    }
  }
  out.push(cur);
  return out;
}
