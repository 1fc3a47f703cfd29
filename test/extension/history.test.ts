/** The panel's history: chunk tuples become bars on the kernel's clock; running chunks; the 60 s window. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { UpdateHistory } from "../../extension/src/history";
import type { ChunkTuple, Update, WorkerTuple } from "../../schema/sidebar-messages";
import { sampleUpdate } from "./sample-messages";

function snap(t: number, w: WorkerTuple[], c: ChunkTuple[]): Update {
  return sampleUpdate({
    t,
    pool: {
      size: 2,
      queue: 0,
      inflight: 0,
      w,
      c,
      maps: [{ id: 3, name: "spin", done: 1, total: 2, failed: 0, rate: 1 }],
      models: { n: 0, bytes: 0 },
    },
  });
}

test("chunk tuples become bars at their absolute times; a running chunk ends the lane", () => {
  const h = new UpdateHistory();
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
  assert.equal(h.mapName(3), "spin");
});

test("bars older than the window are dropped; clear() forgets everything", () => {
  const h = new UpdateHistory(1000);
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
  const h = new UpdateHistory();
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
