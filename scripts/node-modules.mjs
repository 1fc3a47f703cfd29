// Installs node_modules when they are missing or older than package-lock.json, so that `npm run lab`,
// `npm test` and a wheel build work on a fresh clone without a separate install step.
//
// `npm ci`, not `npm install`: the lock is the truth, and `npm install` re-resolves peer dependencies and
// refuses this tree (madge's optional TypeScript 5 peer beside the kernel's TypeScript 6).
//
// Run as a script it stands in for npm in hatch-jupyter-builder's npm_builder (pyproject.toml), which runs
// `<npm> install` and then `<npm> run <build_cmd>`: `install` is ensureNodeModules(), the rest goes to npm.
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { root } from "./venv.mjs";

export function ensureNodeModules() {
  const marker = join(root, "node_modules", ".package-lock.json");
  const lock = join(root, "package-lock.json");
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log("[setup] installing node_modules (npm ci)");
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, ...args] = process.argv.slice(2);
  if (command === "install") ensureNodeModules();
  else execFileSync("npm", [command, ...args], { cwd: root, stdio: "inherit" });
}
