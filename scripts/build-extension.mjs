#!/usr/bin/env node
// `npm run build:extension`: the JupyterLab extension, prebuilt, without the Python jupyterlab package.
//   1. tsc -p extension (browser ES modules → extension/lib/)
//   2. extension/package.json gets the root's name and version; schema/plugin.json goes to the folder the
//      builder copies settings schemas from (schema/ itself also holds protocol.ts, which is no schema)
//   3. @jupyter/builder's build-labextension → extension/labextension/ (what `threadlab install` copies to
//      <prefix>/share/jupyter/labextensions/threadlab, and what the wheel ships)
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..");
// tslab's TypeScript 5.0 fork also declares a `tsc` bin and npm may link it in .bin: use TypeScript's own.
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

run(tsc, ["-p", join(root, "extension", "tsconfig.json")]);

const rootPkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const extPkgPath = join(root, "extension", "package.json");
const extPkg = JSON.parse(readFileSync(extPkgPath, "utf8"));
if (
  extPkg.name !== rootPkg.name ||
  extPkg.version !== rootPkg.version ||
  extPkg.dependencies?.zod !== rootPkg.dependencies?.zod
) {
  extPkg.name = rootPkg.name;
  extPkg.version = rootPkg.version;
  extPkg.dependencies = { ...extPkg.dependencies, zod: rootPkg.dependencies.zod };
  writeFileSync(extPkgPath, JSON.stringify(extPkg, null, 2) + "\n");
}

const schemaOut = join(root, "extension", "lib", "settings-schema");
mkdirSync(schemaOut, { recursive: true });
cpSync(join(root, "schema", "plugin.json"), join(schemaOut, "plugin.json"));

const core = join(root, "node_modules", "@jupyterlab", "core-meta", "core.package.json");
if (!existsSync(core)) {
  console.error("node_modules/@jupyterlab/core-meta is missing: run `npm install` first.");
  process.exit(1);
}
// @jupyter/builder declares no bin; its CLI is lib/build-labextension.js.
run(process.execPath, [
  join(root, "node_modules", "@jupyter", "builder", "lib", "build-labextension.js"),
  "--core-package-file",
  core,
  join(root, "extension"),
]);
