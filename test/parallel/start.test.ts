/**
 * `parallel.start`: a map in the background with a handle that shows what is done so far (what a subshell
 * console reads while the notebook's cell awaits the report). Real worker threads, the plain library.
 */
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { after, describe, test } from "node:test";
import * as threadlab from "../../kernel/module/index";
import { AbortError, MapItemError } from "../../kernel/map";
import { shutdownPool } from "../../kernel/parallel/notebook-pool";

after(() => shutdownPool());

const { parallel } = threadlab;
// 5 ms of work per item: 400 items take ~1 s on 2 workers.
const slow = (x: number) => {
  const end = Date.now() + 5;
  while (Date.now() < end);
  return x * 2;
};
const until = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("parallel.start", () => {
  test("returns at once; the results fill in by item index while the map runs, and are the report's at the end", async () => {
    const items = Array.from({ length: 400 }, (_, i) => i);
    const job = parallel.start(items, slow, { workers: 2, chunk: 4 });
    assert.equal(job.state, "running");
    assert.equal(job.total, 400);
    await until(() => job.done >= 40);
    const partial = job.results;
    assert.equal(partial.length, 400, "one place per item");
    const filled = partial.map((v, i) => [v, i] as const).filter(([v]) => v !== undefined);
    assert.ok(filled.length >= 40 && filled.length < 400, `some done, not all: ${filled.length}`);
    for (const [v, i] of filled) assert.equal(v, i * 2, `item ${i} holds its own result`);
    assert.ok(job.progress()!.done >= 40);
    assert.match(inspect(job), new RegExp(`^RunningMap ${job.id} slow: running, \\d+ / 400 items \\(\\d+%\\)$`));
    const report = await job.report;
    assert.equal(job.state, "done");
    assert.equal(job.done, 400);
    assert.equal(job.results, report.results, "the live view is the report's array at the end");
    assert.deepEqual(
      report.results,
      items.map((i) => i * 2),
    );
  });

  test("cancel() stops it: the report rejects with an AbortError, the state says cancelled, the pool goes on", async () => {
    const job = parallel.start(
      Array.from({ length: 2000 }, (_, i) => i),
      slow,
    );
    await until(() => job.done > 0);
    job.cancel();
    await assert.rejects(
      job.report,
      (e: unknown) => e instanceof AbortError && /slow was cancelled after \d+ items/.test((e as Error).message),
    );
    assert.equal(job.state, "cancelled");
    assert.ok(job.done < 2000);
    assert.deepEqual(await parallel.map([1, 2], (x: number) => x + 1), [2, 3]);
  });

  test("a failure nobody awaits is no unhandled rejection; the state says failed and the report still rejects", async () => {
    let unhandled: unknown;
    const onUnhandled = (e: unknown) => (unhandled = e);
    process.on("unhandledRejection", onUnhandled);
    try {
      const job = parallel.start([1, 2, 3], (x: number) => {
        if (x === 2) throw new Error("bad item");
        return x;
      });
      await until(() => job.state !== "running");
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(job.state, "failed");
      assert.equal(unhandled, undefined);
      await assert.rejects(job.report, (e: unknown) => e instanceof MapItemError && e.index === 1);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  test("bad options throw at the call, before anything starts", () => {
    assert.throws(() => parallel.start([1], slow, { chunk: 0 }), /chunk must be a positive integer or "auto", got 0/);
  });
});
