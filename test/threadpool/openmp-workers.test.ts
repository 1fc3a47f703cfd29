/**
 * OpenMP limits are per thread: verified with the real libgomp and OpenBLAS built with OpenMP, inside
 * worker_threads workers that load them through koffi like pool workers would.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import * as threadpool from "../../kernel/threadpool";
import { LIBGOMP, loadLibrary, OPENBLAS_OPENMP, repoRoot } from "./native-libs";

// Worker defaults must differ from the limits under test, so the per-worker backend default is pinned.
process.env.THREADLAB_BACKEND_THREADS = "2";
const gomp = loadLibrary(LIBGOMP);
// Loaded for its effect: OpenBLAS's OpenMP build must be in the process for the workers to find it.
loadLibrary(OPENBLAS_OPENMP);
const ompGetMax = gomp.func("int omp_get_max_threads(void)");

// A worker that answers commands: read its OpenMP limit, apply limits, count threads computing an sgemm.
const WORKER = `
const { parentPort } = require("node:worker_threads");
const dist = ${JSON.stringify(`${repoRoot}/dist`)};
const side = require(dist + "/kernel/threadpool/worker-side.js");
const libs = require(dist + "/test/threadpool/native-libs.js");
const gomp = libs.loadLibrary(libs.LIBGOMP);
const blas = libs.loadLibrary(libs.OPENBLAS_OPENMP);
const ompGetMax = gomp.func("int omp_get_max_threads(void)");
const sgemm = libs.makeSgemm(blas, 1024);
parentPort.on("message", (m) => {
  if (m.cmd === "get") parentPort.postMessage(ompGetMax());
  else if (m.cmd === "apply") parentPort.postMessage(side.applyBackendLimits(m.limits));
  else if (m.cmd === "busy") { sgemm(1); parentPort.postMessage(libs.busyThreadsDuring(() => sgemm(10)).busy); }
});`;

function startWorker() {
  const w = new Worker(WORKER, { eval: true });
  const ask = <T>(msg: object) =>
    new Promise<T>((res, rej) => {
      w.once("message", res);
      w.once("error", rej);
      w.postMessage(msg);
    });
  return { ask, stop: () => w.terminate() };
}

test("OpenBLAS built with OpenMP is detected with the openmp threading layer and per-thread scope", () => {
  const i = threadpool.info().find((x) => x.internalApi === "openblas");
  assert.equal(i?.threadingLayer, "openmp");
  assert.equal(i?.scope, "thread");
});

test("sequential_blas_under_openmp leaves OpenMP-threaded OpenBLAS alone", () => {
  const lim = threadpool.limits("sequential_blas_under_openmp");
  assert.deepEqual(lim.applied, []);
  lim.restore();
});

test("a limit set on the kernel thread is not seen by a worker until the worker applies it", async () => {
  const before = ompGetMax();
  const w = startWorker();
  const lim = threadpool.limits({ openmp: 1 });
  try {
    assert.equal(ompGetMax(), 1);
    assert.equal(await w.ask<number>({ cmd: "get" }), before, "a worker thread keeps the runtime's default");
    type Report = { applied: { id: string; threads: number }[] };
    const report = await w.ask<Report>({ cmd: "apply", limits: threadpool.backendLimitsForWorkers() });
    assert.equal(report.applied.find((a) => a.id.startsWith("openmp:"))?.threads, 1);
    assert.equal(await w.ask<number>({ cmd: "get" }), 1);
    lim.restore();
    assert.equal(ompGetMax(), before);
    await w.ask({ cmd: "apply", limits: threadpool.backendLimitsForWorkers() });
    assert.equal(await w.ask<number>({ cmd: "get" }), 2, "back to the per-worker default after restore");
  } finally {
    lim.restore();
    await w.stop();
  }
});

test("onBackendLimitsChanged delivers new limits, and the unsubscribe stops it", () => {
  const seen: number[][] = [];
  const off = threadpool.onBackendLimitsChanged((l) => seen.push(l.entries.map((e) => e.threads)));
  threadpool.withLimits({ openmp: 3 }, () => {});
  off();
  threadpool.withLimits({ openmp: 3 }, () => {});
  assert.deepEqual(seen, [[2, 3], [2]]);
});

test("the limit a worker applies changes how many threads its OpenMP sgemm runs on", async () => {
  const w = startWorker();
  try {
    await w.ask({ cmd: "apply", limits: threadpool.backendLimitsForWorkers() });
    const two = await w.ask<number>({ cmd: "busy" });
    const one = await threadpool.withLimits({ openmp: 1 }, async () => {
      await w.ask({ cmd: "apply", limits: threadpool.backendLimitsForWorkers() });
      return w.ask<number>({ cmd: "busy" });
    });
    assert.equal(two, 2, `expected 2 computing threads with openmp=2, saw ${two}`);
    assert.equal(one, 1, `expected 1 computing thread with openmp=1, saw ${one}`);
  } finally {
    await w.stop();
  }
});

test("BackendLimits survive structured cloning", () => {
  const limits = threadpool.backendLimitsForWorkers();
  assert.deepEqual(structuredClone(limits), limits);
});

test("applyBackendLimits rejects an object from another version with a clear message", async () => {
  const { applyBackendLimits } = await import("../../kernel/threadpool/worker-side");
  assert.throws(() => applyBackendLimits({ version: 2 } as never), /backendLimitsForWorkers\(\) \(version 1\)/);
});
