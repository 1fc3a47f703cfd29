import assert from "node:assert/strict";
import { after, test } from "node:test";
import { CellSources } from "../../kernel/execution/cell-sources";
import { functionLines, transpileWithLines } from "../../kernel/execution/cell-lines";
import { stackToCells } from "../../kernel/ship/source-lines";
import { closeConverter, createNotebook, runInWorker } from "./notebook";

after(closeConverter);

const CELL = [
  "// helpers",
  "interface P { x: number }",
  "const limit: number = 5",
  "function check(p: P): number {",
  "  const doubled: number = p.x * 2",
  "  if (doubled > limit) throw new Error('too big: ' + doubled)",
  "  return doubled",
  "}",
  "const outer = (p: P): number =>",
  "  check(p) + 1",
].join("\n");

test("a function's compiled lines map to the TypeScript lines it was typed on", async () => {
  const nb = createNotebook();
  await nb.run(CELL);
  const check = Function.prototype.toString.call(nb.locals.check);
  const outer = Function.prototype.toString.call(nb.locals.outer);
  const t = transpileWithLines(CELL);
  // TypeScript prints `if (…) throw …` on two lines: both come from line 6.
  assert.deepEqual(functionLines(t, check), [4, 5, 6, 6, 7, 8]);
  // The arrow is printed on one line, which starts on line 9.
  assert.deepEqual(functionLines(t, outer), [9]);
  assert.equal(functionLines(t, "function other() {\n  return 1;\n}"), undefined);
  // References to earlier cells' names are `exports.X` in what tslab compiled; they still match.
  await nb.run("function late(p: P) {\n  return check(p) * limit\n}");
  const late = Function.prototype.toString.call(nb.locals.late);
  assert.match(late, /exports\.check/);
  assert.deepEqual(
    functionLines(transpileWithLines("function late(p: P) {\n  return check(p) * limit\n}"), late),
    [1, 2, 3],
  );
});

test("CellSources finds the newest cell that defined a function, with the cell's own line numbers", () => {
  const s = new CellSources();
  s.record("function f(x: number) {\n  return x\n}", { cell: 1, line: 0 });
  // Two magic lines before the code: its line 1 is the cell's line 3.
  s.record("function f(x: number) {\n  const y = x + 1\n  return y\n}", { cell: 2, line: 2 });
  s.record("const unrelated = 1", { cell: 3, line: 0 });
  assert.deepEqual(s.locate("function f(x) {\n    const y = x + 1;\n    return y;\n}", "f"), {
    cell: 2,
    lines: [3, 4, 5, 6],
  });
  assert.deepEqual(s.locate("function f(x) {\n    return x;\n}", "f"), { cell: 1, lines: [1, 2, 3] });
  assert.equal(s.locate("function g() {\n    return 2;\n}", "g"), undefined);
  // Bounded: the oldest chunks are forgotten.
  const small = new CellSources(2);
  small.record("function a() {\n  return 1\n}", { cell: 1 });
  small.record("const b = 2", { cell: 2 });
  small.record("const c = 3", { cell: 3 });
  assert.equal(small.locate("function a() {\n    return 1;\n}", "a"), undefined);
});

test("worker stacks of functions from earlier cells point at `Cell In[n], line L`", async () => {
  const nb = createNotebook();
  await nb.run(CELL);
  const sources = new CellSources();
  sources.record(CELL, { cell: 7, line: 0 });
  const shipped = nb.ship("outer");
  const outcome = await runInWorker(shipped, [{ x: 3 }]);
  assert.ok(!outcome.ok);
  const code = (label: string) =>
    label === "outer" ? shipped.code : (shipped.scope[label] as { code?: string } | undefined)?.code;
  const mapped = stackToCells(outcome.stack, code, (c, n) => sources.locate(c, n));
  assert.match(mapped, /at check \(Cell In\[7\], line 6\)/, mapped);
  assert.match(mapped, /at outer \(Cell In\[7\], line 9\)/, mapped);
  // A frame whose function cannot be found keeps its compiled line.
  assert.equal(
    stackToCells(
      "    at x (notebook:gone:3:5)",
      () => undefined,
      () => undefined,
    ),
    "    at x (notebook:gone:3:5)",
  );
});

test("a one-line arrow that tslab prints on several lines maps every line to the line it was typed on", async () => {
  const nb = createNotebook();
  const src =
    "const f1 = (x: number) => { if (x === 3) throw new Error('bad ' + x); return x }\nconst f2 = (x: number) =>\n  x * 2";
  await nb.run(src);
  const compiled = Function.prototype.toString.call(nb.locals.f1);
  const n = compiled.split("\n").length;
  assert.ok(n > 1, "tslab printed the body on one line: this test no longer covers a layout difference");
  const t = transpileWithLines(src);
  assert.deepEqual(functionLines(t, compiled), Array(n).fill(1));
  assert.deepEqual(functionLines(t, Function.prototype.toString.call(nb.locals.f2)), [2]);
});
