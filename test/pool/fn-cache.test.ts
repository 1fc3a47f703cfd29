/**
 * Workers keep compiled functions across maps (by fnId) and the pool omits unchanged primitive values: every
 * map must still behave as if its function were rebuilt from scratch with the values of the moment.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { WorkerPool } from "../../kernel/pool";
import { closeConverter, createNotebook } from "../ship/notebook";
import { fn } from "./helpers";

// One worker: every map lands on the worker that holds the previous map's function.
const pool = new WorkerPool({ size: 1 });
after(async () => {
  await pool.close();
  closeConverter();
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

test("functions evicted from a worker's cache are sent again", async () => {
  const fns = Array.from({ length: 40 }, (_, i) => fn(`(x) => x + ${i}`));
  for (let round = 0; round < 2; round++)
    for (let i = 0; i < fns.length; i++) assert.deepEqual(await pool.map([1], fns[i]), [1 + i]);
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
