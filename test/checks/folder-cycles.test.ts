import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";

// dist/test/checks/ -> the project root, where the script and its madge live. madge names files relative to the
// one source folder given (`src`), so the folders below read `exec`, not `src/exec`.
const SCRIPT = join(__dirname, "..", "..", "..", "scripts", "check-folder-cycles.mjs");
const tmp = mkdtempSync(join(tmpdir(), "threadlab-folder-cycles-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A source tree in a fresh folder: `files` maps a path under it to the file's text. */
function tree(name: string, files: Record<string, string>): string {
  const root = join(tmp, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** The check, run from `root` over the folder `src` (as `npm run check:cycles` runs it over the project). */
function check(root: string) {
  const r = spawnSync(process.execPath, [SCRIPT, "src"], { cwd: root, encoding: "utf8" });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test("a cycle through a subfolder is found: the subfolder counts as its parent folder", () => {
  const root = tree("through-subfolder", {
    "src/exec/converter/target.ts": "export const target = 1;\n",
    "src/exec/cells.ts": 'import { lines } from "../ship/lines";\nexport const cells = lines;\n',
    "src/ship/lines.ts": 'import { target } from "../exec/converter/target";\nexport const lines = target;\n',
  });
  const r = check(root);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /folders that import each other: exec, ship/);
  assert.match(r.out, /ship\/lines\.ts -> exec\/converter\/target\.ts/);
});

test("a cycle between two subfolders of one folder is found, named by the subfolders", () => {
  const root = tree("between-subfolders", {
    "src/pools/native/lib.ts": 'import { api } from "../controller/api";\nexport const lib = api;\n',
    "src/pools/controller/api.ts": 'import type { Lib } from "../native/types";\nexport const api = 1 as Lib;\n',
    "src/pools/native/types.ts": "export type Lib = number;\n",
  });
  const r = check(root);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /folders that import each other: pools\/controller, pools\/native/);
});

test("a folder's own files and its subfolders importing each other is no cycle", () => {
  const root = tree("parent-and-child", {
    "src/exec/index.ts": 'import { target } from "./converter/target";\nexport const run = target;\n',
    "src/exec/options.ts": "export const options = 1;\n",
    "src/exec/converter/target.ts": 'import { options } from "../options";\nexport const target = options;\n',
    "src/ship/lines.ts": 'import { run } from "../exec";\nexport const lines = run;\n',
  });
  const r = check(root);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /No folder cycles/);
});
