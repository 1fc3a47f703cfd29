/** The panel's history: chunk tuples become bars on the kernel's clock; running chunks; the 60 s window. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { NODE_LANE, RecentUpdates } from "../../extension/src/recent-updates";
import { groupLanes } from "../../extension/src/components/timeline-groups";
import type { ChunkTuple, Update, WorkerTuple } from "../../schema/sidebar";
import { sampleUpdate } from "./sample-messages";

function snap(t: number, w: WorkerTuple[], c: ChunkTuple[]): Update {
  return sampleUpdate({
    t,
    pool: {
      size: 2,
      queue: 0,
      inflight: 0,
      w,
      maps: [{ id: 3, name: "spin", done: 1, total: 2, failed: 0, rate: 1 }],
      models: { n: 0, bytes: 0 },
    },
    c,
  });
}

test("chunk tuples become bars at their absolute times; a running chunk ends the lane", () => {
  const h = new RecentUpdates();
  h.add(
    snap(
      10_000,
      [
        [0, "ready", 0, 0, 0, 0, 0],
        [1, "ready", 0, 0, 0, 0, 0],
      ],
      [],
    ),
  );
  h.add(
    snap(
      10_250,
      [
        [0, "busy", 90, 5, 1, 3, 30],
        [1, "ready", 50, 4, 1, 3, 0],
      ],
      [
        [0, 3, 200, 120, 5, 1, 0, 0],
        [1, 3, 240, 100, 4, 2, 1, 0],
      ],
    ),
  );
  const lanes = h.timeline();
  assert.deepEqual(
    lanes.map((l) => l.slot),
    [0, 1],
  );
  assert.deepEqual(
    lanes[0].bars.map((b) => [b.t0, b.t1, b.running]),
    [
      [10_050, 10_170, false],
      [10_220, 10_250, true],
    ],
  );
  assert.deepEqual(
    lanes[1].bars.map((b) => [b.t0, b.t1, b.chunks, b.failed]),
    [[10_010, 10_110, 2, 1]],
  );
  assert.equal(h.mapName(3), undefined, "names come from the legend only, not from pool.maps (progress)");
  h.add({ ...snap(10_300, [], [[0, 3, 10, 5, 1, 1, 0, 0]]), legend: { nodes: [], maps: [[3, "spin"]] } });
  assert.equal(h.mapName(3), "spin", "a local map's bars are named by the legend like a cluster map's");
});

test("bars older than the window are dropped; clear() forgets everything", () => {
  const h = new RecentUpdates(1000);
  h.add(snap(0, [[0, "ready", 0, 0, 0, 0, 0]], [[0, 1, 10, 5, 1, 1, 0, 0]]));
  h.add(snap(500, [[0, "ready", 0, 0, 0, 0, 0]], [[0, 1, 10, 5, 1, 1, 0, 0]]));
  assert.equal(h.timeline()[0].bars.length, 2);
  h.add(snap(1200, [[0, "ready", 0, 0, 0, 0, 0]], []));
  assert.deepEqual(
    h.timeline()[0].bars.map((b) => b.t0),
    [490],
  );
  h.clear();
  assert.deepEqual(h.timeline(), []);
});

test("an ended map's final figures replace the last running ones (an interrupted map is not left at stale counts)", () => {
  const h = new RecentUpdates();
  const running = { id: 5, name: "score", done: 442, total: 1_000_000, failed: 0, rate: 900 };
  const withMaps = (t: number, maps: NonNullable<Update["pool"]>["maps"]): Update => {
    const u = snap(t, [[0, "ready", 0, 0, 0, 0, 0]], []);
    return { ...u, pool: { ...u.pool!, maps } };
  };
  h.add(withMaps(1000, [running]));
  assert.equal(h.lastMapProgress()?.map.done, 442);
  h.add(withMaps(1250, [{ ...running, done: 1556, end: "cancelled" }]));
  assert.deepEqual(h.lastMapProgress()?.map, { ...running, done: 1556, end: "cancelled" });
  // A newer running map is shown before the last ended one.
  h.add(
    withMaps(1500, [
      { ...running, id: 6, done: 10 },
      { ...running, done: 1556, end: "cancelled" },
    ]),
  );
  assert.equal(h.lastMapProgress()?.map.id, 6);
});

test("cluster chunks get a lane per (node, worker) after the pool's, named through the legend; no pool needed", () => {
  const h = new RecentUpdates();
  const u = snap(
    20_000,
    [],
    [
      [1, 4, 300, 100, 8, 2, 0, 0, 2],
      [0, 4, 500, 200, 10, 3, 0, 0, 1],
      [0, 4, 400, 100, 6, 1, 1, 0, 2],
      [0, 9, 100, 50, 3, 1, 0, 0],
    ],
  );
  h.add({ ...u, pool: null, legend: { nodes: ["agent-10", "agent-2"], maps: [[4, "score"]] } });
  assert.deepEqual(
    h.timeline().map((l) => [l.node ?? "local", l.slot, l.bars.reduce((n, b) => n + b.items, 0)]),
    [
      ["local", 0, 3],
      ["agent-2", 0, 6],
      ["agent-2", 1, 8],
      ["agent-10", 0, 10],
    ],
    "local first; nodes in natural name order, then by worker",
  );
  assert.equal(h.mapName(4), "score");
  assert.equal(h.mapName(9), undefined, "a map the legend does not name stays unnamed");
  assert.deepEqual(h.slots(), [0], "the pool's slots only");
});

test("the timeline groups cluster lanes by node: expanded for 2 nodes × 2 workers, collapsed for 8 × 8", () => {
  const cluster = (nodes: number, workers: number): Update => {
    const c: ChunkTuple[] = [];
    for (let n = 1; n <= nodes; n++) for (let w = 0; w < workers; w++) c.push([w, 1, 500, 100, 10, 1, 0, 0, n]);
    const nodeNames = Array.from({ length: nodes }, (_, i) => `agent-${i + 1}`);
    return { ...snap(30_000, [[0, "ready", 0, 0, 0, 0, 0]], c), legend: { nodes: nodeNames, maps: [[1, "f"]] } };
  };
  const small = new RecentUpdates();
  small.add(cluster(2, 2));
  const s = groupLanes(small.timeline());
  assert.equal(s.expand, true);
  assert.deepEqual(
    s.local.map((l) => l.slot),
    [0],
    "the pool's lane stays as it is",
  );
  assert.deepEqual(
    s.nodes.map((g) => [g.node, g.lanes.map((l) => l.slot), g.items, g.bars.length]),
    [
      ["agent-1", [0, 1], 20, 2],
      ["agent-2", [0, 1], 20, 2],
    ],
  );
  const big = new RecentUpdates();
  big.add(cluster(8, 8));
  const b = groupLanes(big.timeline());
  assert.equal(b.expand, false, "64 worker lanes start as one lane per node");
  assert.equal(b.nodes.length, 8);
  assert.ok(b.nodes.every((g) => g.lanes.length === 8 && g.bars.length === 8 && g.items === 80));
});

test("a node's running batches are a running bar on the node's own lane, until an update no longer has them", () => {
  const h = new RecentUpdates();
  const legend = { nodes: ["agent-1", "agent-2"], maps: [[4, "score"]] as [number, string][] };
  h.add({ ...snap(20_000, [], [[0, 4, 300, 100, 8, 1, 0, 0, 1]]), pool: null, r: [[2, 4, 700]], legend });
  const lanes = h.timeline();
  const node2 = lanes.find((l) => l.node === "agent-2")!;
  assert.equal(node2.slot, NODE_LANE);
  assert.deepEqual(
    node2.bars.map((b) => [b.running, b.map, b.t0, b.t1]),
    [[true, 4, 19_300, 20_000]],
  );
  const g = groupLanes(lanes).nodes.find((x) => x.node === "agent-2")!;
  assert.equal(g.workers, 0, "the node's lane is not a worker");
  assert.equal(g.bars.length, 1, "the collapsed lane shows it too");
  h.add({
    ...snap(20_500, [], [[0, 4, 200, 150, 3, 1, 0, 0, 1]]),
    pool: null,
    legend: { nodes: ["agent-2"], maps: [] },
  });
  assert.ok(
    h.timeline().every((l) => l.bars.every((b) => !b.running)),
    "answered: no running bar left",
  );
});

test("a re-run chunk keeps its mark through the tuple, and the node's header counts each item once", () => {
  const h = new RecentUpdates();
  // agent-1 ran items 0–9 (10); agent-2 re-ran all 10 after a split, 0 of them fresh.
  const u = snap(
    20_000,
    [],
    [
      [0, 4, 900, 300, 10, 1, 0, 0, 1],
      [0, 4, 500, 300, 0, 1, 0, 0, 2, 1],
    ],
  );
  h.add({ ...u, pool: null, legend: { nodes: ["agent-1", "agent-2"], maps: [[4, "score"]] } });
  const bars = h.timeline().flatMap((l) => l.bars);
  assert.deepEqual(
    bars.map((b) => [b.node, b.rerun ?? false]),
    [
      ["agent-1", false],
      ["agent-2", true],
    ],
  );
  const g = groupLanes(h.timeline()).nodes;
  assert.equal(
    g.reduce((n, x) => n + x.items, 0),
    10,
    "the map's 10 items, once",
  );
});
