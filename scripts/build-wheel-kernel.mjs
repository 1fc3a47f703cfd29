#!/usr/bin/env node
// `npm run build:wheel`: what the pip wheel carries besides the prebuilt extension, staged in build/wheel/
// (hatch-jupyter-builder runs this; pyproject.toml maps the folders into the wheel):
//   threadlab-<version>.tgz  the npm package (`npm pack`), kept: it is the npm artifact of the same build
//   kernel/node_modules  the npm package as `npm install` gives it — the packed tarball (prepack builds the
//                        kernel and the extension) and its production dependencies for this platform, install
//                        scripts off: zeromq's and koffi's prebuilt binaries are in their packages
//                        → <prefix>/share/threadlab/kernel/node_modules
//   kernelspec/          kernel.json and the launcher, which starts the first Node.js >= 20 on PATH
//                        → <prefix>/share/jupyter/kernels/threadlab
// So `pip install threadlab` gives the kernel as well as the sidebar, needing only Node.js on the machine.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..");
const out = join(root, "build", "wheel");
const run = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, stdio: ["ignore", "inherit", "inherit"] });

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "kernel"), { recursive: true });
run("npm", ["pack", "--pack-destination", out]);
const tarball = join(
  out,
  readdirSync(out).find((f) => f.endsWith(".tgz")),
);
// A package.json of its own, or npm would install into the nearest one above (the repository's).
writeFileSync(join(out, "kernel", "package.json"), JSON.stringify({ private: true }) + "\n");
run(
  "npm",
  [
    "install",
    "--omit=dev",
    "--ignore-scripts",
    "--prefer-offline",
    "--no-audit",
    "--no-fund",
    "--no-package-lock",
    tarball,
  ],
  join(out, "kernel"),
);

const require = createRequire(import.meta.url);
const { LOGOS, writeKernelspec } = require(join(root, "dist", "kernel", "cli", "kernelspec.js"));
const { version } = require(join(root, "package.json"));
const kernelspec = join(out, "kernelspec");
mkdirSync(kernelspec);
// <prefix>/share/jupyter/kernels/threadlab → <prefix>/share/threadlab/kernel/node_modules/threadlab
writeKernelspec(
  kernelspec,
  {
    version,
    node: "",
    entry: "../../../threadlab/kernel/node_modules/threadlab/bin/threadlab.js",
    repair: "pip install --force-reinstall threadlab",
  },
  "TypeScript (threadlab)",
  true,
);
for (const logo of LOGOS) {
  cpSync(join(root, "kernel", "assets", logo), join(kernelspec, logo));
}
