import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Worker } from "node:worker_threads";

/**
 * A pool worker's packages: sessions and instances created in a worker get the worker's backend threads, also
 * when the body requires the package after the worker applied its limits (the load watch re-applies them).
 */

const WORKER_SIDE = require.resolve("../../kernel/threadpool/worker-side");

function inWorker(code: string): Promise<unknown> {
  const w = new Worker(
    `const { parentPort } = require("node:worker_threads");\n` +
      `require(${JSON.stringify(WORKER_SIDE)}).applyBackendLimits({ version: 1, entries: [` +
      `{ selector: "*", threads: 1, source: "default", order: 0 }] });\n` +
      `(async () => { ${code} })().then((v) => parentPort.postMessage(v), (e) => parentPort.postMessage(String(e)));`,
    { eval: true },
  );
  return new Promise((resolve, reject) => {
    w.once("message", (v) => void w.terminate().then(() => resolve(v)));
    w.once("error", reject);
  });
}

test("onnxruntime sessions created in a worker get intraOpNumThreads = the backend threads", async () => {
  // A stand-in with onnxruntime-node's create() contract: the real package is not installed in CI.
  const dir = mkdtempSync(join(tmpdir(), "threadpool-ort-"));
  const file = join(dir, "node_modules", "onnxruntime-node", "dist", "index.js");
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, "exports.InferenceSession = { create: async (...args) => ({ args }) };");
  const args = await inWorker(
    `const ort = require(${JSON.stringify(file)});\nreturn (await ort.InferenceSession.create("m.onnx")).args;`,
  );
  assert.deepEqual(args, ["m.onnx", { intraOpNumThreads: 1, interOpNumThreads: 1 }]);
});

test("a DuckDB instance opened in a worker after its limits were applied gets the backend threads", async () => {
  const threads = await inWorker(
    `const { DuckDBInstance } = require(${JSON.stringify(require.resolve("@duckdb/node-api"))});\n` +
      `const c = await (await DuckDBInstance.create(":memory:")).connect();\n` +
      `return Number((await c.runAndReadAll("SELECT current_setting('threads')")).getRowsJS()[0][0]);`,
  );
  assert.equal(threads, 1);
});
