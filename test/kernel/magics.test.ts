import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { completeMagic, isCompleteWithMagics } from "../../kernel/magics/assist";
import { registerBuiltinMagics } from "../../kernel/magics/builtin";
import { parseArgs, splitCell } from "../../kernel/magics/parse";
import { closest, MagicRegistry } from "../../kernel/magics/registry";
import { MagicError } from "../../kernel/magics/types";
import { HistoryStore } from "../../kernel/history/store";

const neverOpen = () => false;
const isOpen = (src: string) => isCompleteWithMagics(src).status === "incomplete";

describe("splitting a cell into TypeScript and magics", () => {
  test("a %% first line makes the whole cell a cell magic", () => {
    assert.deepEqual(splitCell("%%time --x 1\nconst a = 1\n%env B", neverOpen), [
      { kind: "cell", name: "time", raw: "--x 1", body: "const a = 1\n%env B", line: 0 },
    ]);
  });

  test("line magics split TypeScript into ordered chunks", () => {
    const segs = splitCell("const a = 1\n%env A=1\nconst b = 2\n%lsmagic", neverOpen);
    assert.deepEqual(
      segs.map((s) => s.kind),
      ["code", "line", "code", "line"],
    );
    assert.equal((segs[1] as { raw: string }).raw, "A=1");
  });

  test("a % line inside an unfinished expression stays TypeScript", () => {
    // `%3` is not a magic name: it is TypeScript (a modulo continuing the line above).
    assert.deepEqual(
      splitCell("const r = 10\n%3", isOpen).map((s) => s.kind),
      ["code"],
    );
    const open = splitCell("const r = 10 +\n%x", isOpen);
    assert.deepEqual(
      open.map((s) => s.kind),
      ["code"],
    );
  });

  test("a !cmd line is the line magic %system, between TypeScript chunks", () => {
    assert.deepEqual(splitCell("const a = 1\n!ls -l $a\nconst b = 2", isOpen), [
      { kind: "code", code: "const a = 1", line: 0 },
      { kind: "line", name: "system", raw: "ls -l $a", line: 1 },
      { kind: "code", code: "const b = 2", line: 2 },
    ]);
  });

  test("TypeScript that starts with ! stays TypeScript: !!x, !(x), and a ! continuing an open expression", () => {
    assert.deepEqual(
      splitCell("!!x", neverOpen).map((s) => s.kind),
      ["code"],
    );
    assert.deepEqual(
      splitCell("!(done) && go()", neverOpen).map((s) => s.kind),
      ["code"],
    );
    assert.deepEqual(
      splitCell("const ok = a &&\n!b", isOpen).map((s) => s.kind),
      ["code"],
    );
  });

  test("%name?, %%name? and ?%name ask for help", () => {
    assert.deepEqual(splitCell("%timeit?", neverOpen), [{ kind: "help", name: "timeit", cell: false }]);
    assert.deepEqual(splitCell("%%time??\n", neverOpen), [{ kind: "help", name: "time", cell: true }]);
    assert.deepEqual(splitCell("?%env", neverOpen), [{ kind: "help", name: "env", cell: false }]);
  });
});

describe("magic argument parsing", () => {
  const opts = [
    { name: "workers", type: "number", description: "" },
    { name: "errors", type: "string", description: "", choices: ["raise", "collect"] },
    { name: "progress", type: "boolean", description: "" },
  ] as const;

  test("quotes, numbers, booleans and --no- flags", () => {
    const a = parseArgs("x", `map "a b" 'c' --workers 3 --errors collect --no-progress`, opts);
    assert.deepEqual(a._, ["map", "a b", "c"]);
    assert.equal(a.workers, 3);
    assert.equal(a.errors, "collect");
    assert.equal(a.progress, false);
  });

  test("an unknown option is named with the closest valid one and the list", () => {
    assert.throws(
      () => parseArgs("x", "--wrokers 2", opts),
      (e: Error) =>
        e instanceof MagicError &&
        /unknown option --wrokers\. Did you mean --workers\? Valid options: --workers, --errors, --progress/.test(
          e.message,
        ),
    );
    assert.throws(
      () => parseArgs("x", "--colour", opts),
      (e: Error) => /unknown option --colour\. Valid options/.test(e.message) && !/Did you mean/.test(e.message),
    );
  });

  test("one-letter options are written with one dash in errors", () => {
    const timeitLike = [
      { name: "n", type: "number", description: "" },
      { name: "r", type: "number", description: "" },
    ] as const;
    assert.throws(() => parseArgs("timeit", "-m 3", timeitLike), /%timeit: unknown option -m\. Valid options: -n, -r/);
    assert.throws(
      () => parseArgs("timeit", "--num 3", timeitLike),
      /%timeit: unknown option --num\. Did you mean -n\? Valid options: -n, -r/,
    );
  });

  test("a number option given a word, and a value outside the choices, are errors", () => {
    assert.throws(() => parseArgs("x", "--workers many", opts), /--workers needs a number, got "many"/);
    assert.throws(
      () => parseArgs("x", "--errors ignore", opts),
      /--errors must be one of raise, collect, got "ignore"/,
    );
  });
});

