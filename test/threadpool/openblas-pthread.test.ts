/**
 * OpenBLAS (pthreads) and libgomp, really loaded in this test process (node --test gives each file its own
 * process, so what this file loads does not leak into the others).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as threadpool from "../../kernel/threadpool";
import { busyThreadsDuring, LIBGOMP, loadLibrary, makeSgemm, mappedPaths, OPENBLAS_PTHREAD } from "./native-libs";

const blas = loadLibrary(OPENBLAS_PTHREAD);
const gomp = loadLibrary(LIBGOMP);
const ompGetMax = gomp.func("int omp_get_max_threads(void)");
const getBlas = blas.func("int openblas_get_num_threads(void)");
const setBlas = blas.func("void openblas_set_num_threads(int)");
const sgemm = makeSgemm(blas, 1024);
const blasInfo = () => threadpool.info().find((i) => i.internalApi === "openblas");
const ompInfo = () => threadpool.info().find((i) => i.userApi === "openmp");

test("info() finds the loaded OpenBLAS with its version, threading layer and core", () => {
  const i = blasInfo();
  assert.ok(i, "OpenBLAS not detected");
  assert.equal(i.userApi, "blas");
  assert.equal(i.version, "0.3.21");
  assert.equal(i.threadingLayer, "pthreads");
  assert.equal(i.scope, "process");
  assert.match(i.filepath!, /openblas-pthread\/libopenblasp-r0\.3\.21\.so$/);
  assert.ok(i.architecture && i.architecture.length > 0);
  assert.equal(i.numThreads, getBlas());
});

test("info() finds libgomp as a per-thread OpenMP pool", () => {
  const i = ompInfo();
  assert.ok(i, "libgomp not detected");
  assert.equal(i.prefix, "libgomp");
  assert.equal(i.scope, "thread");
  assert.equal(i.numThreads, ompGetMax());
});

test("info() maps nothing new", () => {
  const before = mappedPaths().join("\n");
  threadpool.info();
  threadpool.doctor();
  assert.equal(mappedPaths().join("\n"), before);
});

test("a blas limit changes what OpenBLAS's own getter returns, and restore() brings it back", () => {
  setBlas(2);
  const lim = threadpool.limits({ blas: 1 });
  assert.equal(getBlas(), 1);
  assert.deepEqual(
    lim.applied.map((a) => [a.threads, a.previous]),
    [[1, 2]],
  );
  lim.restore();
  assert.equal(getBlas(), 2);
  lim.restore(); // idempotent
  assert.equal(getBlas(), 2);
});

test("a limit changes how many threads compute during a big sgemm", () => {
  setBlas(2);
  sgemm(1); // warm up: OpenBLAS starts its threads lazily
  const free = busyThreadsDuring(() => sgemm(12));
  const limited = threadpool.withLimits({ blas: 1 }, () => busyThreadsDuring(() => sgemm(12)));
  assert.equal(free.busy, 2, `expected 2 computing threads at the default, saw ${free.busy}`);
  assert.equal(limited.busy, 1, `expected 1 computing thread under blas=1, saw ${limited.busy}`);
  assert.equal(getBlas(), 2);
});

test("withLimits restores after a throw", () => {
  setBlas(2);
  assert.throws(
    () =>
      threadpool.withLimits(1, () => {
        assert.equal(getBlas(), 1);
        throw new Error("cell failed");
      }),
    /cell failed/,
  );
  assert.equal(getBlas(), 2);
});

test("withLimits restores after an async function rejects", async () => {
  setBlas(2);
  await assert.rejects(
    threadpool.withLimits({ openblas: 1 }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      assert.equal(getBlas(), 1);
      throw new Error("async cell failed");
    }),
    /async cell failed/,
  );
  assert.equal(getBlas(), 2);
});

test("using-style disposal restores", () => {
  setBlas(2);
  const lim = threadpool.limits({ libopenblas: 1 });
  assert.equal(getBlas(), 1);
  const dispose = (lim as unknown as Record<symbol, () => void>)[Symbol.dispose ?? Symbol.for("nodejs.dispose")];
  dispose.call(lim);
  assert.equal(getBlas(), 2);
});

test("a number limits every settable pool, OpenMP included", () => {
  const ompBefore = ompInfo()!.numThreads;
  setBlas(2);
  threadpool.withLimits(1, () => {
    assert.equal(getBlas(), 1);
    assert.equal(ompInfo()!.numThreads, 1);
  });
  assert.equal(ompInfo()!.numThreads, ompBefore);
});

test("a cell-scoped limit holds against an API limit made inside the cell", () => {
  setBlas(2);
  threadpool.withLimits(
    { blas: 1 },
    () => {
      const inner = threadpool.limits({ blas: 2 }, { source: "api" });
      assert.equal(getBlas(), 1, "the api limit must not override the cell limit");
      assert.equal(inner.skipped.length, 1);
      assert.match(inner.skipped[0].reason, /cell/);
      inner.restore();
      assert.equal(getBlas(), 1);
    },
    { source: "cell" },
  );
  assert.equal(getBlas(), 2);
});

test("restoring an outer limit first keeps the inner one, then restores the original", () => {
  setBlas(2);
  const outer = threadpool.limits({ blas: 1 });
  const inner = threadpool.limits({ blas: 3 });
  assert.equal(getBlas(), 3);
  outer.restore();
  assert.equal(getBlas(), 3);
  inner.restore();
  assert.equal(getBlas(), 2);
});

test("sequential_blas_under_openmp limits pthreads OpenBLAS to one thread", () => {
  setBlas(2);
  threadpool.withLimits("sequential_blas_under_openmp", () => assert.equal(getBlas(), 1));
  assert.equal(getBlas(), 2);
});

test("an unknown selector is an error that lists the accepted names, and changes nothing", () => {
  setBlas(2);
  assert.throws(() => threadpool.limits({ blass: 1 }), /No thread pool is called "blass".*user_api.*blas/);
  assert.throws(() => threadpool.limits({ blas: 0 }), /blas = 0 is not a valid limit/);
  assert.throws(() => threadpool.limits(1.5), /1\.5 is not a valid limit/);
  assert.equal(getBlas(), 2);
  assert.deepEqual(threadpool.activeLimitEntries(), []);
});

test("childEnv follows the active limits and never overwrites what the user set", () => {
  threadpool.withLimits({ blas: 1, openmp: 2 }, () => {
    const env = threadpool.childEnv({ MKL_NUM_THREADS: "7", PATH: "/bin" });
    assert.equal(env.OPENBLAS_NUM_THREADS, "1");
    assert.equal(env.BLIS_NUM_THREADS, "1");
    assert.equal(env.OMP_NUM_THREADS, "2");
    assert.equal(env.MKL_NUM_THREADS, "7");
    assert.equal(env.PATH, "/bin");
  });
});

test("doctor() as JSON names the library, the config sources and an oversubscription warning", () => {
  setBlas(2);
  const report = JSON.parse(JSON.stringify(threadpool.doctor({ ...process.env, THREADLAB_WORKERS: "2" })));
  assert.equal(report.reportVersion, 1);
  assert.equal(report.versions.node, process.versions.node);
  assert.ok(report.cpus.effective >= 1);
  assert.ok(
    report.controllers.some(
      (c: { internalApi: string; version: string }) => c.internalApi === "openblas" && c.version === "0.3.21",
    ),
  );
  assert.ok(["default", "env"].includes(report.config.workers.source));
  // With no pool registered yet, workers would get max(cpus // workers, 1) BLAS threads; 2 OpenMP-free
  // workers × that must not warn, whereas a process-wide BLAS at 4 with a registered pool of 2 must.
  const pool = { size: 2, applyConfiguredSize() {} };
  threadpool.setWorkerPoolLookup(() => pool);
  try {
    setBlas(4);
    const warned = threadpool.doctor();
    assert.ok(
      warned.warnings.some((w) => /Oversubscribed: a map can run 8 compute threads/.test(w)),
      warned.warnings.join("\n"),
    );
    assert.match(threadpool.formatDoctor(warned), /WARNING: Oversubscribed/);
  } finally {
    threadpool.setWorkerPoolLookup(() => undefined);
  }
});

test("while a worker pool exists, process-wide BLAS gets the per-worker limit; afterwards its old value", () => {
  setBlas(2);
  const pool = { size: 2, applyConfiguredSize() {} };
  const saved = process.env.THREADLAB_BACKEND_THREADS;
  delete process.env.THREADLAB_BACKEND_THREADS;
  try {
    threadpool.setWorkerPoolLookup(() => pool);
    const expected = Math.max(Math.floor(threadpool.config().cpus.value / 2), 1);
    assert.equal(getBlas(), expected);
  } finally {
    threadpool.setWorkerPoolLookup(() => undefined);
    if (saved !== undefined) process.env.THREADLAB_BACKEND_THREADS = saved;
  }
  assert.equal(getBlas(), 2);
});

test("the worker pool is a settable pool: limit threadlab=N resizes it through its owner, and restore resizes back", () => {
  const sizes: number[] = [];
  // The owner's part (kernel/parallel/notebook-pool.ts): the size is what config() resolves, limits included.
  const pool = {
    size: 3,
    applyConfiguredSize() {
      const n = threadpool.config().workers.value;
      if (n === this.size) return;
      sizes.push(n);
      this.size = n;
    },
  };
  const saved = process.env.THREADLAB_WORKERS;
  process.env.THREADLAB_WORKERS = "3";
  threadpool.setWorkerPoolLookup(() => pool);
  try {
    const info = threadpool.info().find((i) => i.userApi === "threadlab");
    assert.equal(info?.numThreads, 3);
    threadpool.withLimits({ threadlab: 1 }, () => {
      assert.equal(pool.size, 1);
      assert.equal(threadpool.config().workers.value, 1);
      assert.equal(threadpool.config().workers.source, "api");
    });
    assert.deepEqual(sizes, [1, 3]);
  } finally {
    threadpool.setWorkerPoolLookup(() => undefined);
    if (saved === undefined) delete process.env.THREADLAB_WORKERS;
    else process.env.THREADLAB_WORKERS = saved;
  }
});
