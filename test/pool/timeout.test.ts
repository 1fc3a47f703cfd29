import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ItemTimeoutError, MapItemError, MapOptionError, range, WorkerPool } from "../../kernel/pool";
import { fn, waitFor } from "./helpers";

/** The worker thread's id with the item: tells whether the worker that ran an item was replaced. */
const spinAt3 = fn(
  "(x) => { if (x === 3) while (true) {} return [x * 2, wt.threadId]; }",
  { wt: { kind: "module", specifier: "node:worker_threads" } },
  "spin",
);
const sleepAt2 = fn(`async (x) => { if (x === 2) await new Promise((r) => setTimeout(r, 1e6)); return x * 2; }`);
const liveWorkers = (p: WorkerPool) => p.status().workers.filter((w) => w.state !== "stopping").length;

describe("per-item timeout on the worker pool", () => {
  test("a spinning item fails with collect; its worker is replaced and the other items complete in order", async () => {
    // One worker: the map can only go on if the spinning worker is terminated and a new one started.
    const pool = new WorkerPool({ size: 1 });
    try {
      const [, before] = (await pool.map([0], spinAt3))[0] as [number, number];
      const r = await pool.run(range(8), spinAt3, { timeout: 0.3, errors: "collect", chunk: 4 });
      assert.equal(r.failures.length, 1);
      assert.equal(r.failures[0].index, 3);
      const e = r.results[3];
      assert.ok(e instanceof ItemTimeoutError, String(e));
      assert.equal(e.index, 3);
      assert.equal(e.limitSeconds, 0.3);
      assert.match(e.message, /item 3 ran past the timeout of 0\.3 s/);
      const ok = r.results.filter((_, i) => i !== 3) as [number, number][];
      assert.deepEqual(
        ok.map(([v]) => v),
        [0, 2, 4, 8, 10, 12, 14],
      );
      assert.ok(
        ok.every(([, t]) => t !== before),
        `the items ran on a fresh worker, not on thread ${before}`,
      );
      assert.ok(await waitFor(() => liveWorkers(pool) === 1, 2000), "back to the configured one worker");
      assert.deepEqual(await pool.map(range(3), fn("(x) => x + 1")), [1, 2, 3]);
    } finally {
      await pool.close();
    }
  });

  test("a sleeping (awaiting) item in raise mode: the error names the item and the limit", async () => {
    const pool = new WorkerPool({ size: 2 });
    try {
      const t0 = performance.now();
      await assert.rejects(pool.map(range(6), sleepAt2, { timeout: 0.25, chunk: 1 }), (e: unknown) => {
        assert.ok(e instanceof MapItemError, String(e));
        assert.equal(e.index, 2);
        assert.ok(e.cause instanceof ItemTimeoutError);
        assert.match(e.message, /^f: item 2 failed: ItemTimeoutError: item 2 ran past the timeout of 0\.25 s/);
        assert.match(e.message, /\n {2}item 2: 2\n/);
        return true;
      });
      assert.ok(performance.now() - t0 < 5000, "ended at the timeout, not the item's 1e6 ms");
      assert.ok(await waitFor(() => liveWorkers(pool) === 2, 2000), "back to the configured two workers");
      assert.deepEqual(await pool.map(range(4), fn("(x) => x * 3")), [0, 3, 6, 9]);
    } finally {
      await pool.close();
    }
  });

  test("a sleeping item with collect: the rest of the map completes", async () => {
    const pool = new WorkerPool({ size: 2 });
    try {
      const r = await pool.run(range(6), sleepAt2, { timeout: 0.25, errors: "collect" });
      assert.deepEqual(
        r.results.map((v, i) => (i === 2 ? (v as Error).name : v)),
        [0, 2, "ItemTimeoutError", 6, 8, 10],
      );
      assert.deepEqual(
        r.failures.map((f) => f.index),
        [2],
      );
    } finally {
      await pool.close();
    }
  });

  test("timed per item: a chunk of 100 items that takes longer than the limit does not time out", async () => {
    const pool = new WorkerPool({ size: 1 });
    try {
      // 100 items of ~4 ms in one chunk: the chunk runs ~0.4 s, twice the 0.2 s limit, and no item comes near it.
      const slow = fn("(x) => { const e = performance.now() + 4; while (performance.now() < e); return x; }");
      const t0 = performance.now();
      const r = await pool.run(range(100), slow, { timeout: 0.2, chunk: 100, errors: "collect" });
      assert.ok(performance.now() - t0 > 300, "the chunk did take longer than the limit");
      assert.equal(r.failures.length, 0);
      assert.deepEqual(
        r.results,
        Array.from({ length: 100 }, (_, i) => i),
      );
    } finally {
      await pool.close();
    }
  });

  test("unordered with collect: the timed-out item's error is among the results once", async () => {
    const pool = new WorkerPool({ size: 2 });
    try {
      const r = await pool.run(range(6), sleepAt2, { timeout: 0.25, errors: "collect", unordered: true });
      assert.equal(r.results.length, 6);
      assert.equal(r.results.filter((v) => v instanceof ItemTimeoutError).length, 1);
      assert.deepEqual(
        r.results.filter((v) => typeof v === "number").sort((a, b) => (a as number) - (b as number)),
        [0, 2, 6, 8, 10],
      );
    } finally {
      await pool.close();
    }
  });

  for (const bad of [0, -1, Number.NaN, Infinity, "1"]) {
    test(`timeout ${String(bad)} is refused before any work, with a clear error`, async () => {
      const pool = new WorkerPool({ size: 1 });
      try {
        assert.throws(
          () => pool.submit([1], fn("(x) => x"), { timeout: bad as number }),
          (e: unknown) =>
            e instanceof MapOptionError &&
            e.option === "timeout" &&
            /^timeout must be a positive, finite number of seconds, got /.test(e.message),
        );
      } finally {
        await pool.close();
      }
    });
  }
});
