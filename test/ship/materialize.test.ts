import assert from "node:assert/strict";
import { after, test } from "node:test";
import { materialize } from "../../kernel/ship/materialize";
import type { ShippedFunction } from "../../kernel/ship/types";
import { closeConverter, createNotebook, runInWorker } from "./notebook";

after(closeConverter);

const noHost = {
  require: (s: string) => require(s) as unknown,
  model: (id: string): unknown => {
    throw new Error(`no model ${id}`);
  },
};

test("a worker stack names the shipped function and its own line, without worker machinery", async () => {
  const nb = createNotebook();
  await nb.run(`function risky(x: number) {
  if (x > 1)
    throw new Error("too big: " + x);
  return x;
}`);
  const outcome = await runInWorker(nb.ship("risky"), [1, 2]);
  assert.ok(!outcome.ok);
  assert.equal(outcome.message, "too big: 2");
  const frames = outcome.stack.split("\n").filter((l) => /^\s+at /.test(l));
  assert.match(frames[0], /^\s+at risky \(notebook:risky:3:\d+\)$/);
  assert.equal(frames.length, 1, outcome.stack);
});

test("frames of functions the entry calls name those functions too", async () => {
  const nb = createNotebook();
  await nb.run(
    "const check = (x: number) => {\n  if (x < 0)\n    throw new RangeError('negative');\n  return x;\n}",
    "const outer = (x: number) => check(x) * 2",
  );
  const outcome = await runInWorker(nb.ship("outer"), [-1]);
  assert.ok(!outcome.ok);
  const frames = outcome.stack.split("\n").filter((l) => /^\s+at /.test(l));
  assert.match(frames[0], /at check \(notebook:check:3:\d+\)/);
  assert.match(frames[1], /at outer \(notebook:outer:1:\d+\)/);
});

test("code entries are declared in definition order even when the scope lists a subclass first", () => {
  const shipped: ShippedFunction = {
    name: "make",
    code: "(x) => new Sub(x).twice()",
    scope: {
      Sub: { kind: "code", code: "(class Sub extends Base { twice() { return this.v * 2; } })", after: ["Base"] },
      Base: { kind: "code", code: "(class Base { constructor(v) { this.v = v; } })" },
    },
    resolveDir: __dirname,
  };
  assert.equal(materialize(shipped, noHost)(21), 42);
});

test("cloned class instances get their prototypes back from the fixups", () => {
  const shipped: ShippedFunction = {
    name: "area",
    code: "(i) => shapes[i].area() + (Object.getPrototypeOf(bag) === null ? 1 : 0)",
    scope: {
      shapes: {
        kind: "value",
        value: structuredClone([{ s: 2 }, { s: 3 }]),
        prototypes: [
          [1, "Square"],
          [2, "Square"],
        ],
      },
      bag: { kind: "value", value: {}, prototypes: [[0, null]] },
      Square: { kind: "code", code: "(class Square { area() { return this.s * this.s; } })" },
    },
    resolveDir: __dirname,
  };
  const fn = materialize(shipped, noHost);
  assert.deepEqual([fn(0), fn(1)], [5, 10]);
});

test("a module the worker cannot load fails with the module's name and the notebook directory", () => {
  const shipped: ShippedFunction = {
    name: "useIt",
    code: "(x) => lib.f(x)",
    scope: { lib: { kind: "module", specifier: "no-such-package-xyz" } },
    resolveDir: "/some/notebook",
  };
  const host = { ...noHost, require: (s: string): unknown => require(s) };
  assert.throws(
    () => materialize(shipped, host),
    (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(
        e.message,
        /`lib` of `useIt` needs module "no-such-package-xyz", which a worker could not load from \/some\/notebook/,
      );
      assert.ok(e.cause instanceof Error);
      return true;
    },
  );
});
