/** The kernel side of the timeline: chunk records → an update's chunk tuples within a budget. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeChunks } from "../../kernel/sidebar/chunks";
import type { ChunkRecord } from "../../schema/sidebar-messages";

const rec = (
  slot: number,
  map: number,
  t0: number,
  t1: number,
  items = 1,
  failed = 0,
  crashed = false,
): ChunkRecord => ({ slot, map, t0, t1, items, chunks: 1, failed, crashed });

test("within the budget, each chunk is its own tuple, relative to the update time", () => {
  const out = encodeChunks(
    [rec(0, 1, 900, 940, 5), rec(1, 1, 910, 930, 4, 1), rec(0, 1, 950, 990, 5, 0, true)],
    1000,
    16,
  );
  assert.deepEqual(
    out.sort((a, b) => a[0] - b[0] || b[2] - a[2]),
    [
      [0, 1, 100, 40, 5, 1, 0, 0],
      [0, 1, 50, 40, 5, 1, 0, 1],
      [1, 1, 90, 20, 4, 1, 1, 0],
    ],
  );
});

test("over the budget, neighbours merge across the smallest gaps; the large gap and a map change stay", () => {
  // Worker 0: 10 back-to-back chunks of map 1, a 100 ms idle gap, 10 more; worker 1: 5 of map 1 then 5 of map 2.
  const recs: ChunkRecord[] = [];
  for (let i = 0; i < 10; i++) recs.push(rec(0, 1, i * 10, i * 10 + 9, 2));
  for (let i = 0; i < 10; i++) recs.push(rec(0, 1, 200 + i * 10, 200 + i * 10 + 9, 2));
  for (let i = 0; i < 10; i++) recs.push(rec(1, i < 5 ? 1 : 2, i * 10, i * 10 + 9, 3, i === 7 ? 1 : 0));
  const out = encodeChunks(recs, 1000, 6);
  assert.ok(out.length <= 6, `${out.length} tuples`);
  const w0 = out.filter((c) => c[0] === 0).sort((a, b) => b[2] - a[2]);
  const w1 = out.filter((c) => c[0] === 1).sort((a, b) => b[2] - a[2]);
  assert.ok(
    w0.some((c) => 1000 - c[2] + c[3] === 99) && w0.some((c) => 1000 - c[2] === 200),
    "the idle gap is a boundary",
  );
  assert.ok(w1.some((c) => c[1] === 1) && w1.some((c) => c[1] === 2), "maps never merge");
  // Nothing is lost in merging.
  assert.equal(
    out.reduce((n, c) => n + c[4], 0),
    20 * 2 + 10 * 3,
  );
  assert.equal(
    out.reduce((n, c) => n + c[5], 0),
    30,
  );
  assert.equal(
    out.reduce((n, c) => n + c[6], 0),
    1,
  );
});

test("a worker keeps at least one bar per map even when the budget is smaller than the workers", () => {
  const recs = Array.from({ length: 32 }, (_, i) => rec(i % 16, 1, i, i + 1));
  const out = encodeChunks(recs, 100, 4);
  assert.equal(out.length, 16);
  assert.equal(
    out.reduce((n, c) => n + c[5], 0),
    32,
  );
});
