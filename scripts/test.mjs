#!/usr/bin/env node
// `npm test`: the whole suite. Builds, installs the kernel into ./.venv, runs the Node tests (node:test,
// files test/**/*.test.ts compiled to dist/) and the Python-driven tests (pytest: jupyter_kernel_test,
// nbclient notebooks), then prints one closing line "N passed, N failed" over both.
//
// Then the galata UI tests (test/ui/, scripts/test-ui.mjs): a real JupyterLab from .venv driven through
// Debian's Chromium; their Playwright summary is added to the closing line.
//
// Source checks (ESLint, Prettier, import cycles, doc links) run with the whole suite, each counted as one test.
//
// Other Node.js lines: THREADLAB_TEST_NODES, a colon-separated list of node binaries (.ci/run fetches the
// official builds from the npm registry), runs the areas users meet first on each of them too (the kernel,
// pool, cluster and packaging tests, the conformance suite against a kernelspec installed with that Node,
// and the sidebar's UI tests against that kernelspec), counted in the same closing line. This process's Node
// runs everything.
//
// Filters: `npm test -- kernel pool` runs only the Node test areas named (folders under test/), and
// `--no-python` / `--only-python` pick a side; `--no-ui` skips the browser tests.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ensureNodeModules } from "./node-modules.mjs";
import { ensureVenv, root, venvPython, venv } from "./venv.mjs";
import { runUiTests } from "./test-ui.mjs";

const args = process.argv.slice(2);
const areas = args.filter((a) => !a.startsWith("--"));
const noPython = args.includes("--no-python");
const onlyPython = args.includes("--only-python");
const noUi = args.includes("--no-ui");

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, encoding: "utf8", maxBuffer: 1 << 28, ...opts });
  if (r.error) throw r.error;
  return r;
}

function step(title, cmd, argv, opts) {
  console.log(`\n=== ${title}`);
  const r = run(cmd, argv, { stdio: "inherit", ...opts });
  if (r.status !== 0) {
    console.log(`\n0 passed, 1 failed (setup step failed: ${title})`);
    process.exit(1);
  }
}

function findFiles(dir, pred, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findFiles(p, pred, out);
    else if (pred(p)) out.push(p);
  }
  return out;
}

ensureNodeModules();
ensureVenv();
step("build (tsc)", "npm", ["run", "-s", "build"]);
step("install kernel into .venv", process.execPath, [
  join(root, "bin/threadlab.js"),
  "install",
  "--sys-prefix",
  "--python",
  venvPython,
]);

const env = { ...process.env, PATH: `${join(venv, "bin")}:${process.env.PATH}`, JUPYTER_PLATFORM_DIRS: "1" };
let passed = 0,
  failed = 0,
  skipped = 0;
// What failed, named again just above the closing line: a CI log is often read from its tail.
const failures = [];

