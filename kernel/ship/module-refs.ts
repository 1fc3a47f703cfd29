import Module = require("node:module");
import fs = require("node:fs");
import path = require("node:path");

/**
 * Recognises values that came from `require` (what tslab compiles every `import` to), so a worker can
 * require the module itself instead of receiving a copy of it.
 *
 * How imports appear among a notebook's names (tslab: ESNext → CommonJS with esModuleInterop):
 * - `import * as m from "x"`: `__importStar(require("x"))`, a fresh object with getters plus `default`
 *   (or the module itself when it has `__esModule`);
 * - `import d from "x"`: the module itself (or its `default` with `__esModule`); the cell's own code reads
 *   `x_1.default` through a `{ default: module }` wrapper;
 * - `import { a } from "x"`: the property value itself.
 */
export interface ModuleRef {
  readonly specifier: string;
  readonly property?: string;
  readonly interop?: "default" | "star";
}

interface LoadedModule {
  readonly exports: unknown;
  /** Resolved lazily: most lookups never need it. */
  readonly specifier: () => string;
}

// Deprecated or internal builtins: requiring them may print warnings; nobody imports them in a notebook.
const SKIPPED_BUILTINS = new Set(["sys", "punycode", "constants", "test"]);

/** One index per shipFunction call: the set of loaded modules changes between cells. */
export class ModuleIndex {
  private modules: LoadedModule[] | undefined;
  private properties: Map<unknown, { module: LoadedModule; property: string }> | undefined;
  private readonly resolveFromNotebook: NodeJS.Require;

  constructor(private readonly resolveDir: string) {
    this.resolveFromNotebook = Module.createRequire(path.resolve(resolveDir, "[threadlab-notebook].js"));
  }

  find(value: unknown): ModuleRef | undefined {
    if ((typeof value !== "object" && typeof value !== "function") || value === null) return undefined;
    const direct = this.moduleOf(value);
    if (direct) return direct;
    const wrapped = this.interopWrapper(value);
    if (wrapped) return wrapped;
    const p = this.propertyIndex().get(value);
    return p && { specifier: p.module.specifier(), property: p.property };
  }

  private moduleOf(value: unknown): ModuleRef | undefined {
    for (const m of this.loaded()) {
      if (m.exports === value) return { specifier: m.specifier() };
    }
    return undefined;
  }

  private interopWrapper(value: object): ModuleRef | undefined {
    if (Object.getPrototypeOf(value) !== Object.prototype) return undefined;
    const own = Object.getOwnPropertyDescriptor(value, "default");
    if (!own || !("value" in own)) return undefined;
    const inner = own.value as { __esModule?: unknown } | null;
    if ((typeof inner !== "object" && typeof inner !== "function") || inner === null || inner.__esModule) {
      return undefined;
    }
    const base = this.moduleOf(inner);
    if (!base) return undefined;
    const keys = Object.keys(value);
    if (keys.length === 1) return { ...base, interop: "default" };
    const starLike = keys.every((k) => {
      if (k === "default") return true;
      const d = Object.getOwnPropertyDescriptor(value, k);
      // __createBinding copies non-writable, non-configurable properties as data (fs.F_OK), the rest as getters.
      return (
        d !== undefined &&
        k in inner &&
        (d.get !== undefined || Object.is(d.value, (inner as Record<string, unknown>)[k]))
      );
    });
    return starLike ? { ...base, interop: "star" } : undefined;
  }

  /** Specifiers are resolved only for the properties found: resolving one costs file-system lookups. */
  private propertyIndex(): Map<unknown, { module: LoadedModule; property: string }> {
    if (this.properties) return this.properties;
    const index = new Map<unknown, { module: LoadedModule; property: string }>();
    for (const m of this.loaded()) {
      const exp = m.exports;
      if ((typeof exp !== "object" && typeof exp !== "function") || exp === null) continue;
      let keys: string[];
      try {
        keys = Object.keys(exp);
      } catch {
        continue; // exotic exports (a revoked Proxy) cannot have been imported from
      }
      for (const key of keys) {
        // Data properties only: a getter may compute, warn or load something.
        const d = Object.getOwnPropertyDescriptor(exp, key);
        if (!d || !("value" in d)) continue;
        const v: unknown = d.value;
        if ((typeof v === "object" || typeof v === "function") && v !== null && !index.has(v)) {
          index.set(v, { module: m, property: key });
        }
      }
    }
    this.properties = index;
    return index;
  }

  private loaded(): LoadedModule[] {
    if (this.modules) return this.modules;
    const modules: LoadedModule[] = [];
    const builtins = new Set(Module.builtinModules);
    // Only builtins already loaded: requiring the others would load them (and some print warnings).
    const loadedBuiltins = (process as unknown as { moduleLoadList?: string[] }).moduleLoadList
      ?.filter((s) => s.startsWith("NativeModule "))
      .map((s) => s.slice("NativeModule ".length))
      .filter((n) => builtins.has(n) && !n.startsWith("_") && !SKIPPED_BUILTINS.has(n));
    for (const name of loadedBuiltins ?? []) {
      try {
        modules.push({ exports: require(name) as unknown, specifier: () => name });
      } catch {
        // not loadable from user land
      }
    }
    const files = Object.values(require.cache)
      .filter((m): m is NodeJS.Module => m !== undefined && m.loaded)
      .sort((a, b) => a.filename.length - b.filename.length);
    for (const m of files) {
      let specifier: string | undefined;
      modules.push({ exports: m.exports, specifier: () => (specifier ??= this.specifierFor(m.filename)) });
    }
    this.modules = modules;
    return modules;
  }

  /** The package name (or name/subpath) when it resolves to this file from the notebook, else the path. */
  private specifierFor(filename: string): string {
    const pkg = packageOf(filename);
    if (pkg) {
      const rel = path.relative(pkg.root, filename).split(path.sep).join("/");
      const candidates = [pkg.name, `${pkg.name}/${rel}`, `${pkg.name}/${rel.replace(/\.(c?js|json)$/, "")}`];
      for (const c of candidates) {
        try {
          if (this.resolveFromNotebook.resolve(c) === filename) return c;
        } catch {
          // not reachable under this name from the notebook's directory
        }
      }
    }
    return filename;
  }
}

function packageOf(filename: string): { root: string; name: string } | undefined {
  let dir = path.dirname(filename);
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      try {
        const name = (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: unknown }).name;
        if (typeof name === "string" && name) return { root: dir, name };
      } catch {
        // a broken manifest: keep looking upward
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir || path.basename(dir) === "node_modules") return undefined;
    dir = parent;
  }
}
