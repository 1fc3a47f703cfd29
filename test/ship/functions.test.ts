import assert from "node:assert/strict";
import { after, test } from "node:test";
import vm = require("node:vm");
import ts = require("typescript");
import { shipFunction } from "../../kernel/ship/analyze";
import { closeConverter, createNotebook, NOTEBOOK_DIR, resultsInKernel, resultsInWorker } from "./notebook";

after(closeConverter);

test("a function calling functions from other cells ships them all by source", async () => {
  const nb = createNotebook();
  await nb.run(
    "const k = 3",
    "function square(x: number) { return x * x; }",
    "const scale = (x: number) => square(x) * k",
    "function score(x: number) { return scale(x) + 1; }",
  );
  const shipped = nb.ship("score");
  assert.equal(shipped.scope.square?.kind, "code");
  assert.equal(shipped.scope.scale?.kind, "code");
  const items = [1, 2, 3];
  assert.deepEqual(await resultsInWorker(shipped, items), await resultsInKernel(nb.locals.score, items));
});

test("recursion and mutual recursion work in the worker", async () => {
  const nb = createNotebook();
  await nb.run(
    "const fact = (n: number): number => n <= 1 ? 1 : n * fact(n - 1)",
    `const isEven = (n: number): boolean => n === 0 ? true : isOdd(n - 1);
     const isOdd = (n: number): boolean => n === 0 ? false : isEven(n - 1);`,
    "const both = (n: number) => [fact(n), isEven(n)]",
  );
  const items = [1, 5, 6];
  assert.deepEqual(await resultsInWorker(nb.ship("both"), items), await resultsInKernel(nb.locals.both, items));
});

test("async functions are awaited like in the kernel", async () => {
  const nb = createNotebook();
  await nb.run(
    "const k = 2",
    "async function slowDouble(x: number) { await new Promise((r) => setTimeout(r, 1)); return x * k; }",
  );
  assert.deepEqual(await resultsInWorker(nb.ship("slowDouble"), [1, 4]), [2, 8]);
});

test("generator functions ship and can be consumed by the shipped function", async () => {
  const nb = createNotebook();
  await nb.run(
    "function* upTo(n: number) { for (let i = 1; i <= n; i++) yield i; }",
    "const total = (n: number) => { let s = 0; for (const v of upTo(n)) s += v; return s; }",
  );
  assert.deepEqual(await resultsInWorker(nb.ship("total"), [3, 4]), [6, 10]);
});

test("an object literal method (`f(x) {}` source, not an expression) ships", async () => {
  const nb = createNotebook();
  await nb.run("const k = 5", "const ops = { addK(x: number) { return x + k; } }");
  const method = (nb.locals.ops as { addK: Function }).addK;
  assert.match(String(method), /^addK\(/);
  const shipped = shipFunction(method, { locals: nb.locals, resolveDir: NOTEBOOK_DIR });
  assert.equal(shipped.name, "addK");
  assert.deepEqual(await resultsInWorker(shipped, [1]), [6]);
});

test("a static method of a class ships on its own", async () => {
  const nb = createNotebook();
  await nb.run("const base = 100", "class Units { static toCents(x: number) { return Math.round(x * base); } }");
  const shipped = shipFunction((nb.locals.Units as { toCents: Function }).toCents, {
    locals: nb.locals,
    resolveDir: NOTEBOOK_DIR,
  });
  assert.deepEqual(await resultsInWorker(shipped, [1.5]), [150]);
});

test("a built-in function ships by its global path", async () => {
  const nb = createNotebook();
  await nb.run("const largest = Math.max", "const pick = (pair: number[]) => largest(pair[0], pair[1])");
  assert.deepEqual(shipFunction(Math.max, { locals: {}, resolveDir: NOTEBOOK_DIR }).code, "Math.max");
  const shipped = nb.ship("pick");
  assert.deepEqual(shipped.scope.largest, { kind: "code", code: "Math.max" });
  assert.deepEqual(
    await resultsInWorker(shipped, [
      [1, 9],
      [7, 2],
    ]),
    [9, 7],
  );
});

test("an inline arrow function (not a notebook name) ships", async () => {
  const nb = createNotebook();
  await nb.run("const k = 4");
  const shipped = shipFunction((x: number) => x + 1, { locals: nb.locals, resolveDir: NOTEBOOK_DIR });
  assert.deepEqual(await resultsInWorker(shipped, [1]), [2]);
});

test("a notebook name equal to the function's parameter name does not leak into the parameter", async () => {
  const nb = createNotebook();
  await nb.run(
    "const item = 1000",
    "const bump = (n: number) => n + item",
    "const twice = (item: number) => bump(item) * 2",
  );
  assert.deepEqual(await resultsInWorker(nb.ship("twice"), [1, 2]), [2002, 2004]);
});

test("TypeScript helpers that compiled code calls (`__awaiter`) exist in the worker", async () => {
  // Cells target ES2023 or newer and rarely need helpers; compile a cell for ES2015 to get `__awaiter` for real.
  const js = ts.transpileModule(
    "export const k = 3; export const later = async (x: number) => { await null; return x * k; };",
    { compilerOptions: { target: ts.ScriptTarget.ES2015, module: ts.ModuleKind.CommonJS } },
  ).outputText;
  assert.match(js, /__awaiter/);
  const locals: Record<string, unknown> = {};
  vm.runInThisContext(`(function (exports, require) {\n${js}\n})`)(locals, require);
  const shipped = shipFunction(locals.later as Function, { locals, resolveDir: NOTEBOOK_DIR });
  assert.equal(shipped.scope.__awaiter?.kind, "code");
  assert.deepEqual(await resultsInWorker(shipped, [2]), [6]);
});
