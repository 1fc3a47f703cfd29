import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * Makes `@types/node`, the `threadlab` module and the cell globals' types visible to the cells' compiler
 * from any notebook directory.
 *
 * The converter (as tslab's) looks for type roots from the notebook's directory upwards and, failing that,
 * under tslab's node_modules, which npm's hoisting empties: every cell then fails with "Cannot find name
 * 'console'" (NOTES §1). The compiler reads files through `ts.sys`, so we forward two virtual folders under
 * `<cwd>/node_modules` to where the packages really are — the same trick tslab uses for `tslab` itself.
 * The TS module's functions are non-writable getters (esbuild bundle), so `ts.sys` is the only hook.
 */
export function installTypeScriptForwarding(cwd: string, packageRoot: string): void {
  const ts = require("typescript") as { sys: Record<string, (...a: any[]) => any> };
  const sys = ts.sys;
  if ((sys as any).__threadlabForwarded) return;
  const nodeTypes = dirname(require.resolve("@types/node/package.json"));
  const base = norm(join(cwd, "node_modules"));
  const forwards: Array<[string, string]> = [
    [`${base}/@types/node`, norm(nodeTypes)],
    [`${base}/threadlab`, norm(packageRoot)],
    // The kernel's cell globals (input, prompt): a type root package, so every cell sees them.
    [`${base}/@types/threadlab-globals`, norm(join(packageRoot, "kernel", "assets", "globals"))],
  ];
  const forward = (p: string): string => {
    // The compiler calls these hooks thousands of times per cell: bail out cheaply for unrelated paths.
    if (typeof p !== "string" || !p.includes("node_modules")) return p;
    const n = norm(p);
    for (const [from, to] of forwards) {
      if (n === from || n.startsWith(from + "/")) return to + n.slice(from.length);
    }
    return p;
  };
  const virtualDirs = new Set([base, `${base}/@types`]);
  const wrap = (name: string, fn: (orig: (...a: any[]) => any) => (...a: any[]) => any) => {
    const orig = sys[name].bind(sys);
    sys[name] = fn(orig);
  };
  wrap(
    "fileExists",
    (orig) =>
      (p: string, ...rest) =>
        orig(forward(p), ...rest),
  );
  wrap(
    "readFile",
    (orig) =>
      (p: string, ...rest) =>
        orig(forward(p), ...rest),
  );
  wrap("directoryExists", (orig) => (p: string) => virtualDirs.has(norm(p)) || orig(forward(p)));
  wrap("realpath", (orig) => (p: string) => orig(forward(p)));
  wrap("getDirectories", (orig) => (p: string) => {
    const n = norm(p);
    if (n === `${base}/@types`) {
      const real = existsSync(n) ? readdirSync(n) : [];
      return Array.from(new Set([...real, "node", "threadlab-globals"]));
    }
    if (n === base) {
      const real = existsSync(n) ? orig(p) : [];
      return Array.from(new Set([...real, "@types", "threadlab"]));
    }
    return orig(forward(p));
  });
  wrap(
    "readDirectory",
    (orig) =>
      (p: string, ...rest) =>
        orig(forward(p), ...rest),
  );
  // No file-system watching of any node_modules, nor of the notebook directory itself (its files are watched
  // one by one). TypeScript debounces what its watchers report through timers, and the converter's compiler
  // host allows one pending timer only: `%npm install` writing there while a failed module lookup was being
  // watched left two, and every later cell failed ("a rebuild is already pending"). New packages are still
  // found: each cell's new imports are resolved when it compiles. And the kernel's own node_modules, where
  // @types/node really is: TypeScript watches it recursively for the lookups that fail inside it (undici-types
  // from @types/node), which on Linux means walking the whole tree with a watcher per directory — measured
  // 1.5 s of the first cell's 1.8 s with TypeScript 6 (bench/README.md) — for packages that do not change
  // under a running kernel.
  const quiet = { close: () => undefined };
  wrap(
    "watchDirectory",
    (orig) =>
      (p: string, ...rest) =>
        inNodeModules(norm(p)) || norm(p) === norm(cwd) ? quiet : orig(p, ...rest),
  );
  (sys as any).__threadlabForwarded = true;
}

function inNodeModules(p: string): boolean {
  return p.endsWith("/node_modules") || p.includes("/node_modules/");
}

function norm(p: string): string {
  return resolve(p).replace(/\\/g, "/");
}
