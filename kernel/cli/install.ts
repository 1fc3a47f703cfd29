import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { dataDir, scopeArgs, type ScopeOptions } from "./jupyter-paths";
import { LOGOS, writeKernelspec } from "./kernelspec";
import { copyOutOfNpxCache, inNpxCache, packageRoot, pruneCopies } from "./package-location";

export { dataDir } from "./jupyter-paths";

export interface InstallOptions extends ScopeOptions {
  name?: string;
  displayName?: string;
}

export interface InstallResult {
  kernelDir: string;
  labextension?: string;
  /** Set when threadlab ran from npx's cache and was copied out of it first. */
  copiedTo?: string;
}

function kernelName(opts: InstallOptions): string {
  const name = opts.name ?? "threadlab";
  if (!/^[a-z0-9._-]+$/i.test(name))
    throw new Error(`--name ${JSON.stringify(name)}: use letters, digits, '.', '_' or '-'`);
  return name;
}

/** Writes the kernelspec (Node and this package, by absolute path, behind a launcher) and the lab extension. */
export function install(opts: InstallOptions): InstallResult {
  const name = kernelName(opts);
  const scope = scopeArgs(opts);
  const data = dataDir(opts);
  const version = (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
  const root = inNpxCache(packageRoot) ? copyOutOfNpxCache(packageRoot, data, version) : packageRoot;
  const kernelDir = join(data, "kernels", name);
  mkdirSync(kernelDir, { recursive: true });
  const repair = ["threadlab", "install", ...scope, ...(name === "threadlab" ? [] : ["--name", name])].join(" ");
  writeKernelspec(
    kernelDir,
    { version, node: process.execPath, entry: join(root, "bin", "threadlab.js"), repair },
    opts.displayName ?? (name === "threadlab" ? "TypeScript (threadlab)" : `TypeScript (${name})`),
  );
  for (const logo of LOGOS) {
    const src = join(root, "kernel", "assets", logo);
    if (existsSync(src)) cpSync(src, join(kernelDir, logo));
  }
  const built = join(root, "extension", "labextension");
  let labextension: string | undefined;
  if (existsSync(join(built, "package.json"))) {
    labextension = join(data, "labextensions", "threadlab");
    rmSync(labextension, { recursive: true, force: true });
    cpSync(built, labextension, { recursive: true });
  }
  // A reinstall over an older copy leaves that copy unused.
  pruneCopies(data);
  return { kernelDir, labextension, copiedTo: root === packageRoot ? undefined : root };
}

export function uninstall(opts: InstallOptions): string[] {
  const name = kernelName(opts);
  const data = dataDir(opts);
  const removed: string[] = [];
  for (const dir of [join(data, "kernels", name), join(data, "labextensions", "threadlab")]) {
    if (existsSync(dir)) {
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  return [...removed, ...pruneCopies(data)];
}
