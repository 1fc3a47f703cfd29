#!/usr/bin/env node
// `npm run test:ui`: the galata UI tests (test/ui/) in a real JupyterLab from ./.venv, driving Debian's
// Chromium — Playwright never downloads a browser here. Expects the kernel and extension built and installed
// into .venv (`npm test` does that first). Prints one closing line "N passed, N failed, N skipped" and exits
// non-zero on failure; `runUiTests()` returns the counts for scripts/test.mjs.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..");

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** `extraArgs` go to Playwright (spec files, `--grep`); `extraEnv` to the tests (THREADLAB_KERNEL_NAME: the kernelspec). */
export async function runUiTests(extraArgs = [], extraEnv = {}) {
  const chromium = process.env.CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(chromium)) {
    console.log(`[ui] ${chromium} is missing: apt-get install -y chromium (the UI tests never download a browser)`);
    return { passed: 0, failed: 1, skipped: 0, failures: ["chromium missing"] };
  }
  if (!existsSync(join(root, ".venv", "bin", "jupyter"))) {
    console.log("[ui] .venv/bin/jupyter is missing: run `npm test` (or `npm run setup:venv`) first");
    return { passed: 0, failed: 1, skipped: 0, failures: [".venv missing"] };
  }
  const out = join(root, "test-results", "ui");
  // Outside Playwright's outputDir, which it empties when it starts.
  const uiRoot = join(root, "test-results", "ui-root");
  rmSync(uiRoot, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
  mkdirSync(uiRoot, { recursive: true });
  mkdirSync(join(root, "docs", "images"), { recursive: true });
  const port = await freePort();
  const env = {
    ...process.env,
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1",
    THREADLAB_UI_PORT: String(port),
    THREADLAB_UI_ROOT: uiRoot,
    JUPYTER_PLATFORM_DIRS: "1",
    PATH: `${join(root, ".venv", "bin")}:${process.env.PATH}`,
    ...extraEnv,
  };
  const cli = join(root, "node_modules", "@playwright", "test", "cli.js");
  const r = spawnSync(
    process.execPath,
    [cli, "test", "-c", join(root, "test", "ui", "playwright.config.js"), ...extraArgs],
    { cwd: root, env, stdio: "inherit" },
  );
  const report = join(out, "results.json");
  if (!existsSync(report)) {
    console.log(`[ui] Playwright wrote no report (exit ${r.status}); see the output above`);
    return { passed: 0, failed: 1, skipped: 0, failures: ["no Playwright report"] };
  }
  const results = JSON.parse(readFileSync(report, "utf8"));
  const stats = results.stats ?? {};
  const counts = {
    passed: (stats.expected ?? 0) + (stats.flaky ?? 0),
    failed: stats.unexpected ?? 0,
    skipped: stats.skipped ?? 0,
    failures: unexpected(results.suites ?? []),
  };
  // A run that broke before any test (server did not start) still counts as a failure.
  if (r.status !== 0 && counts.failed === 0) counts.failed = 1;
  return counts;
}

/** The titles of the specs whose outcome was unexpected, from Playwright's JSON report (nested suites). */
function unexpected(suites, path = []) {
  const out = [];
  for (const s of suites) {
    const here = s.title ? [...path, s.title] : path;
    for (const spec of s.specs ?? [])
      if ((spec.tests ?? []).some((t) => t.status === "unexpected")) out.push([...here, spec.title].join(" › "));
    out.push(...unexpected(s.suites ?? [], here));
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const c = await runUiTests(process.argv.slice(2));
  console.log(`\n${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  process.exit(c.failed === 0 && c.passed > 0 ? 0 : 1);
}
