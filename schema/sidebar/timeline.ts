/**
 * The task timeline's part of an update: a finished chunk's record (`ChunkRecord`, also what the kernel's chunk
 * log keeps), its tuple on the wire and the codec between them, the legend naming cluster nodes and maps, and
 * the cluster's running batches. Free of the rest of the protocol, so the chunk log can import it alone.
 */
import { z } from "zod";

/**
 * Chunks one worker ran for one map, on the kernel's clock (epoch ms): a single chunk as the pool records it
 * (kernel/pool/chunk-log.ts, `chunks` = 1), or neighbours merged to fit an update (kernel/sidebar/chunks.ts),
 * as the panel draws it (extension/src/history.ts). Its lane is (`node`, `slot`): a worker of this kernel's
 * pool, or worker `slot` of the cluster agent named `node`.
 */
export interface ChunkRecord {
  slot: number;
  map: number;
  t0: number;
  t1: number;
  items: number;
  chunks: number;
  failed: number;
  /** The worker died while running it. */
  crashed: boolean;
  /** The cluster node (agent name) that ran it; absent for this kernel's own pool. A cluster map's id is the cluster's. */
  node?: string;
  /**
   * It re-ran items another run already answered (a cluster batch run twice, e.g. split after an agent died
   * while its first taker was only slow). `items` then counts only the items it answered first, so a lane's
   * items add up to the map's.
   */
  rerun?: boolean;
}

/**
 * Finished chunks for the task timeline, sent once each (the kernel keeps a cursor per panel):
 * [worker slot, map id, ms before the update's `t` the chunk started, duration ms, items, chunks, failed
 * items, 1 if the worker crashed in it, and — for a chunk an agent ran — its node: 1 + its index in the update's
 * `legend.nodes`, and 1 if it is a re-run (`ChunkRecord.rerun`)]. Local chunks leave the ninth field out, so a
 * local timeline costs what it did. Each tuple is
 * one chunk (`chunks` = 1) unless there were more than an update can carry; then neighbours on the same lane
 * and map are merged, closest first, and `chunks` says how many a bar holds.
 */
export const ChunkTupleSchema = z.tuple([
  z.number(),
  z.number(),
  z.number(),
  z.number(),
  z.number(),
  z.number(),
  z.number(),
  z.union([z.literal(0), z.literal(1)]),
  z.number().int().min(1).optional(),
  z.literal(1).optional(),
]);
export type ChunkTuple = z.infer<typeof ChunkTupleSchema>;
/**
 * Most chunk tuples in one update (about 24 bytes each; keeps a 16-worker update under 2 KB). With more lanes
 * than that (a cluster of 8 nodes × 8 workers), lanes take turns: the rest wait for the next update.
 */
export const MAX_CHUNK_TUPLES = 16;

/**
 * What an update's chunk and running tuples refer to: the cluster nodes (a tuple's ninth field is 1 + the index
 * here) and the names of the maps, local and cluster alike (the timeline's one source of map names; `pool.maps`
 * is the progress of running maps). Only what this update's tuples use.
 */
export const ChunkLegendSchema = z.object({
  nodes: z.array(z.string()),
  maps: z.array(z.tuple([z.number(), z.string()])),
});
export type ChunkLegend = z.infer<typeof ChunkLegendSchema>;

/**
 * What cluster nodes are running at the update's `t`, for running bars (the local pool's are in its worker
 * tuples): [node: 1 + its index in `legend.nodes`, cluster map id, ms since the node started the earliest of its
 * unanswered batches of that map]. One per (node, map): an agent says which batch it starts, not which worker
 * runs it, so a node's running bar is the node's, not a worker's.
 */
export const RunningTupleSchema = z.tuple([z.number().int().min(1), z.number(), z.number()]);
export type RunningTuple = z.infer<typeof RunningTupleSchema>;

/** A chunk record as a tuple relative to the update time `t`; `node` is its 1-based index in the legend (0: local). */
export function encodeChunk(r: ChunkRecord, t: number, node = 0): ChunkTuple {
  // `t - t0` may be negative: a shared update's `t` can be a few ms older than a chunk that just ended.
  const c: ChunkTuple = [
    r.slot,
    r.map,
    Math.round(t - r.t0),
    Math.max(0, Math.round(r.t1 - r.t0)),
    r.items,
    r.chunks,
    r.failed,
    r.crashed ? 1 : 0,
  ];
  if (node > 0) c.push(node);
  // Only cluster chunks re-run, so the node field is there before it.
  if (node > 0 && r.rerun) c.push(1);
  return c;
}

/** The chunk record a tuple of the update at time `t` stands for; `nodes` is that update's `legend.nodes`. */
export function decodeChunk(c: ChunkTuple, t: number, nodes: readonly string[] = []): ChunkRecord {
  const [slot, map, ago, ms, items, chunks, failed, crashed, node, rerun] = c;
  const r: ChunkRecord = { slot, map, t0: t - ago, t1: t - ago + ms, items, chunks, failed, crashed: crashed === 1 };
  // A tuple naming a node the legend lacks is still a cluster chunk: it must not land in a local lane.
  if (node !== undefined) r.node = nodes[node - 1] ?? `node ${node}`;
  if (rerun === 1) r.rerun = true;
  return r;
}
