/**
 * The notebook's pool has one owner (kernel/parallel/notebook-pool.ts): one writer of its size for the API, the
 * magic and the sidebar, and the only reference the thread-pool side reaches it through. Real worker threads.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import {
  clearPoolSize,
  existingPool,
  notebookPool,
  poolSizeSetting,
  setPoolSize,
  shutdownPool,
} from "../../kernel/parallel/notebook-pool";
import { MapOptionError } from "../../kernel/map/options";
import { POOL_TUNING } from "../../kernel/pool/options";
import * as threadpool from "../../kernel/threadpool";

after(async () => {
  for (const s of ["api", "magic", "sidebar"] as const) clearPoolSize(s);
  await shutdownPool();
});

const threadlabPool = () => threadpool.info().find((c) => c.id === "threadlab");

describe("the notebook pool's one owner", () => {
  test("each source holds one size setting; removing the sidebar's falls back to the one set before it", () => {
    setPoolSize(2, "magic");
    const pool = notebookPool();
    assert.equal(pool.size, 2);
    setPoolSize(3, "sidebar");
    assert.equal(pool.size, 3);
    assert.equal(threadpool.config().workers.source, "sidebar");
    assert.equal(poolSizeSetting("sidebar"), 3);
    setPoolSize(1, "sidebar");
    assert.equal(pool.size, 1, "a second sidebar setting replaces its first");
    assert.equal(clearPoolSize("sidebar"), true);
    assert.equal(poolSizeSetting("sidebar"), undefined);
    assert.equal(pool.size, 2, "the pool is back at the magic's size");
    assert.deepEqual([threadpool.config().workers.value, threadpool.config().workers.source], [2, "magic"]);
    assert.equal(clearPoolSize("sidebar"), false, "nothing left to remove");
    clearPoolSize("magic");
  });

  test("a size out of range is refused before anything changes", () => {
    const before = threadpool.config().workers;
    for (const n of [0, 1.5, POOL_TUNING.maxWorkers + 1]) {
      assert.throws(
        () => setPoolSize(n, "api"),
        (e: unknown) => e instanceof MapOptionError && e.option === "size",
      );
    }
    assert.deepEqual(threadpool.config().workers, before);
    assert.equal(poolSizeSetting("api"), undefined);
  });

  test("the threadlab controller is the running pool, found through its owner, and gone once it shuts down", async () => {
    const pool = notebookPool();
    assert.equal(threadlabPool()?.numThreads, pool.size);
    threadpool.withLimits({ threadlab: 1 }, () =>
      assert.equal(existingPool()?.size, 1, "a limit resizes the owner's pool"),
    );
    await shutdownPool();
    assert.equal(threadlabPool(), undefined, "no reference to the closed pool is left on the thread-pool side");
    const next = notebookPool();
    assert.notEqual(next, pool);
    assert.equal(threadlabPool()?.numThreads, next.size);
  });
});