describe("magic registry", () => {
  const reg = new MagicRegistry();
  registerBuiltinMagics(reg, {
    cwd: process.cwd(),
    history: new HistoryStore(
      () => undefined,
      () => ":memory:",
    ),
  });

  test("lists line and cell magics", () => {
    assert.deepEqual(reg.names("line"), [
      "env",
      "history",
      "lsmagic",
      "npm",
      "system",
      "time",
      "timeit",
      "who",
      "whos",
    ]);
    assert.deepEqual(reg.names("cell"), ["bash", "sh", "time", "timeit"]);
  });

  test("an unknown magic suggests the closest names; a line-only magic used as a cell magic says so", () => {
    assert.throws(() => reg.require("tme", "line"), /unknown line magic %tme\. Did you mean %time/);
    assert.throws(() => reg.require("env", "cell"), /%%env is not a cell magic; use %env/);
    assert.deepEqual(closest("lsmagc", reg.names("line")), ["lsmagic"]);
  });

  test("completion offers magic names and options", () => {
    assert.deepEqual(completeMagic("%tim", 4, reg, {})?.matches, ["%time", "%timeit"]);
    assert.deepEqual(completeMagic("x\n%%ti", 6, reg, {})?.matches, ["%%time", "%%timeit"]);
    const r = completeMagic("%timeit -", 9, reg, {});
    assert.ok(r && r.matches.includes("-n") && r.matches.includes("-o") && r.start === 8);
    assert.equal(completeMagic("const a = 1", 5, reg, {}), undefined);
  });
});

describe("is_complete", () => {
  test("complete, incomplete with indent, invalid", () => {
    assert.deepEqual(isCompleteWithMagics("const a = 1"), { status: "complete" });
    assert.deepEqual(isCompleteWithMagics("function f() {"), { status: "incomplete", indent: "  " });
    assert.equal(isCompleteWithMagics("const = 1").status, "invalid");
    assert.equal(isCompleteWithMagics("%lsmagic").status, "complete");
    assert.equal(isCompleteWithMagics(`!echo "it's"`).status, "complete");
    assert.equal(isCompleteWithMagics("%%time\nconst a = 1").status, "incomplete");
  });
});

describe("splitting magic lines into TypeScript expressions", () => {
  const { splitExpressionWords } = require("../../kernel/magics/parse") as typeof import("../../kernel/magics/parse");
  test("brackets, arrows, operators and prefix keywords keep an expression whole", () => {
    assert.deepEqual(splitExpressionWords("map sq [1, 2, 3] --workers 2"), [
      "map",
      "sq",
      "[1, 2, 3]",
      "--workers",
      "2",
    ]);
    assert.deepEqual(splitExpressionWords("map (x: number) => x + 1 parallel.range(0, 10) --out y"), [
      "map",
      "(x: number) => x + 1",
      "parallel.range(0, 10)",
      "--out",
      "y",
    ]);
    assert.deepEqual(splitExpressionWords("map async (x) => { await f(x); return x } items"), [
      "map",
      "async (x) => { await f(x); return x }",
      "items",
    ]);
    assert.deepEqual(splitExpressionWords("map f xs.filter((x) => x > 1) --model new Model(3)"), [
      "map",
      "f",
      "xs.filter((x) => x > 1)",
      "--model",
      "new Model(3)",
    ]);
    assert.deepEqual(splitExpressionWords(`map "a b" 'c d' x - 1`), ["map", "a b", "c d", "x - 1"]);
  });
  test("an unterminated quote is an error", () => {
    assert.throws(() => splitExpressionWords(`map "oops`), /unterminated " quote/);
  });
});
