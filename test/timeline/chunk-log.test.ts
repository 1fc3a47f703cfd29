import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChunkLog } from "../../kernel/timeline/chunk-log";
import { PoisonItemError, range, WorkerPool } from "../../kernel/pool";
import { fn } from "../pool/helpers";

describe("chunk log", () => {
  test("a reader's cursor sees each record once, oldest first", () => {
    const log = new ChunkLog(8);
    assert.equal(log.seq, 0);
    log.record(0, 1, 100, 110, 5);
    log.record(1, 1, 101, 120, 5, 2);
    const a = log.since(0);
    assert.deepEqual(
      a.records.map((r) => [r.slot, r.t0, r.t1, r.items, r.failed]),
      [
        [0, 100, 110, 5, 0],
        [1, 101, 120, 5, 2],
      ],
    );
    assert.equal(a.seq, 2);
    log.record(0, 2, 130, 140, 3, 0, true);
    const b = log.since(a.seq);
    assert.deepEqual(
      b.records.map((r) => [r.map, r.crashed]),
      [[2, true]],
    );
    assert.equal(log.since(b.seq).records.length, 0);
  });

  test("a slow reader loses what the ring overwrote, and is told how much", () => {
    const log = new ChunkLog(4);
    for (let i = 0; i < 10; i++) log.record(0, 1, i, i + 1, 1);
    const r = log.since(0);
    assert.deepEqual(
      r.records.map((x) => x.t0),
      [6, 7, 8, 9],
    );
    assert.equal(r.lost, 6);
    assert.equal(log.since(8).lost, 0);
  });

  test("notBefore drops records that ended earlier", () => {
    const log = new ChunkLog(8);
    log.record(0, 1, 0, 10, 1);
    log.record(0, 1, 50, 60, 1);
    assert.deepEqual(
      log.since(0, 55).records.map((r) => r.t0),
      [50],
    );
  });
});

describe("the pool records its chunks", () => {
  test("every item of a map in exactly one record, on live workers, within the map's time", async () => {
    const pool = new WorkerPool({ size: 2 });
    try {
      const t0 = Date.now();
      await pool.map(range(400), fn("(x) => { const e = Date.now() + 1; while (Date.now() < e); return x; }"), {
        chunk: 10,
      });
      const t1 = Date.now();
      const { records } = pool.chunkLog.since(0);
      assert.equal(records.length, 40);
      assert.equal(
        records.reduce((n, r) => n + r.items, 0),
        400,
      );
      assert.deepEqual([...new Set(records.map((r) => r.slot))].sort(), [0, 1]);
      for (const r of records) {
        assert.ok(r.t0 >= t0 - 5 && r.t1 <= t1 + 5 && r.t1 - r.t0 >= 10 * 1 - 1, JSON.stringify(r));
        assert.equal(r.crashed, false);
      }
      // Per worker, chunks run one after another: no two bars of one lane overlap.
      for (const slot of [0, 1]) {
        const lane = records.filter((r) => r.slot === slot).sort((a, b) => a.t0 - b.t0);
        for (let i = 1; i < lane.length; i++)
          assert.ok(lane[i].t0 >= lane[i - 1].t1 - 0.5, `overlap on worker ${slot}`);
      }
    } finally {
      await pool.close();
    }
  });

  test("failed items are counted on their chunk, and a chunk that kills its worker is recorded as crashed", async () => {
    const pool = new WorkerPool({ size: 2 });
    try {
      await pool
        .map(range(20), fn("(x) => { if (x % 5 === 0) throw new Error('no'); return x; }"), {
          chunk: 10,
          errors: "collect",
        })
        .catch(() => {});
      const failed = pool.chunkLog.since(0).records.reduce((n, r) => n + r.failed, 0);
      assert.equal(failed, 4);
      const seq = pool.chunkLog.seq;
      await assert.rejects(
        pool.map(range(8), fn("(x) => { if (x === 3) process.exit(7); return x; }"), { chunk: 8 }),
        PoisonItemError,
      );
      const crashed = pool.chunkLog.since(seq).records.filter((r) => r.crashed);
      assert.ok(crashed.length >= 1, "the crash is on the timeline");
      assert.equal(crashed[0].items, 0);
    } finally {
      await pool.close();
    }
  });
});

describe("lanes of cluster nodes in the log", () => {
  test("a lane per agent id: agents sharing a name are labelled apart, an agent without an id by its name", () => {
    const log = new ChunkLog(8);
    const a = log.node("gpu-box", "id-a");
    const b = log.node("gpu-box", "id-b");
    assert.notEqual(a, b);
    assert.equal(log.node("gpu-box", "id-a"), a, "one number per id");
    const old = log.node("cpu-box");
    assert.equal(log.node("cpu-box"), old, "without an id the name is the key");
    log.record(0, 1, 0, 10, 1, 0, false, a);
    log.record(0, 1, 0, 10, 2, 0, false, b);
    log.record(0, 1, 0, 10, 3, 0, false, old);
    assert.deepEqual(
      log.since(0).records.map((r) => r.node),
      ["gpu-box", "gpu-box (2)", "cpu-box"],
    );
  });

  test("a cluster node's chunks carry its name; the pool's carry none; opened maps are named", () => {
    const log = new ChunkLog(8);
    const a = log.node("agent-1");
    assert.equal(log.node("agent-2"), a + 1);
    assert.equal(log.node("agent-1"), a, "one number per name");
    log.record(0, 1, 0, 10, 4);
    log.record(1, 1, 0, 10, 5, 0, false, a);
    assert.equal(log.openMap("score"), 1);
    assert.deepEqual(
      log.since(0).records.map((r) => [r.node, r.slot, r.items]),
      [
        [undefined, 0, 4],
        ["agent-1", 1, 5],
      ],
    );
    assert.equal(log.mapName(1), "score");
    assert.equal(log.mapName(2), undefined);
  });

  test("map ids count up for the log's life, and only the newest names are kept", () => {
    const log = new ChunkLog(8);
    const ids = Array.from({ length: 70 }, (_, i) => log.openMap(`m${i}`));
    assert.deepEqual(
      ids,
      Array.from({ length: 70 }, (_, i) => i + 1),
    );
    assert.equal(log.mapName(70), "m69");
    assert.equal(log.mapName(1), undefined, "the oldest names are dropped");
  });
});

describe("one id space for the notebook's maps", () => {
  test("a new pool on the same log goes on counting, and submit's id is the id its chunks are logged under", async () => {
    const log = new ChunkLog();
    const first = new WorkerPool({ size: 1, chunkLog: log });
    let firstId: number;
    try {
      const m = first.submit(range(4), fn("(x) => x"), { name: "before" });
      firstId = m.id;
      await m.done;
    } finally {
      await first.close();
    }
    // A restarted pool (`%parallel workers`, a pool that was shut down) must not reuse the id of a map already
    // drawn in the timeline.
    const second = new WorkerPool({ size: 1, chunkLog: log });
    try {
      const seq = log.seq;
      const m = second.submit(range(4), fn("(x) => x"), { name: "after" });
      await m.done;
      assert.ok(m.id > firstId, `second pool's map id ${m.id} after the first's ${firstId}`);
      assert.equal(log.mapName(m.id), "after");
      const maps = new Set(log.since(seq).records.map((r) => r.map));
      assert.deepEqual([...maps], [m.id]);
    } finally {
      await second.close();
    }
  });
});
