/**
 * The notebook pool's size has one policy and one writer (kernel/parallel/notebook-pool.ts): `%parallel
 * workers`, `parallel.setWorkers`, the sidebar, a limit on `threadlab` and a map's `workers` all end in it, so
 * what the configuration reports (value and source) is the size the pool has. Real worker threads, no kernel.
 */
import assert from "node:assert/strict";
import { after, afterEach, describe, test } from "node:test";
import * as parallel from "../../kernel/parallel/public";
import {
  clearPoolSize,
  existingPool,
  notebookPool,
  setPoolSize,
  shutdownPool,
} from "../../kernel/parallel/notebook-pool";
import { defaultSources } from "../../kernel/sidebar/sources";
import * as threadpool from "../../kernel/threadpool";
import { fn } from "../pool/helpers";

// The size is the configured one: CPUs unless THREADLAB_WORKERS says otherwise; the tests set their own.
delete process.env.THREADLAB_WORKERS;

afterEach(() => {
  for (const s of ["api", "magic", "sidebar"] as const) clearPoolSize(s);
});
after(() => shutdownPool());

const workers = () => threadpool.config().workers;
const threadlabThreads = () => threadpool.info().find((c) => c.id === "threadlab")?.numThreads;

/** What doctor, the sidebar and `%parallel status` read, in one line each: the pool agrees with its config. */
function assertReported(n: number, source: string, detail: RegExp) {
  assert.deepEqual([workers().value, workers().source], [n, source], `config: ${JSON.stringify(workers())}`);
  assert.match(workers().detail, detail);
  assert.equal(existingPool()?.size, n, "the pool has the size the configuration reports");
  assert.equal(threadlabThreads(), n, "threadpool info reports the same size");
  assert.equal(threadpool.doctor().config?.workers.value, n);
}

describe("the pool size's one owner", () => {
  test("a limit on threadlab is reported with the limit's source; a newer %parallel workers wins and stays", () => {
    notebookPool();
    const lim = threadpool.limits({ threadlab: 3 }, { source: "magic" }); // %threadpool limit threadlab=3
    try {
      assertReported(3, "magic", /limit threadlab=3/);
      setPoolSize(2, "magic"); // %parallel workers 2, after the limit
      assertReported(2, "magic", /^magic: 2$/);
      threadpool.refreshLimits(); // a later reconcile must not put the limit's size back
      assertReported(2, "magic", /^magic: 2$/);
    } finally {
      lim.restore();
    }
    assertReported(2, "magic", /^magic: 2$/);
  });

  test("the sidebar's setter and the API after a limit: the newest wins, and removing it falls back", () => {
    notebookPool();
    const lim = threadpool.limits({ threadlab: 3 }, { source: "api" }); // threadpool.limit({ threadlab: 3 })
    try {
      assertReported(3, "api", /limit threadlab=3/);
      defaultSources().poolSize.set(1);
      assertReported(1, "sidebar", /^sidebar: 1$/);
      parallel.setWorkers(2);
      assertReported(2, "api", /^api: 2$/);
      threadpool.refreshLimits();
      assertReported(2, "api", /^api: 2$/);
      clearPoolSize("api");
      assertReported(1, "sidebar", /^sidebar: 1$/);
      assert.equal(defaultSources().poolSize.clear(), true);
      assertReported(3, "api", /limit threadlab=3/);
    } finally {
      lim.restore();
    }
    assert.equal(workers().source, "default");
    assert.equal(existingPool()?.size, workers().value);
  });

  test("a scoped limit holds the pool while it lasts, then the size set before (or during) it comes back", async () => {
    notebookPool();
    setPoolSize(2, "magic");
    await threadpool.withLimits(
      { threadlab: 3 },
      async () => {
        assertReported(3, "cell", /limit threadlab=3/);
        setPoolSize(1, "api"); // parallel.setWorkers(1) inside the %%threadpool limit cell: the cell wins
        assertReported(3, "cell", /limit threadlab=3/);
        await new Promise((r) => setTimeout(r, 10));
      },
      { source: "cell" },
    );
    assertReported(1, "api", /^api: 1$/);
    clearPoolSize("api");
    threadpool.withLimits({ threadlab: 3 }, () => assertReported(3, "api", /limit threadlab=3/));
    assertReported(2, "magic", /^magic: 2$/);
  });

  test("a map's workers is per map: the pool grows for it, then returns to the configured size and source", async () => {
    notebookPool();
    setPoolSize(1, "api");
    const slow = fn("async (x) => { await new Promise((r) => setTimeout(r, 30)); return x * 2 }");
    const running = parallel.run(parallel.range(0, 12), slow, { workers: 3, chunk: 1, progress: false });
    assert.equal(existingPool()?.size, 3, "the map has its 3 workers while it runs");
    assert.deepEqual([workers().value, workers().source], [1, "api"], "the configured size is not the map's");
    const report = await running;
    assert.deepEqual(report.results, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22]);
    assert.equal(report.workers, 3);
    assertReported(1, "api", /^api: 1$/);
    // Asking for fewer than the pool has uses fewer, and changes nothing.
    const small = await parallel.run([1, 2], fn("(x) => x"), { workers: 1, progress: false });
    assert.equal(small.workers, 1);
    assertReported(1, "api", /^api: 1$/);
  });
});
