/**
 * Workers keep compiled functions across maps (by fnId) and the pool omits unchanged primitive values: every
 * map must still behave as if its function were rebuilt from scratch with the values of the moment. The first
 * tests check the caching itself, from the `begin` messages the pool posts to its real worker (recorded on the
 * way, then delivered); the others check that caching never changes a result.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { WorkerPool } from "../../kernel/pool";
import { WorkerHandle } from "../../kernel/pool/worker-handle";
import type { Begin, ToWorker } from "../../kernel/pool/worker-messages";
import { closeConverter, createNotebook } from "../ship/notebook";
import { fn } from "./helpers";

// One worker: every map lands on the worker that holds the previous map's function.
const pool = new WorkerPool({ size: 1 });
after(async () => {
  await pool.close();
  closeConverter();
});

/** Records the `begin` (and `forgetFns`) of every chunk the pool posts while `run` runs; each is still delivered. */
async function posted(run: () => Promise<void>): Promise<{ begins: Begin[]; forgotten: number[] }> {
  const original = WorkerHandle.prototype.post;
  const begins: Begin[] = [];
  const forgotten: number[] = [];
  WorkerHandle.prototype.post = function (this: WorkerHandle, m: ToWorker, transfer) {
    if (m.t === "chunk" && m.begin) begins.push(m.begin);
    if (m.t === "chunk" && m.forgetFns) forgotten.push(...m.forgetFns);
    original.call(this, m, transfer);
  };
  try {
    await run();
  } finally {
    WorkerHandle.prototype.post = original;
  }
  return { begins, forgotten };
}

test("a function's code goes to a worker once: its next maps send no code, and the same primitives are not sent again", async () => {
  const code = "(x) => x * k";
  const { begins } = await posted(async () => {
    assert.deepEqual(await pool.map([2], fn(code, { k: { kind: "value", value: 10 } })), [20]);
    // Shipped afresh (a new ShippedFunction, as every %parallel map ships), same code: found by its text.
    assert.deepEqual(await pool.map([2], fn(code, { k: { kind: "value", value: 10 } })), [20]);
    assert.deepEqual(await pool.map([2], fn(code, { k: { kind: "value", value: 7 } })), [14]);
  });
  assert.equal(begins.length, 3);
  assert.ok(begins[0].shipped, "the first map sends the code");
  assert.deepEqual(begins[0].values, [10]);
  assert.equal(begins[1].fnId, begins[0].fnId);
  assert.equal(begins[1].shipped, undefined, "the second map sends no code");
  assert.equal(begins[1].values, undefined, "nor the unchanged primitive");
  assert.equal(begins[2].shipped, undefined);
  assert.deepEqual(begins[2].values, [7], "a changed primitive is sent");
});

test("an object value is sent with every map, since it may have been mutated in place", async () => {
  const f = fn("(i) => t[i]", { t: { kind: "value", value: [1, 2] } });
  const { begins } = await posted(async () => {
    await pool.map([0], f);
    await pool.map([0], f);
  });
  assert.equal(begins[1].shipped, undefined);
  assert.deepEqual(begins[1].values, [[1, 2]]);
});

test("an object value mutated in place between two maps of the same ShippedFunction is seen", async () => {
  const table = [1, 2, 3];
  const f = fn("(i) => table[i]", { table: { kind: "value", value: table } });
  assert.deepEqual(await pool.map([2], f), [3]);
  table[2] = 30;
  assert.deepEqual(await pool.map([2], f), [30]);
});

test("a changed primitive value is seen; an unchanged one still reaches the function", async () => {
  const code = "(x) => x * k";
  assert.deepEqual(await pool.map([2], fn(code, { k: { kind: "value", value: 10 } })), [20]);
  assert.deepEqual(await pool.map([2], fn(code, { k: { kind: "value", value: 10 } })), [20]);
  assert.deepEqual(await pool.map([2], fn(code, { k: { kind: "value", value: 7 } })), [14]);
  assert.deepEqual(await pool.map([2], fn(code, { k: { kind: "value", value: "7" } })), [14]);
  assert.deepEqual(await pool.map([2], fn(code, { k: { kind: "value", value: -0 } })), [-0]);
});

test("a map does not see what an earlier map did to its copies of values, bindings or code entries", async () => {
  const seen = fn("(x) => { seen.push(x); return seen.length; }", { seen: { kind: "value", value: [] } });
  assert.deepEqual(await pool.map([1], seen), [1]);
  assert.deepEqual(await pool.map([1], seen), [1]);
  const bump = fn("(x) => (k += x)", { k: { kind: "value", value: 10 } });
  assert.deepEqual(await pool.map([1], bump), [11]);
  assert.deepEqual(await pool.map([1], bump), [11]);
  const counted = fn("(x) => ++Counter.n", { Counter: { kind: "code", code: "(class Counter { static n = 0; })" } });
  assert.deepEqual(await pool.map([0], counted), [1]);
  assert.deepEqual(await pool.map([0], counted), [1]);
});

test("a function redefined under the same name is rebuilt", async () => {
  assert.deepEqual(await pool.map([1], fn("(x) => x + 1", {}, "g")), [2]);
  assert.deepEqual(await pool.map([1], fn("(x) => x - 1", {}, "g")), [0]);
  assert.deepEqual(await pool.map([1], fn("(x) => x + 1", {}, "g")), [2]);
});

test("functions evicted from a worker's cache are forgotten there and sent again", async () => {
  // 40 functions through a cache of 32, in the same order twice: each is evicted before its turn comes back.
  const fns = Array.from({ length: 40 }, (_, i) => fn(`(x) => x + ${i}`));
  const { begins, forgotten } = await posted(async () => {
    for (let round = 0; round < 2; round++)
      for (let i = 0; i < fns.length; i++) assert.deepEqual(await pool.map([1], fns[i]), [1 + i]);
  });
  assert.equal(begins.length, 80);
  assert.ok(
    begins.slice(40).every((b) => b.shipped),
    "every function of the second round was evicted, so its code is sent again",
  );
  assert.ok(forgotten.length >= 40, `the worker was told to forget what was evicted (${forgotten.length})`);
});

test("a function that fails to compile fails every map, and the next function still runs", async () => {
  const bad = fn("(x) => x +", {});
  await assert.rejects(pool.map([1], bad), /could not be rebuilt/);
  await assert.rejects(pool.map([1], bad), /could not be rebuilt/);
  assert.deepEqual(await pool.map([1], fn("(x) => x * 3")), [3]);
});

test("notebook: a free variable changed between two maps is seen, and a redefined function is rebuilt", async () => {
  const nb = createNotebook();
  await nb.run("let k = 2", "const f = (x: number) => x * k");
  assert.deepEqual(await pool.map([5], nb.ship("f")), [10]);
  await nb.run("k = 3");
  assert.deepEqual(await pool.map([5], nb.ship("f")), [15]);
  await nb.run("const table = [1, 2]", "const g = (i: number) => table[i]");
  assert.deepEqual(await pool.map([1], nb.ship("g")), [2]);
  await nb.run("table[1] = 20");
  assert.deepEqual(await pool.map([1], nb.ship("g")), [20]);
  await nb.run("const f = (x: number) => x - k");
  assert.deepEqual(await pool.map([5], nb.ship("f")), [2]);
});
