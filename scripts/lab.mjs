#!/usr/bin/env node
// `npm run lab`: everything a new user needs, idempotently — node_modules, ./.venv with JupyterLab, the build,
// the kernel (and the JupyterLab extension once built) installed into the venv — then JupyterLab opens
// in tutorials/. Extra arguments go to `jupyter lab` (e.g. `npm run lab -- --no-browser --port 8899`).
import { spawn, execFileSync } from "node:child_process";
import { join } from "node:path";
import { ensureNodeModules } from "./node-modules.mjs";
import { ensureVenv, root, venv, venvPython } from "./venv.mjs";

ensureNodeModules();
ensureVenv();
console.log("[lab] building");
execFileSync("npm", ["run", "-s", "build"], { cwd: root, stdio: "inherit" });
execFileSync(process.execPath, [join(root, "bin/threadlab.js"), "install", "--sys-prefix", "--python", venvPython], {
  cwd: root,
  stdio: "inherit",
});

const args = ["-m", "jupyterlab", "--notebook-dir", join(root, "tutorials"), ...process.argv.slice(2)];
// Jupyter refuses to run as root unless told; containers and CI machines often are root.
if (process.getuid?.() === 0) args.push("--ServerApp.allow_root=True");
console.log(`[lab] ${venvPython} ${args.join(" ")}`);
const lab = spawn(venvPython, args, {
  cwd: join(root, "tutorials"),
  stdio: "inherit",
  env: { ...process.env, PATH: `${join(venv, "bin")}:${process.env.PATH}` },
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => lab.kill(sig));
lab.on("exit", (code) => process.exit(code ?? 0));
