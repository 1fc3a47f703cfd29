/**
 * One batch on the agent's worker pool: run as a pool map (more than one when an item kills its worker: that item
 * is named as a poison item and the rest of the batch still runs), its progress and output published to the
 * kernel that sent it, its chunks kept for the timeline. The pool also enforces the map's per-item timeout.
 */
import { PoisonItemError, range, type MapItems, type WorkerPool } from "../pool";
import type { ChunkItems } from "../map";
import type { ShippedFunction } from "../ship/types";
import { previewItem } from "../cluster/preview";
import {
  WIRE_VERSION,
  wireError,
  type BatchMessage,
  type ItemFailureWire,
  type OutputMessage,
  type ResultMessage,
} from "../cluster/wire";
import type { BatchChunkReport } from "./chunk-report";

/** What running a batch needs from its agent. */
export interface BatchRunHost {
  readonly pool: WorkerPool;
  /** The node's name, in results. */
  readonly node: string;
  readonly chunkReport: BatchChunkReport;
  publish(map: string, m: OutputMessage): void;
}

/** An agent's answer for a whole batch, before it is cut into parts that fit a message. */
export type BatchResult = Omit<ResultMessage, "offset" | "count"> & { count: number };

/** Runs the batch on the pool; an item that kills its worker is named and the rest of the batch still runs. */
export async function runBatchOnPool(
  h: BatchRunHost,
  b: BatchMessage,
  fn: ShippedFunction,
  model: object | undefined,
  signal: AbortSignal,
): Promise<BatchResult> {
  const results: unknown[] = new Array(b.count).fill(null);
  const failures: ItemFailureWire[] = [];
  const t0 = performance.now();
  let lastProgress = 0;
  // The pool maps this batch ran as (more than one when an item killed its worker), for its chunk report.
  const poolMaps: number[] = [];
  const run = async (from: number, to: number): Promise<void> => {
    if (to <= from) return;
    const items = itemsOf(b.items, from, to);
    const { id, done } = h.pool.submit(items, fn, {
      model,
      errors: "collect",
      signal,
      name: fn.name,
      workers: b.workers !== undefined && b.workers < h.pool.size ? 1 : h.pool.size,
      maxHeapMB: b.maxHeapMB,
      // Enforced by this node's pool, which replaces the worker; the item comes back as a failure that the
      // kernel reports through the map's errors mode (failures are collected here whatever that mode is).
      timeout: b.timeout,
      progress: true,
      onProgress: (p) => {
        const now = Date.now();
        if (p.finished || now - lastProgress < 500) return;
        lastProgress = now;
        h.chunkReport.collect();
        h.publish(b.map, { v: WIRE_VERSION, t: "progress", node: h.node, batch: b.batch, done: from + p.done });
      },
      onOutput: (stream, text) => h.publish(b.map, { v: WIRE_VERSION, t: "out", node: h.node, stream, text }),
    });
    h.chunkReport.watch(id);
    poolMaps.push(id);
    try {
      const report = await done;
      const failed = new Set(report.failures.map((f) => f.index));
      for (let i = 0; i < report.results.length; i++) if (!failed.has(i)) results[from + i] = report.results[i];
      for (const f of report.failures)
        failures.push({
          offset: from + f.index,
          error: wireError(f.error),
          preview: previewItem(itemAt(b.items, from + f.index)),
        });
    } catch (e) {
      if (!(e instanceof PoisonItemError)) throw e;
      const at = from + e.index;
      failures.push({
        offset: at,
        error: { name: "PoisonItemError", message: e.message },
        preview: e.itemPreview,
        poison: true,
      });
      await run(from, at);
      await run(at + 1, to);
    }
  };
  try {
    await run(0, b.count);
  } catch (e) {
    h.chunkReport.forget(poolMaps);
    throw e;
  }
  return {
    v: WIRE_VERSION,
    map: b.map,
    batch: b.batch,
    node: h.node,
    count: b.count,
    results,
    failures,
    busyMs: performance.now() - t0,
    chunks: h.chunkReport.take(poolMaps),
  };
}

function itemsOf(items: ChunkItems, from: number, to: number): MapItems {
  switch (items.kind) {
    case "range":
      return range(items.first + from * items.step, items.first + to * items.step, items.step);
    case "typed":
      return (items.data as unknown as { subarray(a: number, b: number): ArrayBufferView }).subarray(from, to);
    case "array":
      return from === 0 && to === items.data.length ? items.data : items.data.slice(from, to);
  }
}

/** The answer for a single item that took down the agent process each time it ran: a failure, not a retry. */
export function agentDeathsResult(b: BatchMessage, node: string, deliveries: number): BatchResult {
  return {
    v: WIRE_VERSION,
    map: b.map,
    batch: b.batch,
    node,
    count: 1,
    results: [null],
    failures: [
      {
        offset: 0,
        error: {
          name: "AgentCrashError",
          message: `it took down the threadlab agent process that ran it (delivered ${deliveries} times on its own, never answered)`,
        },
        preview: previewItem(itemAt(b.items, 0)),
        agentDeaths: deliveries - 1,
      },
    ],
    busyMs: 0,
  };
}

function itemAt(items: ChunkItems, i: number): unknown {
  return items.kind === "range" ? items.first + i * items.step : items.data[i];
}
