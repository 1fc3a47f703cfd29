import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";

// dist/test/checks/ -> the project root, whose eslint.config.mjs holds the rule.
const ROOT = join(__dirname, "..", "..", "..");
const ESLINT = join(ROOT, "node_modules", "eslint", "bin", "eslint.js");

type Form = "import" | "require" | "import()";
const SOURCE: Record<Form, (from: string) => string> = {
  import: (from) => `import { x } from "${from}";\nexport const y = x;\n`,
  require: (from) => `const x = require("${from}");\nexport const y = x;\n`,
  "import()": (from) => `export const y = import("${from}");\n`,
};

/** ESLint's verdict on a file at `path` (never written: the text goes in on stdin) that imports `from`. */
function lint(path: string, from: string, form: Form = "import") {
  const r = spawnSync(process.execPath, [ESLINT, "--stdin", "--stdin-filename", path], {
    cwd: ROOT,
    encoding: "utf8",
    input: SOURCE[form](from),
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test("a kernel folder importing a file inside pool/, map/ or timeline/ is refused, naming the index to use", () => {
  for (const from of ["../pool/pool", "../map/options", "../timeline/chunk-log"]) {
    const r = lint("kernel/cluster/planted.ts", from);
    assert.equal(r.status, 1, `${from}: ${r.out}`);
    assert.match(r.out, /through their index/);
  }
});

test("their indexes, other folders' files and a folder's own files stay allowed", () => {
  for (const [path, from] of [
    ["kernel/cluster/planted.ts", "../pool"],
    ["kernel/agent/planted.ts", "../map"],
    ["kernel/cluster/planted.ts", "../threadpool/limits"],
    ["kernel/pool/planted.ts", "./map-job"],
  ]) {
    const r = lint(path, from);
    assert.equal(r.status, 0, `${path} importing ${from}: ${r.out}`);
  }
});

test("the lazy forms too: require() and import() of a file inside are refused, of the index allowed", () => {
  for (const form of ["require", "import()"] as const) {
    for (const from of ["../pool/pool", "../map/options", "../timeline/chunk-log", "./pool/supervisor"]) {
      const r = lint("kernel/cluster/planted.ts", from, form);
      assert.equal(r.status, 1, `${form} ${from}: ${r.out}`);
      assert.match(r.out, /through their index/);
    }
    for (const [path, from] of [
      ["kernel/cluster/planted.ts", "../pool"],
      ["kernel/cluster/planted.ts", "../map/index"],
      ["kernel/pool/planted.ts", "./map-job"],
      ["kernel/cluster/planted.ts", "../threadpool/limits"],
    ]) {
      const r = lint(path, from, form);
      assert.equal(r.status, 0, `${form} ${from} in ${path}: ${r.out}`);
    }
  }
});
