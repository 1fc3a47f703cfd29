import assert from "node:assert/strict";
import { after, test } from "node:test";
import { closeConverter, createNotebook, resultsInKernel, resultsInWorker } from "./notebook";

after(closeConverter);

test("a default-imported Node builtin is re-required in the worker, not copied", async () => {
  const nb = createNotebook();
  await nb.run(`import path from "path"`, `const ext = (f: string) => path.extname(f)`);
  const shipped = nb.ship("ext");
  assert.deepEqual(shipped.scope.path, { kind: "module", specifier: "path" });
  assert.deepEqual(await resultsInWorker(shipped, ["a.ts", "b.json"]), [".ts", ".json"]);
});

test("a namespace import (`import * as`) keeps its `__importStar` shape", async () => {
  const nb = createNotebook();
  await nb.run(
    `import * as fs from "fs"`,
    `const flags = (_: number) => [fs.constants.O_RDONLY, typeof fs.existsSync, typeof (fs as any).default.readFileSync]`,
  );
  const shipped = nb.ship("flags");
  assert.deepEqual(shipped.scope.fs, { kind: "module", specifier: "fs", interop: "star" });
  assert.deepEqual(await resultsInWorker(shipped, [0]), await resultsInKernel(nb.locals.flags, [0]));
});

test("named imports ship as a property of their module", async () => {
  const nb = createNotebook();
  await nb.run(`import { join, basename as base } from "path"`, `const both = (f: string) => base(join("/tmp", f))`);
  const shipped = nb.ship("both");
  assert.deepEqual(shipped.scope.join, { kind: "module", specifier: "path", property: "join" });
  assert.deepEqual(shipped.scope.base, { kind: "module", specifier: "path", property: "basename" });
  assert.deepEqual(await resultsInWorker(shipped, ["x.txt"]), ["x.txt"]);
});

test("a package from node_modules is re-required by its name", async () => {
  const nb = createNotebook();
  await nb.run(`import parse from "yargs-parser"`, `const countFlag = (argv: string) => parse(argv).n`);
  const shipped = nb.ship("countFlag");
  assert.deepEqual(shipped.scope.parse, { kind: "module", specifier: "yargs-parser" });
  const items = ["-n 3", "--n=7"];
  assert.deepEqual(await resultsInWorker(shipped, items), await resultsInKernel(nb.locals.countFlag, items));
});

test("an import in the same cell as the function (TypeScript's `path_1` binding) is found", async () => {
  const nb = createNotebook();
  await nb.run(`import { sep } from "path"; import parse from "yargs-parser";
    const split = (argv: string) => parse(argv)._.join(sep)`);
  const shipped = nb.ship("split");
  assert.deepEqual(shipped.scope.yargs_parser_1, { kind: "module", specifier: "yargs-parser", interop: "default" });
  assert.deepEqual(await resultsInWorker(shipped, ["a b c"]), ["a/b/c"]);
});

test("a dynamic `import()` inside the function loads in the worker through its own `require`", async () => {
  const nb = createNotebook();
  await nb.run(`const load = async (f: string) => { const p = await import("path"); return p.basename(f); }`);
  const shipped = nb.ship("load");
  assert.deepEqual(shipped.scope.require, { kind: "require" });
  assert.equal(shipped.scope.__importStar?.kind, "code");
  assert.deepEqual(await resultsInWorker(shipped, ["/a/b.txt"]), ["b.txt"]);
});

test("a module function passed directly as the map function ships as a reference to it", async () => {
  const nb = createNotebook();
  await nb.run(`import { basename } from "path"`);
  const shipped = nb.ship("basename");
  assert.deepEqual(Object.values(shipped.scope), [{ kind: "module", specifier: "path", property: "basename" }]);
  assert.deepEqual(await resultsInWorker(shipped, ["/x/y.txt"]), ["y.txt"]);
});
