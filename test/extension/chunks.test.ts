/** The kernel side of the timeline: chunk records → an update's chunk tuples within a budget. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeChunks } from "../../kernel/sidebar/chunks";
import type { ChunkRecord } from "../../schema/sidebar";

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
  const {
    c: out,
    legend,
    rest,
  } = encodeChunks([rec(0, 1, 900, 940, 5), rec(1, 1, 910, 930, 4, 1), rec(0, 1, 950, 990, 5, 0, true)], 1000, 16);
  assert.equal(legend, undefined, "local chunks need no legend");
  assert.deepEqual(rest, []);
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
  const out = encodeChunks(recs, 1000, 6).c;
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

test("more lanes than the budget take turns: the longest-waiting go first, one bar each, the rest next time", () => {
  // 16 lanes of 2 chunks each, a budget of 4: every update carries 4 lanes; after 4 updates all were sent once.
  let waiting = Array.from({ length: 32 }, (_, i) => rec(i % 16, 1, i, i + 1));
  const seen = new Map<number, number>();
  for (let u = 0; u < 4; u++) {
    const out = encodeChunks(waiting, 100, 4);
    assert.equal(out.c.length, 4, `update ${u}`);
    for (const c of out.c) seen.set(c[0], (seen.get(c[0]) ?? 0) + c[4]);
    waiting = out.rest;
  }
  assert.deepEqual(waiting, []);
  assert.equal(seen.size, 16, "every lane was sent");
  assert.ok(
    [...seen.values()].every((n) => n === 2),
    "each lane's two chunks, once",
  );
  // The first update took the lanes whose first chunk is oldest.
  assert.deepEqual(
    encodeChunks(
      Array.from({ length: 32 }, (_, i) => rec(i % 16, 1, i, i + 1)),
      100,
      4,
    )
      .c.map((c) => c[0])
      .sort((a, b) => a - b),
    [0, 1, 2, 3],
  );
});

test("the legend names every map the tuples refer to, local ones too, and only those", () => {
  const names: Record<number, string> = { 1: "score", 2: "other", 3: "unused" };
  const out = encodeChunks([rec(0, 1, 900, 940), rec(1, 2, 910, 930)], 1000, 16, (id) => names[id]);
  assert.deepEqual(out.legend, {
    nodes: [],
    maps: [
      [1, "score"],
      [2, "other"],
    ],
  });
  assert.ok(
    out.c.every((c) => c.length === 8),
    "no node field for local chunks",
  );
});

test("cluster chunks name their node through the legend, with the cluster map's name; lanes are (node, slot)", () => {
  const recs: ChunkRecord[] = [
    { ...rec(0, 7, 900, 950, 10), node: "agent-2" },
    { ...rec(0, 7, 910, 960, 12), node: "agent-1" },
    { ...rec(1, 7, 920, 940, 3), node: "agent-2" },
    rec(0, 2, 930, 990, 4),
  ];
  const out = encodeChunks(recs, 1000, 16, (id) => (id === 7 ? "score" : undefined));
  assert.deepEqual(out.legend, { nodes: ["agent-2", "agent-1"], maps: [[7, "score"]] }, "map 2 has no name");
  const lanes = out.c.map((c) => `${c[8] ? out.legend!.nodes[c[8] - 1] : "local"}/${c[0]}:${c[4]}`).sort();
  assert.deepEqual(lanes, ["agent-1/0:12", "agent-2/0:10", "agent-2/1:3", "local/0:4"]);
  assert.equal(out.c.find((c) => c[8] === undefined)!.length, 8, "a local tuple keeps its eight fields");
});

test("running cluster batches go as `r`, one per (node, map), their nodes in the legend, at most the budget", () => {
  const running = Array.from({ length: 20 }, (_, i) => ({ node: `agent-${i + 1}`, map: 2, t0: 9_000 - i }));
  const out = encodeChunks([], 10_000, 16, (id) => (id === 2 ? "slow" : undefined), running);
  assert.equal(out.c.length, 0);
  assert.equal(out.r!.length, 16, "no more than the budget");
  assert.deepEqual(out.r![0], [1, 2, 1000]);
  assert.deepEqual(out.r![15], [16, 2, 1015]);
  assert.deepEqual(out.legend, { nodes: running.slice(0, 16).map((r) => r.node), maps: [[2, "slow"]] });
  assert.equal(encodeChunks([], 10_000, 16).r, undefined, "absent when nothing runs");
});

test("a re-run is never merged into first runs, and its mark survives encoding", () => {
  const bars: ChunkRecord[] = [
    { slot: 0, map: 1, t0: 0, t1: 10, items: 5, chunks: 1, failed: 0, crashed: false, node: "a" },
    { slot: 0, map: 1, t0: 11, t1: 20, items: 0, chunks: 1, failed: 0, crashed: false, node: "a", rerun: true },
    { slot: 0, map: 1, t0: 21, t1: 30, items: 5, chunks: 1, failed: 0, crashed: false, node: "a" },
  ];
  const out = encodeChunks(bars, 100, 1);
  assert.deepEqual(
    out.c.map((c) => [c[4], c[9] ?? 0]),
    [
      [5, 0],
      [0, 1],
      [5, 0],
    ],
  );
});
