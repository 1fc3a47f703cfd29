/**
 * Today's TypeScript in cells (issue 12): each cell here failed to compile under tslab's TypeScript 5.0 fork.
 * A real kernel over the wire, with the compiler the kernel ships (typescript in package.json).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import ts = require("typescript");
import { createConverter } from "../../kernel/execution/converter/converter";
import { cellTarget } from "../../kernel/execution/converter/node-target";
import { OPENBLAS_PTHREAD } from "../threadpool/native-libs";
import { RawClient, repoRoot, resultText, streamText } from "./client";
import { kernelForSuite } from "./suite-kernel";

const TS_VERSION = JSON.parse(readFileSync(join(repoRoot, "node_modules", "typescript", "package.json"), "utf8"))
  .version as string;

describe("TypeScript 6 in cells", () => {
  let k: RawClient;
  kernelForSuite((client) => (k = client));

  async function value(code: string): Promise<string | undefined> {
    const { reply, outputs } = await k.execute(code, {}, 30_000);
    assert.equal(reply.content.status, "ok", `${code}\n→ ${JSON.stringify(reply.content.traceback ?? reply.content)}`);
    return resultText(outputs);
  }

  async function diagnostics(code: string): Promise<string[]> {
    const { reply } = await k.execute(code, {}, 30_000);
    assert.equal(reply.content.status, "error", `${code} compiled`);
    assert.equal(reply.content.ename, "TypeScriptError");
    return reply.content.traceback as string[];
  }

  test("`using` with threadpool.limits restores the BLAS limit when the block ends", async () => {
    await value(
      `const koffi = require(${JSON.stringify(require.resolve("koffi"))});\n` +
        `const openblas = koffi.load(${JSON.stringify(OPENBLAS_PTHREAD)});\n` +
        `const getBlas: () => number = openblas.func("int openblas_get_num_threads(void)");\n` +
        `const setBlas: (n: number) => void = openblas.func("void openblas_set_num_threads(int)");`,
    );
    const seen = await value(
      `import { threadpool } from "threadlab";\n` +
        `setBlas(2);\n` +
        `const seen: number[] = [];\n` +
        `{\n  using lim = threadpool.limits({ blas: 1 });\n  seen.push(getBlas());\n}\n` +
        `seen.push(getBlas());\n` +
        `seen`,
    );
    assert.equal(seen, "[ 1, 2 ]");
  });

  test("`using` disposes on a throw too, and the error still reaches the cell", async () => {
    await value("const events: string[] = [];");
    const { reply } = await k.execute(
      `{\n  using r = { [Symbol.dispose]() { events.push("disposed"); } };\n  throw new Error("boom");\n}`,
    );
    assert.equal(reply.content.status, "error");
    assert.equal(reply.content.evalue, "boom");
    assert.equal(await value("events"), "[ 'disposed' ]");
  });

  test("`await using` awaits the async disposal at the end of its block, at the top level of a cell", async () => {
    const out = await value(
      `const order: string[] = [];\n` +
        `const resource = { async [Symbol.asyncDispose]() { await new Promise((r) => setTimeout(r, 20)); order.push("closed"); } };\n` +
        `{\n  await using res = resource;\n  order.push("used");\n}\n` +
        `order.push("after");\n` +
        `order`,
    );
    assert.equal(out, "[ 'used', 'closed', 'after' ]");
  });

  test("a function with `using` runs in pool workers (its emit helpers are shipped)", async () => {
    await value(`function scaled(x: number) {\n  using guard = { [Symbol.dispose]() {} };\n  return x * 3;\n}`);
    const { reply, outputs } = await k.execute("%parallel map scaled [1, 2, 3] --workers 1 --no-progress", {}, 60_000);
    assert.equal(reply.content.status, "ok", JSON.stringify(reply.content));
    assert.equal(resultText(outputs), "[ 3, 6, 9 ]");
    await k.execute("%parallel shutdown");
  });

  test("ES2023 library methods the runtime has type-check and run (`toSorted`)", async () => {
    assert.equal(
      await value("const xs = [3, 1, 2];\nconst sorted = xs.toSorted();\n[sorted, xs, xs.findLast((x) => x > 1)]"),
      "[ [ 1, 2, 3 ], [ 3, 1, 2 ], 2 ]",
    );
  });

  test("the checker rejects what the running Node lacks, and accepts it where Node has it", async () => {
    const code = "typeof Promise.withResolvers";
    if (cellTarget().lib.some((l) => l === "es2024" || l === "es2025")) {
      assert.equal(await value(code), "'function'");
    } else {
      const lines = await diagnostics(code);
      assert.match(lines[0], /^1:\d+ - Property 'withResolvers' does not exist on type 'PromiseConstructor'/);
    }
  });

  test("`NoInfer` keeps an argument out of inference", async () => {
    await value("function pick<T>(options: T[], fallback: NoInfer<T>): T { return options[0] ?? fallback; }");
    assert.equal(await value(`pick(["a", "b"], "c")`), "'a'");
    const lines = await diagnostics(`pick([1, 2], "c")`);
    assert.match(lines[0], /^1:14 - Argument of type 'string' is not assignable to parameter of type 'number'/);
  });

  test("an inferred type predicate narrows `filter`", async () => {
    assert.equal(
      await value(
        `const mixed = [1, "a", 2, undefined];\nconst nums: number[] = mixed.filter((x) => typeof x === "number");\nnums`,
      ),
      "[ 1, 2 ]",
    );
  });

  test("`satisfies` checks a value against a type and keeps the value's own type", async () => {
    assert.equal(
      await value(
        `const port = { web: 80, admin: "8080" } satisfies Record<string, number | string>;\nport.web.toFixed(1)`,
      ),
      "'80.0'",
    );
    const lines = await diagnostics(`const bad = { web: "80" } satisfies { web: number };`);
    assert.match(lines[0], /^1:15 - Type 'string' is not assignable to type 'number'/);
  });

  test("names of earlier cells, top-level await and redefinition still work", async () => {
    await value("const base = 40;");
    assert.equal(await value("await new Promise((r) => setTimeout(r, 5));\nbase + 2"), "42");
    await value("const base = 'redefined';");
    assert.equal(await value("base.toUpperCase()"), "'REDEFINED'");
  });

  test("a cell may declare names that start with `__` (tslab exported them under TypeScript's escaped name)", async () => {
    await value("const __hidden = 41;");
    assert.equal(await value("__hidden + 1"), "42");
  });

  test("completion and inspection are answered by the TypeScript 6 checker", async () => {
    await value("const sortedNames = ['b', 'a'].toSorted();");
    const complete = await k.request("shell", "complete_request", { code: "sortedNames.toSp", cursor_pos: 16 });
    assert.deepEqual(complete.content.matches, ["toSpliced"]);
    const inspect = await k.request("shell", "inspect_request", {
      code: "sortedNames",
      cursor_pos: 11,
      detail_level: 0,
    });
    assert.equal(inspect.content.found, true);
    assert.match((inspect.content.data as Record<string, string>)["text/plain"], /const sortedNames: string\[\]/);
  });

  test("kernel_info and %threadpool doctor name the TypeScript that compiles cells", async () => {
    const info = await k.request("control", "kernel_info_request", {});
    const lang = info.content.language_info as { version: string };
    assert.equal(lang.version, TS_VERSION);
    assert.match(TS_VERSION, /^6\.0\./);
    assert.match(String(info.content.banner), new RegExp(`TypeScript ${TS_VERSION.replace(/\./g, "\\.")} `));
    const { outputs } = await k.execute("%threadpool doctor");
    const text = streamText(outputs) + (resultText(outputs) ?? "");
    assert.match(text, new RegExp(`TypeScript ${TS_VERSION.replace(/\./g, "\\.")} · tslab 1\\.0\\.22`));
    // tslab's own modules (display, `versions`) are given the same compiler instead of loading its fork.
    assert.equal(await value(`import { versions } from "tslab";\nversions.typescript`), `'${TS_VERSION}'`);
  });
});

test("every Node line's target and libraries exist in this TypeScript (node-target.ts)", () => {
  const libDir = join(repoRoot, "node_modules", "typescript", "lib");
  for (const node of ["20.4.0", "22.0.0", "24.0.0", "30.0.0"]) {
    const t = cellTarget(node);
    assert.ok(ts.ScriptTarget[t.target], `Node ${node}: target ${t.target}`);
    for (const lib of t.lib) assert.ok(existsSync(join(libDir, `lib.${lib}.d.ts`)), `Node ${node}: no lib.${lib}.d.ts`);
    assert.ok(t.lib.includes("esnext.disposable"), `Node ${node}: using needs Symbol.dispose's declaration`);
  }
  assert.ok(cellTarget("22.0.0").target > cellTarget("20.4.0").target, "a newer Node gets a newer target");
});

test("a cell without module syntax or names skips the CommonJS pass and runs the same; one with it keeps the pass", () => {
  const conv = createConverter();
  try {
    const prev = "declare const x: number;";
    const run = (src: string): unknown => {
      const out = conv.convert(prev, src);
      assert.deepEqual(out.diagnostics, [], src);
      const exports: Record<string, unknown> = { x: 41 };
      new Function("exports", "require", out.output!)(exports, require);
      return out.lastExpressionVar ? exports[out.lastExpressionVar] : undefined;
    };
    for (const [src, value] of [
      ["1 + 1", 2],
      ["x + 1", 42],
      ["[3, 1, 2].toSorted().join()", "1,2,3"],
      ["let n = 0;\nfor (let i = 0; i < 4; i++) n += i;\nn", 6],
    ] as const) {
      const out = conv.convert(prev, src).output!;
      if (!src.includes("let n")) assert.doesNotMatch(out, /__esModule|\bexport\b/, `${src} → ${out}`);
      assert.deepEqual(run(src), value, src);
    }
    // A top-level name is exported to later cells: TypeScript's CommonJS pass keeps its live binding.
    assert.match(conv.convert(prev, "let n = 1;\nn").output!, /exports\.n = n/);
    // Module syntax of the cell's own still goes through TypeScript's CommonJS pass.
    assert.match(conv.convert(prev, `await import("node:path")`).output!, /require\("node:path"\)/);
    assert.match(conv.convert(prev, `import "node:path";\n2`).output!, /require\("node:path"\)/);
    assert.match(conv.convert(prev, "export default 3").output!, /exports\.default = 3/);
    assert.equal(run(`require("node:path").posix.sep`), "/");
  } finally {
    conv.close();
  }
});
