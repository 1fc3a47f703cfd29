import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";

// dist/test/packaging/ -> the package root. Node resolves a package's own name through its `exports` from
// inside it (self-reference), so a script run there sees what a user's `require("threadlab")` sees.
const ROOT = join(__dirname, "..", "..", "..");

function node(script: string) {
  const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('require("threadlab") is the library: parallel, share and threadpool', () => {
  const r = node(
    'const t = require("threadlab"); console.log(["parallel", "share", "threadpool"].map((k) => typeof t[k]).join())',
  );
  assert.equal(r.status, 0, r.out);
  assert.equal(r.out.trim(), "object,function,object");
});

test("an internal file is not importable: exports keeps the package's inside free to move", () => {
  const r = node('require("threadlab/dist/kernel/pool/pool")');
  assert.notEqual(r.status, 0, r.out);
  assert.match(r.out, /ERR_PACKAGE_PATH_NOT_EXPORTED/);
});

test("package.json stays readable (tools read a package's version from it)", () => {
  const r = node('console.log(require("threadlab/package.json").name)');
  assert.equal(r.status, 0, r.out);
  assert.equal(r.out.trim(), "threadlab");
});
