#!/usr/bin/env node
// Creates ./.venv and installs the Python side (JupyterLab, jupyter_client, test tools) into it.
// Idempotent: a stamp file holds the hash of the requirement files, so a second run costs nothing.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const venv = join(root, ".venv");
export const venvPython = join(venv, "bin", "python");
const requirementFiles = ["binder/requirements.txt", "test/requirements.txt"];

export function ensureVenv({ quiet = false } = {}) {
  const hash = createHash("sha256");
  for (const f of requirementFiles) hash.update(readFileSync(join(root, f)));
  const want = hash.digest("hex");
  const stamp = join(venv, ".threadlab-requirements");
  if (existsSync(venvPython) && existsSync(stamp) && readFileSync(stamp, "utf8") === want) return venvPython;
  const py = process.env.PYTHON ?? "python3";
  if (!existsSync(venvPython)) {
    log(quiet, `creating ${venv} with ${py}`);
    execFileSync(py, ["-m", "venv", venv], { stdio: "inherit" });
  }
  log(quiet, "installing Python requirements into .venv (JupyterLab, jupyter_kernel_test, nbclient, pytest)");
  execFileSync(
    venvPython,
    ["-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", join(root, "test/requirements.txt")],
    { stdio: "inherit", cwd: join(root, "test") },
  );
  writeFileSync(stamp, want);
  return venvPython;
}

function log(quiet, msg) {
  if (!quiet) console.log(`[venv] ${msg}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureVenv();
