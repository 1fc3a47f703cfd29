import assert from "node:assert/strict";
import { after, test } from "node:test";
import { ShipError } from "../../kernel/ship/errors";
import { closeConverter, createNotebook, type Notebook } from "./notebook";

after(closeConverter);

/** shipFunction must refuse synchronously, before any worker exists, with a ShipError saying this. */
function assertRefused(nb: Notebook, name: string, message: RegExp): void {
  assert.throws(
    () => nb.ship(name),
    (e: unknown) => {
      assert.ok(e instanceof ShipError, `expected a ShipError, got ${String(e)}`);
      assert.match(e.message, message);
      return true;
    },
  );
}

test("a closure over a parameter of an enclosing function is refused, naming the function", async () => {
  const nb = createNotebook();
  await nb.run(
    "function makeScaler(factor: number) { return (x: number) => x * factor; }",
    "const triple = makeScaler(3)",
  );
  assertRefused(
    nb,
    "triple",
    /^cannot ship `factor` \(used by `triple`\): it is a local variable of the function `makeScaler`, captured when `triple` was created, not a top-level name of the notebook; define it at the top level of a cell/,
  );
});

test("a closure over a loop variable of a cell is refused", async () => {
  const nb = createNotebook();
  await nb.run(
    "const adders: ((x: number) => number)[] = []; for (const n of [1, 2]) adders.push((x) => x + n);",
    "const addOne = adders[0]",
  );
  assertRefused(nb, "addOne", /^cannot ship `n` \(used by `addOne`\): it is a local variable of a block/);
});

test("a local that shadows a notebook name is not mistaken for it", async () => {
  const nb = createNotebook();
  await nb.run("const k = 1", "function withK(k: number) { return (x: number) => x + k; }", "const plus10 = withK(10)");
  // Resolving by name alone would silently use the notebook's k = 1.
  assertRefused(
    nb,
    "plus10",
    /^cannot ship `k` \(used by `plus10`\): `plus10` uses a `k` that is not the notebook's current `k`/,
  );
});

test("a socket is refused with what to do instead", async () => {
  const nb = createNotebook();
  await nb.run(
    `import * as net from "net"`,
    "const conn = new net.Socket()",
    "const send = (x: string) => conn.write(x)",
  );
  assertRefused(
    nb,
    "send",
    /^cannot ship `conn` \(used by `send`\): a Socket cannot be copied to a worker; create it inside the function or pass plain data$/,
  );
});

test("an uncloneable value deep inside data is named by its path", async () => {
  const nb = createNotebook();
  await nb.run("const cfg = { retries: 3, cache: [new WeakMap()] }", "const useCfg = (_: number) => cfg.retries");
  assertRefused(
    nb,
    "useCfg",
    /^cannot ship `cfg` \(used by `useCfg`\): `cfg\.cache\[0\]` is a WeakMap, which cannot be copied to a worker; use a Map/,
  );
});

test("a Promise is refused with advice to await it first", async () => {
  const nb = createNotebook();
  await nb.run("const pending = Promise.resolve(1)", "const usePending = (_: number) => pending");
  assertRefused(
    nb,
    "usePending",
    /^cannot ship `pending` \(used by `usePending`\): a Promise cannot be copied to a worker; await it in the notebook first/,
  );
});

test("a function stored inside data is refused", async () => {
  const nb = createNotebook();
  await nb.run("const handlers = { double: (x: number) => x * 2 }", "const apply = (x: number) => handlers.double(x)");
  assertRefused(
    nb,
    "apply",
    /^cannot ship `handlers` \(used by `apply`\): `handlers\.double` is a function, which cannot be copied to a worker; functions inside data are not shipped; make it a top-level function/,
  );
});

test("a bound function is refused", async () => {
  const nb = createNotebook();
  await nb.run("function add(a: number, b: number) { return a + b; }", "const addFive = add.bind(null, 5)");
  assertRefused(
    nb,
    "addFive",
    /^cannot ship `addFive`: it is a bound function \(made with `\.bind`\).*use an arrow function instead/,
  );
});

test("a native function that is not a worker global is refused", async () => {
  const nb = createNotebook();
  await nb.run("const getter = Map.prototype.get", "const lookup = (x: number) => getter.call(new Map(), x)");
  assertRefused(nb, "lookup", /^cannot ship `getter` \(used by `lookup`\): it is a native function \(`get`\)/);
});

test("an arrow function reading the cell's `this` is refused", async () => {
  const nb = createNotebook();
  await nb.run("const self = (x: number) => (this as any) === undefined ? x : 0");
  assertRefused(nb, "self", /^cannot ship `self`: it is an arrow function that reads the `this` of the code around it/);
});

test("assigning to a notebook variable is refused (the worker would change its own copy)", async () => {
  const nb = createNotebook();
  await nb.run("let seen = 0", "const countIt = (x: number) => { seen += 1; return x; }");
  assertRefused(
    nb,
    "countIt",
    /^cannot ship `countIt`: it assigns to the notebook variable `seen`; in a worker that would only change the worker's own copy/,
  );
});

test("a global set on the kernel's globalThis is refused (workers do not have it)", async () => {
  const nb = createNotebook();
  await nb.run(
    "(globalThis as any).kernelOnly = 5; declare const kernelOnly: number;",
    "const readIt = (x: number) => x + kernelOnly",
  );
  try {
    assertRefused(nb, "readIt", /^cannot ship `kernelOnly` \(used by `readIt`\): it is a global of the kernel only/);
  } finally {
    delete (globalThis as Record<string, unknown>).kernelOnly;
  }
});

test("a symbol value is refused", async () => {
  const nb = createNotebook();
  await nb.run(`const tag = Symbol("tag")`, "const tagged = (x: number) => ({ [tag]: x })");
  assertRefused(
    nb,
    "tagged",
    /^cannot ship `tag` \(used by `tagged`\): a Symbol cannot be copied to a worker; use a string instead/,
  );
});

test("the error names the whole chain from the shipped function to the culprit", async () => {
  const nb = createNotebook();
  await nb.run(
    "const pending = Promise.resolve(1)",
    "const inner = () => pending",
    "const outer = (_: number) => inner()",
  );
  assertRefused(nb, "outer", /^cannot ship `pending` \(used by `outer` → `inner`\)/);
});
