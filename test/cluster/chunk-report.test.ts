/**
 * A batch's chunks from agent to kernel: the agent's report from its real pool's chunk log (every item once,
 * bounded), the result part that carries it, a retried delivery restamped, and the kernel placing them on its
 * clock, skipping what is malformed.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BatchChunkReport } from "../../kernel/agent/chunk-report";
import { logBatchChunks } from "../../kernel/cluster/batch-chunks";
import { restampChunks, splitResult } from "../../kernel/cluster/result-parts";
import { decode, MAX_BATCH_CHUNKS, WIRE_VERSION, type ChunkWire, type ResultMessage } from "../../kernel/cluster/wire";
import { ChunkLog } from "../../kernel/timeline/chunk-log";
import { range, WorkerPool } from "../../kernel/pool";
import { fn } from "./helpers";

describe("an agent's chunk report", () => {
  test("each batch gets its own pool map's chunks, every item once, at most MAX_BATCH_CHUNKS", async () => {
    const pool = new WorkerPool({ size: 2 });
    try {
      const report = new BatchChunkReport(pool.chunkLog);
      const spin = fn("(x) => { const e = Date.now() + 1; while (Date.now() < e); return x; }");
      // Two batches at once, as an agent runs them: 300 one-item chunks (more than the bound) and 40 items.
      const a = pool.submit(range(300), spin, { chunk: 1 });
      const b = pool.submit(range(40), spin, { chunk: 5 });
      report.watch(a.id);
      report.watch(b.id);
      const t = performance.timeOrigin + performance.now();
      await Promise.all([a.done, b.done]);
      const ca = report.take([a.id]);
      const cb = report.take([b.id]);
      assert.ok(ca.length <= MAX_BATCH_CHUNKS + 2, `${ca.length} chunks reported`);
      assert.equal(
        ca.reduce((n, c) => n + c[3], 0),
        300,
      );
      assert.equal(
        cb.reduce((n, c) => n + c[3], 0),
        40,
      );
      assert.deepEqual([...new Set(ca.map((c) => c[0]))].sort(), [0, 1], "both workers' slots");
      const now = performance.timeOrigin + performance.now();
      // Relative to the report: each chunk ended before it (rounding aside) and started after the maps did.
      for (const [, ago, ms] of [...ca, ...cb]) assert.ok(ago + 1 >= ms && now - ago >= t - 50, `ago ${ago}, ms ${ms}`);
      assert.deepEqual(report.take([a.id]), [], "taken once");
    } finally {
      await pool.close();
    }
  });
});

describe("chunks on the wire", () => {
  const chunks: ChunkWire[] = [
    [0, 120, 40, 10, 0, 0],
    [1, 90, 30, 6, 1, 0],
  ];
  const result = {
    v: WIRE_VERSION,
    map: "m",
    batch: 3,
    node: "agent-1",
    count: 64,
    results: Array.from({ length: 64 }, (_, i) => "x".repeat(200) + i),
    failures: [],
    busyMs: 70,
    chunks,
  };

  test("only the part with the first items carries them; a retry moves them by its lateness", () => {
    const parts = splitResult(result, 4000);
    assert.ok(parts.length > 1, "split into parts");
    const decoded = parts.map((p) => decode<ResultMessage>(p, "result"));
    assert.deepEqual(decoded[0].chunks, chunks);
    assert.equal(decoded[0].offset, 0);
    assert.ok(decoded.slice(1).every((m) => m.chunks === undefined));
    const late = decode<ResultMessage>(restampChunks(parts[0], 250.4), "result");
    assert.deepEqual(
      late.chunks!.map((c) => c[1]),
      [370, 340],
    );
    assert.deepEqual(late.results, decoded[0].results, "the rest of the part as it was");
    assert.equal(restampChunks(parts[1], 100), parts[1], "a part without chunks is sent as it is");
  });

  test("the kernel places them by the receipt time on the node's lanes, once each, skipping malformed ones", () => {
    const log = new ChunkLog(16);
    const bad = [[0, 1, 2], [0, Number.NaN, 1, 1, 0, 0], "x"] as unknown as ChunkWire[];
    logBatchChunks(log, { node: "agent-1" }, 7, [...chunks, ...bad], 10_000);
    assert.deepEqual(
      log.since(0).records.map((r) => [r.node, r.slot, r.map, r.t0, r.t1, r.items, r.failed]),
      [
        ["agent-1", 0, 7, 9880, 9920, 10, 0],
        ["agent-1", 1, 7, 9910, 9940, 6, 1],
      ],
    );
  });

  test("a part whose items were partly answered before is a re-run: marked, and counting only its fresh items", () => {
    const log = new ChunkLog(16);
    // The part ran 16 items (10 + 6); 7 of them were answered here first.
    logBatchChunks(log, { node: "agent-1" }, 7, chunks, 10_000, 7);
    logBatchChunks(log, { node: "agent-2" }, 7, chunks, 10_000);
    assert.deepEqual(
      log.since(0).records.map((r) => [r.node, r.items, r.rerun ?? false]),
      [
        ["agent-1", 7, true],
        ["agent-1", 0, true],
        ["agent-2", 10, false],
        ["agent-2", 6, false],
      ],
    );
  });
});
