/**
 * Runtime pools (libuv, V8, sharp, onnxruntime, third-party), detection that loads nothing, and the maps
 * parser. libuv and V8 are checked against the threads real Node processes start.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import * as threadpool from "../../kernel/threadpool";
import { parseMappedLibraries } from "../../kernel/threadpool/controller/maps";
import { openmpWarnings } from "../../kernel/threadpool/native/openmp";
import { libuvThreadpoolSize, v8PlatformThreads } from "../../kernel/threadpool/runtime/node-pools";
import { injectSessionThreads } from "../../kernel/threadpool/runtime/packages";
import { repoRoot } from "./native-libs";

const INDEX = join(repoRoot, "dist/kernel/threadpool/index.js");

function runNode(script: string, env: NodeJS.ProcessEnv = {}, args: string[] = []): string {
  const clean = { ...process.env };
  delete clean.UV_THREADPOOL_SIZE;
  delete clean.NODE_OPTIONS;
  return execFileSync(process.execPath, [...args, "-e", script], { env: { ...clean, ...env }, encoding: "utf8" });
}

test("libuv's pool size follows libuv's own parsing rules", () => {
  const cases: [string | undefined, number][] = [
    [undefined, 4],
    ["8", 8],
    ["0", 1],
    ["", 1],
    ["abc", 1],
    ["3x", 3],
    ["2000", 1024],
    ["-1", 1024],
  ];
  for (const [v, n] of cases) assert.equal(libuvThreadpoolSize(v), n, `UV_THREADPOOL_SIZE=${v}`);
});

test("the libuv controller reports the threads libuv really starts", () => {
  const script = `
    const fs = require("fs");
    const tasks = () => fs.readdirSync("/proc/self/task").length;
    const before = tasks();
    fs.readFile("/proc/self/stat", () => {
      const started = tasks() - before;
      const uv = require(${JSON.stringify(INDEX)}).info().find((i) => i.userApi === "libuv");
      console.log(JSON.stringify({ started, reported: uv.numThreads, settable: uv.settable, scope: uv.scope }));
    });`;
  for (const value of [undefined, "3", "0", "-1"]) {
    const out = JSON.parse(runNode(script, value === undefined ? {} : { UV_THREADPOOL_SIZE: value }));
    assert.equal(out.reported, out.started, `UV_THREADPOOL_SIZE=${value}`);
    assert.deepEqual([out.settable, out.scope], [false, "startup"]);
  }
});

test("the V8 controller reports --v8-pool-size from the command line or NODE_OPTIONS, as Node applies it", () => {
  const script = `console.log(JSON.stringify({ tasks: require("fs").readdirSync("/proc/self/task").length,
    v8: require(${JSON.stringify(INDEX)}).info().find((i) => i.userApi === "v8").numThreads }))`;
  const base = JSON.parse(runNode(script, {}, ["--v8-pool-size=1"]));
  assert.equal(base.v8, 1);
  for (const [env, args] of [
    [{}, ["--v8-pool-size=5"]],
    [{ NODE_OPTIONS: "--v8-pool-size=3" }, []],
    [{}, []],
    [{}, ["--v8-pool-size=0"]],
  ] as [NodeJS.ProcessEnv, string[]][]) {
    const r = JSON.parse(runNode(script, env, args));
    assert.equal(r.v8 - base.v8, r.tasks - base.tasks, `${JSON.stringify(env)} ${args}`);
  }
});

test("v8PlatformThreads: the command line beats NODE_OPTIONS; below 1 means CPUs − 1, at least 1", () => {
  assert.equal(v8PlatformThreads(["--v8-pool-size=6"], "--v8-pool-size=2", 8).threads, 6);
  assert.equal(v8PlatformThreads([], "--max-old-space-size=100 --v8-pool-size 2", 8).threads, 2);
  assert.equal(v8PlatformThreads([], undefined, 8).threads, 4);
  assert.equal(v8PlatformThreads(["--v8-pool-size=0"], undefined, 8).threads, 7);
  assert.equal(v8PlatformThreads(["--v8-pool-size=0"], undefined, 1).threads, 1);
});

test("detection loads nothing: a fresh process has the same mappings before and after info() and doctor()", () => {
  const out = JSON.parse(
    runNode(`
    const fs = require("fs");
    const tp = require(${JSON.stringify(INDEX)});
    const maps = () => fs.readFileSync("/proc/self/maps", "utf8").split("\\n").map((l) => l.split(/\\s+/).slice(5).join(" ")).filter(Boolean);
    const before = maps();
    tp.info(); tp.doctor(); tp.limits(1).restore();
    const after = maps();
    console.log(JSON.stringify({ same: before.join() === after.join(), native: after.filter((p) => /koffi|blas|gomp|libomp/.test(p)) }));`),
  );
  assert.equal(out.same, true);
  assert.deepEqual(out.native, [], "not even koffi's addon may be loaded when no native pool is mapped");
});

test("parseMappedLibraries keeps shared objects once, skips pseudo, deleted and non-library mappings", () => {
  const maps = [
    "7f00-7f01 r--p 00000000 08:01 123 /usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0",
    "7f01-7f02 r-xp 00001000 08:01 123 /usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0",
    "7f02-7f03 r-xp 00000000 08:01 124 /opt/My Libs/libopenblas.so",
    "7f03-7f04 r-xp 00000000 08:01 125 /tmp/libiomp5.so (deleted)",
    "7f04-7f05 rw-p 00000000 00:00 0 [heap]",
    "7f05-7f06 r--p 00000000 08:01 126 /usr/bin/node",
    "7f06-7f07 rw-p 00000000 00:00 0 ",
  ].join("\n");
  assert.deepEqual(parseMappedLibraries(maps), [
    "/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0",
    "/opt/My Libs/libopenblas.so",
  ]);
});

test("two different OpenMP runtimes produce a warning naming both; one runtime none", () => {
  const gomp = { internalApi: "openmp", prefix: "libgomp", filepath: "/a/libgomp.so.1" };
  const iomp = { internalApi: "openmp", prefix: "libiomp", filepath: "/b/libiomp5.so" };
  assert.deepEqual(openmpWarnings([gomp]), []);
  const [w] = openmpWarnings([gomp, iomp]);
  assert.match(w, /Several OpenMP runtimes are loaded \(libgomp, libiomp/);
  assert.match(openmpWarnings([gomp, { ...gomp, filepath: "/c/libgomp-x.so.1" }])[0], /2 copies of libgomp/);
});

function writePackage(rel: string, source: string): string {
  const dir = mkdtempSync(join(tmpdir(), "threadpool-pkg-"));
  const file = join(dir, "node_modules", rel);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, source);
  return file;
}

test("sharp is controlled only once it is loaded, through its concurrency()", () => {
  assert.equal(
    threadpool.info().some((i) => i.userApi === "sharp"),
    false,
  );
  // A stand-in with sharp's concurrency() contract: the real package is not installed in CI.
  const file = writePackage(
    "sharp/lib/index.js",
    "let n = 4; module.exports = () => {}; module.exports.concurrency = (v) => { if (v !== undefined) n = v; return n; };",
  );
  const sharp = require(file) as { concurrency(n?: number): number };
  assert.equal(threadpool.info().find((i) => i.userApi === "sharp")?.numThreads, 4);
  threadpool.withLimits({ sharp: 1 }, () => assert.equal(sharp.concurrency(), 1));
  assert.equal(sharp.concurrency(), 4);
  delete require.cache[file];
});

test("sharp 0.35 (entry dist/index.cjs) is found too", () => {
  // 0.35 moved its CommonJS entry; a stand-in at that path, as the package is not installed in CI.
  const file = writePackage(
    "sharp/dist/index.cjs",
    "let n = 1; module.exports = () => {}; module.exports.concurrency = (v) => { if (v !== undefined) n = v; return n; };",
  );
  const sharp = require(file) as { concurrency(n?: number): number };
  assert.equal(threadpool.info().find((i) => i.userApi === "sharp")?.numThreads, 1);
  threadpool.withLimits({ sharp: 2 }, () => assert.equal(sharp.concurrency(), 2));
  assert.equal(sharp.concurrency(), 1);
  delete require.cache[file];
});

test("onnxruntime: a limit injects thread options into sessions created afterwards, unless given", async () => {
  const file = writePackage(
    "onnxruntime-node/dist/index.js",
    "exports.InferenceSession = { create: async (...args) => ({ args }) };",
  );
  const ort = require(file) as { InferenceSession: { create(...a: unknown[]): Promise<{ args: unknown[] }> } };
  assert.equal(threadpool.info().find((i) => i.userApi === "onnxruntime")?.numThreads, null);
  const lim = threadpool.limits({ onnxruntime: 2 });
  assert.deepEqual((await ort.InferenceSession.create("m.onnx")).args, [
    "m.onnx",
    { intraOpNumThreads: 2, interOpNumThreads: 1 },
  ]);
  assert.deepEqual((await ort.InferenceSession.create("m.onnx", { intraOpNumThreads: 8 })).args[1], {
    intraOpNumThreads: 8,
    interOpNumThreads: 1,
  });
  lim.restore();
  assert.deepEqual((await ort.InferenceSession.create("m.onnx")).args, ["m.onnx"]);
  delete require.cache[file];
});

test("injectSessionThreads leaves the (buffer, offset, length) form alone", () => {
  const buf = new Uint8Array(4);
  assert.deepEqual(injectSessionThreads([buf, 0, 4], 2), [buf, 0, 4]);
  assert.deepEqual(injectSessionThreads([buf, 0], 2), [buf, 0]);
  assert.deepEqual(injectSessionThreads([buf], 2), [buf, { intraOpNumThreads: 2, interOpNumThreads: 1 }]);
});

test("a third-party controller can be registered, limited, restored and unregistered", () => {
  let threads = 6;
  const off = threadpool.register({
    id: "mylib",
    userApi: "mylib",
    internalApi: "mylib",
    prefix: "mylib",
    scope: "process",
    settable: true,
    get: () => threads,
    set: (n: number) => {
      threads = n;
    },
    info() {
      return {
        id: "mylib",
        userApi: "mylib",
        internalApi: "mylib",
        prefix: "mylib",
        numThreads: threads,
        scope: "process",
        settable: true,
      };
    },
  });
  try {
    assert.throws(() => threadpool.register({ name: "mylib", detect: () => [] }), /"mylib" is already registered/);
    assert.equal(threadpool.info().find((i) => i.id === "mylib")?.numThreads, 6);
    threadpool.withLimits({ mylib: 2 }, () => assert.equal(threads, 2));
    assert.equal(threads, 6);
  } finally {
    off();
  }
  assert.equal(
    threadpool.info().some((i) => i.id === "mylib"),
    false,
  );
});

test("a number limit leaves read-only pools alone", () => {
  const lim = threadpool.limits(2);
  try {
    assert.equal(
      lim.applied.some((a) => a.id === "libuv" || a.id === "v8"),
      false,
    );
    assert.equal(
      threadpool.info().find((i) => i.id === "libuv")?.numThreads,
      libuvThreadpoolSize(process.env.UV_THREADPOOL_SIZE),
    );
  } finally {
    lim.restore();
  }
});

test("formatInfo prints one aligned row per pool and the notes", () => {
  const text = threadpool.formatInfo(threadpool.info());
  const lines = text.split("\n");
  assert.match(lines[0], /^user_api\s+internal_api\s+threads\s+scope\s+settable/);
  assert.ok(lines.some((l) => /^libuv\s+libuv\s+\d+\s+startup\s+no/.test(l)));
  assert.match(text, /v8\/v8-platform: /);
  assert.equal(threadpool.formatInfo([]), "(no thread pools found)");
});
