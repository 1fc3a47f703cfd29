/**
 * Turns the notebook's chunk records into one update's chunk tuples for one panel: each chunk once, as its own
 * bar while they fit the update's budget, otherwise merged with its neighbours on the same lane and map across
 * the smallest gaps first — so the idle gaps and map changes a user can see are the boundaries kept.
 *
 * A lane is (node, worker slot). A cluster can have more lanes than the budget (8 nodes × 8 workers): then the
 * lanes whose work waited longest get one bar each (a run of their chunks) and the others are carried to the
 * next update, so every lane shows up within a few updates and no update grows with the cluster.
 *
 * @module
 */
import {
  encodeChunk,
  type ChunkLegend,
  type ChunkRecord,
  type ChunkTuple,
  type RunningTuple,
} from "../../schema/sidebar";
import { mergeNeighbours, type RunningOnNode } from "../timeline";

export interface EncodedChunks {
  c: ChunkTuple[];
  /** Running cluster batches, when any (at most `budget`). */
  r?: RunningTuple[];
  /** Present when a tuple ran on a cluster node or names a map. */
  legend?: ChunkLegend;
  /** Records of lanes that did not fit this update: pass them to the next (already merged to a bounded size). */
  rest: ChunkRecord[];
}

/**
 * Encodes `records` relative to the update time `t`, in at most about `budget` tuples, and what cluster nodes are
 * `running` (at most `budget` more); `mapName` names, in the legend, every map the tuples refer to.
 */
export function encodeChunks(
  records: readonly ChunkRecord[],
  t: number,
  budget: number,
  mapName: (id: number) => string | undefined = () => undefined,
  running: readonly RunningOnNode[] = [],
): EncodedChunks {
  const byLane = new Map<string, ChunkRecord[]>();
  for (const r of records) {
    const key = `${r.node ?? ""}\0${r.slot}`;
    const bars = byLane.get(key) ?? [];
    // A copy: merging writes into it.
    bars.push({ ...r });
    byLane.set(key, bars);
  }
  let lanes = [...byLane.values()].map((bars) => bars.sort((a, b) => a.t0 - b.t0));
  let rest: ChunkRecord[] = [];
  if (lanes.length > budget) {
    // Turns: the lanes whose oldest chunk waited longest go now, one bar each (a change of map still splits).
    lanes.sort((a, b) => a[0].t0 - b[0].t0);
    rest = lanes.slice(budget).flatMap((bars) => mergeNeighbours(bars, budget));
    lanes = lanes.slice(0, budget).map((bars) => mergeNeighbours(bars, 1));
  } else if (records.length > budget) {
    // Quotas in proportion to each lane's chunks, at least one bar each.
    lanes = lanes.map((bars) =>
      mergeNeighbours(bars, Math.max(1, Math.floor((budget * bars.length) / records.length))),
    );
  }
  const nodes: string[] = [];
  const maps = new Map<number, string>();
  // Every map a tuple refers to is named here, local or cluster: the timeline's one source of map names.
  const named = (map: number) => {
    if (maps.has(map)) return;
    const name = mapName(map);
    if (name !== undefined) maps.set(map, name);
  };
  const nodeIndex = (node: string) => {
    let n = nodes.indexOf(node);
    if (n < 0) n = nodes.push(node) - 1;
    return n + 1;
  };
  const c = lanes.flatMap((bars) =>
    bars.map((b) => {
      named(b.map);
      return b.node === undefined ? encodeChunk(b, t) : encodeChunk(b, t, nodeIndex(b.node));
    }),
  );
  const r = running.slice(0, budget).map((x): RunningTuple => {
    named(x.map);
    return [nodeIndex(x.node), x.map, Math.max(0, Math.round(t - x.t0))];
  });
  const out: EncodedChunks = { c, rest };
  if (r.length) out.r = r;
  if (nodes.length || maps.size) out.legend = { nodes, maps: [...maps] };
  return out;
}
