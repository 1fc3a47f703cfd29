import assert from "node:assert/strict";
import { after, test } from "node:test";
import { MODEL_BRAND } from "../../kernel/ship/types";
import { workerGlobalNames } from "../../kernel/ship/worker-globals";
import { closeConverter, createNotebook, resultsInKernel, resultsInWorker } from "./notebook";

after(closeConverter);

test("a number from an earlier cell reaches the worker (not NaN from `exports.k`)", async () => {
  const nb = createNotebook();
  await nb.run("const k = 3", "const f = (x: number) => x * k");
  // The pitfall: tslab compiled the reference to `exports.k`, which is empty in a worker.
  assert.match(String(nb.locals.f), /exports\.k/);
  const shipped = nb.ship("f");
  assert.doesNotMatch(shipped.code, /exports/);
  assert.deepEqual(shipped.scope.k, { kind: "value", value: 3 });
  assert.deepEqual(await resultsInWorker(shipped, [1, 2, 5]), [3, 6, 15]);
});

test("a name from the same cell is found through the closure, not `exports`", async () => {
  const nb = createNotebook();
  await nb.run("const offset = 10; const g = (x: number) => x + offset");
  assert.doesNotMatch(String(nb.locals.g), /exports/);
  const shipped = nb.ship("g");
  assert.deepEqual(await resultsInWorker(shipped, [1, 2]), [11, 12]);
});

test("plain data is cloned: objects, arrays, Map, Set, typed arrays, Date, bigint", async () => {
  const nb = createNotebook();
  await nb.run(
    `const cfg = { scale: 2, names: ["a", "b"], nested: { on: true } };
     const table = new Map([["a", 1], ["b", 2]]);
     const allowed = new Set(["a"]);
     const weights = new Float32Array([0.5, 1.5]);
     const start = new Date(0);
     const big = 10n;`,
    `const f = (key: string, _m: unknown, i: number) =>
       [table.get(key)! * cfg.scale, cfg.names[i], cfg.nested.on, allowed.has(key), weights[i] * 2,
        start.getTime(), String(big + 1n)]`,
  );
  const shipped = nb.ship("f");
  for (const name of ["cfg", "table", "allowed", "weights", "start", "big"]) {
    assert.equal(shipped.scope[name]?.kind, "value", name);
  }
  const items = ["a", "b"];
  assert.deepEqual(await resultsInWorker(shipped, items), await resultsInKernel(nb.locals.f, items));
});

test("a `typeof` guard on a name that does not exist keeps working", async () => {
  const nb = createNotebook();
  await nb.run(`declare const window: unknown;
    const where = (_: unknown) => typeof window === "undefined" ? "node" : "browser"`);
  assert.deepEqual(await resultsInWorker(nb.ship("where"), [0]), ["node"]);
});

test("a shared model travels by handle and the worker resolves it by id", async () => {
  const nb = createNotebook();
  await nb.run(`const model: any = { dim: 2, vectors: new Float32Array([1, 2, 3, 4]) }`);
  (nb.locals.model as Record<symbol, unknown>)[MODEL_BRAND] = { id: "m-1" };
  await nb.run(`const dot = (i: number) => model.vectors[i * model.dim] + model.vectors[i * model.dim + 1]`);
  const shipped = nb.ship("dot");
  assert.deepEqual(shipped.scope.model, { kind: "model", id: "m-1" });
  // A different object stands in for the worker's cached copy: the function must read that one.
  const workerCopy = { dim: 2, vectors: new Float32Array([10, 20, 30, 40]) };
  assert.deepEqual(await resultsInWorker(shipped, [0, 1], { models: { "m-1": workerCopy } }), [30, 70]);
});

test("a global of the worker stays free (Math, console, typed array constructors)", async () => {
  const nb = createNotebook();
  await nb.run(`const norm = (x: number) => Math.hypot(x, 1) + new Float64Array(1).length + (console ? 0 : 1)`);
  const shipped = nb.ship("norm");
  assert.deepEqual(Object.keys(shipped.scope), []);
  assert.deepEqual(await resultsInWorker(shipped, [0]), [2]);
});

test("a Buffer inside data is still a Buffer in the worker (structured clone alone makes it a Uint8Array)", async () => {
  const nb = createNotebook();
  await nb.run(
    `const blobs = { greeting: Buffer.from("hi") }`,
    `const hex = (_: number) => [Buffer.isBuffer(blobs.greeting), blobs.greeting.toString("hex")]`,
  );
  assert.deepEqual(await resultsInWorker(nb.ship("hex"), [0]), [[true, "6869"]]);
});

test("worker globals are probed from a real worker: Node globals yes, CommonJS wrapper names no", () => {
  const names = workerGlobalNames();
  for (const n of ["Buffer", "structuredClone", "setTimeout", "Float32Array", "Atomics"]) assert.ok(names.has(n), n);
  for (const n of ["require", "module", "exports", "__dirname", "__tslab__"]) assert.ok(!names.has(n), n);
});
