/** A batch a cluster map has published and not yet had every answer for, and who ran (or took down) its items. */
import type { ChunkItems, ItemSource, Slice } from "../map";
import type { ItemFailureWire } from "./wire";

export interface Pending {
  readonly batch: number;
  readonly slice: Slice;
  readonly body: Uint8Array;
  readonly received: Uint8Array;
  got: number;
  publishedAt: number;
  /**
   * Offsets of the results whose chunks are in the timeline: once per batch or half of one (a redelivered batch
   * is split), though a result may come more than once.
   */
  chunksLogged?: Set<number>;
  /** Which node started which items (agents' `start` messages): the nodes to name if items kill agents. */
  readonly takers: { node: string; offset: number; count: number }[];
}

/** How many times the item at `offset` was started on its own (each such start that never answered killed its agent). */
export function startsAlone(p: Pending, offset: number): number {
  return p.takers.filter((t) => t.count === 1 && t.offset === offset).length;
}

/**
 * The node a failure is reported on: the one that ran the item, or for an item that took agent processes down,
 * those that started it (they died; the node reporting it did not run it).
 */
export function blamed(p: Pending, f: ItemFailureWire, reporter: string): string {
  if (!f.agentDeaths) return reporter;
  const nodes = new Set(
    p.takers.filter((t) => f.offset >= t.offset && f.offset < t.offset + t.count).map((t) => t.node),
  );
  return nodes.size ? [...nodes].join(", ") : "unknown";
}

/** A slice's items as they travel in a batch; typed arrays over shared memory are copied (v8 cannot serialize those). */
export function wireItems(source: ItemSource, slice: Slice): ChunkItems {
  const { items } = source.payload(slice);
  if (items.kind === "typed") {
    const data = items.data as unknown as ArrayBufferView & { slice(): ArrayBufferView };
    if (data.buffer instanceof SharedArrayBuffer)
      return { kind: "typed", data: data.slice() as unknown as ArrayLike<unknown> };
  }
  return items;
}
