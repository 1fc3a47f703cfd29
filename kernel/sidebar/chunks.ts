/**
 * Turns the pool's chunk records into the snapshot's chunk tuples for one panel: each chunk once, as its own
 * bar while they fit the snapshot's budget, otherwise merged with its neighbours on the same worker and map
 * across the smallest gaps first — so the idle gaps and map changes a user can see are the boundaries kept.
 *
 * @module
 */
import type { ChunkTuple } from "../../schema/protocol";
import type { ChunkRecord } from "../pool/chunk-log";

/** A record of the pool's chunk log; the type only, so a panel never loads the pool. */
export type ChunkRecordLike = Omit<ChunkRecord, "seq">;

interface Bar {
  slot: number;
  map: number;
  t0: number;
  t1: number;
  items: number;
  n: number;
  failed: number;
  crashed: boolean;
}

/** Encodes `records` relative to the snapshot time `t`, in at most about `budget` tuples. */
export function encodeChunks(records: readonly ChunkRecordLike[], t: number, budget: number): ChunkTuple[] {
  const bySlot = new Map<number, Bar[]>();
  for (const r of records) {
    const bars = bySlot.get(r.slot) ?? [];
    bars.push({ slot: r.slot, map: r.map, t0: r.t0, t1: r.t1, items: r.items, n: 1, failed: r.failed, crashed: r.crashed });
    bySlot.set(r.slot, bars);
  }
  let lanes = [...bySlot.values()].map((bars) => bars.sort((a, b) => a.t0 - b.t0));
  if (records.length > budget) {
    // Quotas in proportion to each worker's chunks, at least one bar each.
    lanes = lanes.map((bars) => mergeTo(bars, Math.max(1, Math.floor((budget * bars.length) / records.length))));
  }
  const out: ChunkTuple[] = [];
  for (const bars of lanes) {
    for (const b of bars) {
      // `t - t0` may be negative: a shared snapshot's `t` can be a few ms older than a chunk that just ended.
      out.push([b.slot, b.map, Math.round(t - b.t0), Math.max(0, Math.round(b.t1 - b.t0)), b.items, b.n, b.failed, b.crashed ? 1 : 0]);
    }
  }
  return out;
}

/** Merges a worker's bars down to `quota`, keeping the largest gaps; a change of map is always kept. */
function mergeTo(bars: Bar[], quota: number): Bar[] {
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
  const out: Bar[] = [];
  let cur = { ...bars[0] };
  for (let i = 1; i < bars.length; i++) {
    if (cut.has(i - 1)) {
      out.push(cur);
      cur = { ...bars[i] };
    } else {
      const b = bars[i];
      cur.t1 = Math.max(cur.t1, b.t1);
      cur.items += b.items;
      cur.n += b.n;
      cur.failed += b.failed;
      cur.crashed ||= b.crashed;
    }
  }
  out.push(cur);
  return out;
}
