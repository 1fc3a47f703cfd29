/**
 * Turns the pool's chunk records into the update's chunk tuples for one panel: each chunk once, as its own
 * bar while they fit the update's budget, otherwise merged with its neighbours on the same worker and map
 * across the smallest gaps first — so the idle gaps and map changes a user can see are the boundaries kept.
 *
 * @module
 */
import { encodeChunk, type ChunkRecord, type ChunkTuple } from "../../schema/sidebar-messages";

/** Encodes `records` relative to the update time `t`, in at most about `budget` tuples. */
export function encodeChunks(records: readonly ChunkRecord[], t: number, budget: number): ChunkTuple[] {
  const bySlot = new Map<number, ChunkRecord[]>();
  for (const r of records) {
    const bars = bySlot.get(r.slot) ?? [];
    // A copy: merging writes into it.
    bars.push({ ...r });
    bySlot.set(r.slot, bars);
  }
  let lanes = [...bySlot.values()].map((bars) => bars.sort((a, b) => a.t0 - b.t0));
  if (records.length > budget) {
    // Quotas in proportion to each worker's chunks, at least one bar each.
    lanes = lanes.map((bars) => mergeTo(bars, Math.max(1, Math.floor((budget * bars.length) / records.length))));
  }
  return lanes.flatMap((bars) => bars.map((b) => encodeChunk(b, t)));
}

/** Merges a worker's bars down to `quota`, keeping the largest gaps; a change of map is always kept. */
function mergeTo(bars: ChunkRecord[], quota: number): ChunkRecord[] {
  if (bars.length <= quota) return bars;
  const gaps = [];
  for (let i = 0; i + 1 < bars.length; i++) {
    gaps.push({ i, gap: bars[i + 1].map !== bars[i].map ? Infinity : bars[i + 1].t0 - bars[i].t1 });
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