// Source checks, each counted as one test: ESLint, Prettier, import cycles and the docs' relative links. Run
// with the whole suite (or `--checks`), not when areas are picked.
if ((areas.length === 0 && !onlyPython) || args.includes("--checks")) {
  console.log("\n=== source checks");
  const bin = (pkg, file) => join(root, "node_modules", pkg, file);
  const checks = [
    ["eslint", process.execPath, [bin("eslint", "bin/eslint.js"), "--max-warnings=0", "."]],
    ["prettier --check", process.execPath, [bin("prettier", "bin/prettier.cjs"), "--check", "--log-level=warn", "."]],
    ["import cycles", "npm", ["run", "-s", "check:cycles"]],
    ["doc links", process.execPath, [join(root, "scripts", "check-doc-links.mjs")]],
  ];
  for (const [title, cmd, argv] of checks) {
    const r = run(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
    const ok = r.status === 0;
    console.log(`${ok ? "ok" : "not ok"} - ${title}`);
    if (!ok) process.stdout.write(`${r.stdout}${r.stderr}`);
    if (!ok) failures.push(`source check: ${title}`);
    if (ok) passed++;
    else failed++;
  }
}

const testRoot = join(root, "dist", "test");
if (!onlyPython) {
  // test/ui holds Playwright specs, run below in a browser, not by node:test.
  const files = findFiles(testRoot, (p) => p.endsWith(".test.js") && !p.includes(`${join("test", "ui")}/`))
    .filter((p) => areas.length === 0 || areas.includes(relative(testRoot, p).split("/")[0]))
    .sort();
  console.log(`\n=== node tests on Node.js ${process.version} (${files.length} files)`);
  nodeTests(process.execPath, files);
}

const otherNodes = (process.env.THREADLAB_TEST_NODES ?? "").split(":").filter(Boolean);
const otherLineAreas = ["kernel", "pool", "cluster", "packaging"];
// The sidebar tests run against each other line's kernel too (by title; the rest of the UI suite runs once).
const OTHER_LINE_UI =
  "attaches to a threadlab notebook|running %parallel map shows busy|pool size set in the panel|after a kernel restart";
if (otherNodes.length && !onlyPython && !areas.length) {
  const files = findFiles(testRoot, (p) => p.endsWith(".test.js"))
    .filter((p) => otherLineAreas.includes(relative(testRoot, p).split("/")[0]))
    .sort();
  for (const node of otherNodes) {
    const version = run(node, ["--version"]).stdout.trim();
    const major = version.replace(/^v/, "").split(".")[0];
    console.log(`\n=== node tests on Node.js ${version} (${otherLineAreas.join(", ")}: ${files.length} files)`);
    nodeTests(node, files, version);
    if (noPython) continue;
    // The conformance suite against a kernelspec installed with this Node, from its own startup snapshot.
    const name = `threadlab-node${major}`;
    const inst = run(node, [
      join(root, "bin/threadlab.js"),
      "install",
      "--sys-prefix",
      "--python",
      venvPython,
      "--name",
      name,
    ]);
    if (inst.status !== 0) {
      console.log(`not ok - install kernelspec ${name}\n${inst.stdout}${inst.stderr}`);
      failed++;
      continue;
    }
    console.log(`\n=== conformance on Node.js ${version} (kernelspec ${name})`);
    pytest(["test/conformance"], { ...env, THREADLAB_KERNEL_NAME: name });
    if (noUi) continue;
    // The sidebar against that kernel in a real JupyterLab: attach, a live map (with the worker CPU column as
    // this line has it), a setting the kernel obeys, and a restart. The rest of the UI suite runs once, below.
    console.log(`\n=== sidebar UI tests on Node.js ${version} (kernelspec ${name})`);
    const ui = await runUiTests(["test/ui/sidebar.spec.ts", "--grep", OTHER_LINE_UI], { THREADLAB_KERNEL_NAME: name });
    tally(ui, `ui (${name})`);
  }
}

/** node:test over `files` with `node`; its TAP is streamed and its summary lines read for the closing count. */
function nodeTests(node, files, version = process.version) {
  const r = run(node, ["--test", "--test-reporter=tap", "--test-concurrency=1", ...files], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  process.stdout.write(r.stdout);
  // Leaf and parent test points alike: a failed file names its file, a failed test its title.
  for (const m of r.stdout.matchAll(/^(\s*)not ok \d+ - (.*)$/gm)) failures.push(`node ${version}: ${m[1]}${m[2]}`);
  passed += count(r.stdout, /^# pass (\d+)/m);
  failed += count(r.stdout, /^# fail (\d+)/m) + count(r.stdout, /^# cancelled (\d+)/m);
  skipped += count(r.stdout, /^# skipped (\d+)/m) + count(r.stdout, /^# todo (\d+)/m);
  if (r.status !== 0 && count(r.stdout, /^# fail (\d+)/m) === 0) failed += 1;
}

function pytest(paths, pyEnv = env) {
  const r = run(venvPython, ["-m", "pytest", "-q", "-rfEs", "-p", "no:cacheprovider", ...paths], {
    env: pyEnv,
    stdio: ["ignore", "pipe", "inherit"],
  });
  process.stdout.write(r.stdout);
  const line = r.stdout.trim().split("\n").pop() ?? "";
  const kernel = pyEnv.THREADLAB_KERNEL_NAME ? ` (${pyEnv.THREADLAB_KERNEL_NAME})` : "";
  for (const m of r.stdout.matchAll(/^(FAILED|ERROR) (.*)$/gm)) failures.push(`pytest${kernel}: ${m[1]} ${m[2]}`);
  passed += count(line, /(\d+) passed/);
  failed += count(line, /(\d+) failed/) + count(line, /(\d+) error/);
  skipped += count(line, /(\d+) skipped/);
  if (r.status !== 0 && r.status !== 5 && !/(failed|error)/.test(line)) failed += 1;
}

if (!noPython && areas.length === 0) {
  console.log("\n=== python-driven tests (pytest)");
  pytest(["test"]);
}

if (!noUi && !onlyPython && areas.length === 0) {
  console.log("\n=== UI tests (galata, Chromium)");
  tally(await runUiTests(), "ui");
}

function tally(ui, label) {
  passed += ui.passed;
  failed += ui.failed;
  skipped += ui.skipped;
  for (const t of ui.failures) failures.push(`${label}: ${t}`);
}

function count(text, re) {
  const m = re.exec(text);
  return m ? Number(m[1]) : 0;
}

if (failures.length) {
  console.log(`\n=== failed (${failures.length} test points; details above)`);
  for (const f of failures.slice(0, 60)) console.log(f);
  if (failures.length > 60) console.log(`… and ${failures.length - 60} more`);
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
