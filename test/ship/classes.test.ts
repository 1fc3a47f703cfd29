import assert from "node:assert/strict";
import { after, test } from "node:test";
import { ShipError } from "../../kernel/ship/errors";
import { closeConverter, createNotebook, resultsInKernel, resultsInWorker } from "./notebook";

after(closeConverter);

test("a class from another cell ships with its methods and the names they use", async () => {
  const nb = createNotebook();
  await nb.run(
    "const unit = 10",
    "class Meter { constructor(public v: number) {} scaled() { return this.v * unit; } }",
    "const measure = (x: number) => new Meter(x).scaled()",
  );
  const shipped = nb.ship("measure");
  assert.equal(shipped.scope.Meter?.kind, "code");
  assert.deepEqual(await resultsInWorker(shipped, [1, 2]), [10, 20]);
});

test("a subclass is declared after its base even when the function names the subclass first", async () => {
  const nb = createNotebook();
  await nb.run(
    "class Base { m(x: number) { return x + 1; } }",
    "class Derived extends Base { m(x: number) { return super.m(x) * 2; } }",
    "const useBoth = (x: number) => [new Derived().m(x), new Base().m(x), new Derived() instanceof Base]",
  );
  const shipped = nb.ship("useBoth");
  const order = Object.keys(shipped.scope);
  assert.ok(order.indexOf("Base") < order.indexOf("Derived"), `scope order ${order.join(", ")}`);
  assert.deepEqual(await resultsInWorker(shipped, [3]), [[8, 4, true]]);
});

test("a static initializer that calls a notebook function gets it declared first", async () => {
  const nb = createNotebook();
  await nb.run(
    "function makeSquares(n: number) { return Array.from({ length: n }, (_, i) => i * i); }",
    "class Table { static squares = makeSquares(4); static at(i: number) { return Table.squares[i]; } }",
    "const lookup = (i: number) => Table.at(i)",
  );
  const shipped = nb.ship("lookup");
  const table = shipped.scope.Table;
  assert.ok(table?.kind === "code");
  assert.deepEqual(table.after, ["makeSquares"]);
  assert.deepEqual(await resultsInWorker(shipped, [2, 3]), [4, 9]);
});

test("class instances passed as data get their prototypes back in the worker", async () => {
  const nb = createNotebook();
  await nb.run(
    "class Point { constructor(public x: number, public y: number) {} norm() { return Math.hypot(this.x, this.y); } }",
    "class Point3 extends Point { constructor(x: number, y: number, public z: number) { super(x, y); } norm() { return Math.hypot(super.norm(), this.z); } }",
    "const points = [new Point(3, 4), new Point3(1, 2, 2), { label: 'plain', p: new Point(6, 8) }] as const",
    "const byName = new Map([['origin', new Point(0, 0)]])",
    "const lengths = (i: number) => i < 2 ? (points[i] as Point).norm() : [points[2].p.norm(), byName.get('origin') instanceof Point, points[1] instanceof Point3]",
  );
  const shipped = nb.ship("lengths");
  const points = shipped.scope.points;
  assert.ok(points?.kind === "value" && points.prototypes && points.prototypes.length === 3, JSON.stringify(points));
  const items = [0, 1, 2];
  assert.deepEqual(await resultsInWorker(shipped, items), await resultsInKernel(nb.locals.lengths, items));
});

test("a class with #private fields ships, but its instances cannot travel as data", async () => {
  const nb = createNotebook();
  await nb.run(
    "class Counter { #n = 0; inc() { return ++this.#n; } }",
    "const countTo = (n: number) => { const c = new Counter(); for (let i = 1; i < n; i++) c.inc(); return c.inc(); }",
    "const made = new Counter()",
    "const useMade = (_: number) => made.inc()",
  );
  assert.deepEqual(await resultsInWorker(nb.ship("countTo"), [3]), [3]);
  assert.throws(
    () => nb.ship("useMade"),
    (e: unknown) => {
      assert.ok(e instanceof ShipError);
      assert.match(
        e.message,
        /cannot ship `made` \(used by `useMade`\): an instance of `Counter` \(its `#private` fields\) cannot be copied/,
      );
      assert.match(e.message, /#private/);
      return true;
    },
  );
});
