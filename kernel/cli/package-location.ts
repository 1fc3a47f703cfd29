/**
 * Where the installed kernelspec's threadlab lives. `npx threadlab install` runs threadlab from npm's exec
 * cache (`<cache>/_npx/<hash>/node_modules/threadlab`), which npm may clear at any time; a kernelspec
 * pointing there breaks later with no hint why. So an npx run copies its whole node_modules tree (threadlab
 * and its production dependencies, prebuilt binaries included) into the Jupyter data directory it installs
 * into, and the kernelspec points at the copy; `threadlab uninstall` removes it with the kernelspec.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, sep } from "node:path";

/** This package's root (the folder holding package.json and bin/). */
export { PACKAGE_ROOT as packageRoot } from "../package-root";

/** True for a package inside npm's exec cache: a directory named `_npx` on its path. */
export function inNpxCache(dir: string): boolean {
  return dir.split(sep).includes("_npx");
}

/** `<data>/threadlab/<version>`: the copies live beside the kernelspecs of the same scope. */
export function copiesDir(data: string): string {
  return join(data, "threadlab");
}

/**
 * Copies the npx tree holding `root` to `<data>/threadlab/<version>/node_modules` and returns the copy's
 * package root. Copied to a temporary name first, then renamed, so a failed copy leaves the old one whole.
 */
export function copyOutOfNpxCache(root: string, data: string, version: string): string {
  const modules = dirname(root);
  if (basename(modules) !== "node_modules") {
    throw new Error(
      `threadlab runs from npx's cache at ${root}, but not from a node_modules folder there; install it with \`npm install -g threadlab\` and run \`threadlab install\` instead`,
    );
  }
  const target = join(copiesDir(data), version);
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    // verbatimSymlinks: node_modules/.bin holds relative links, which stay valid inside the copied tree.
    cpSync(modules, join(staging, "node_modules"), { recursive: true, verbatimSymlinks: true });
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`could not copy threadlab out of npx's cache into ${target}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return join(target, "node_modules", basename(root));
}

/** Removes the copies no kernelspec of that data directory uses any more. */
export function pruneCopies(data: string): string[] {
  const dir = copiesDir(data);
  if (!existsSync(dir)) return [];
  const specs = existsSync(join(data, "kernels"))
    ? readdirSync(join(data, "kernels")).map((k) => {
        try {
          return readFileSync(join(data, "kernels", k, "kernel.json"), "utf8");
        } catch {
          return "";
        }
      })
    : [];
  const removed: string[] = [];
  for (const version of readdirSync(dir)) {
    const copy = join(dir, version);
    if (!specs.some((s) => s.includes(copy + sep))) {
      rmSync(copy, { recursive: true, force: true });
      removed.push(copy);
    }
  }
  if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true, force: true });
  return removed;
}
