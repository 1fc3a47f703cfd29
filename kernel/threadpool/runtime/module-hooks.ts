/**
 * Seeing a package the moment the notebook `require`s it, in this thread, without ever requiring it ourselves.
 *
 * Why a load hook and not `require.cache` alone: some pools are per object, and the library keeps no list of
 * its objects. DuckDB's `threads` lives in each database instance; `@duckdb/node-api` has no registry of open
 * instances (its `DuckDBInstanceCache` only knows the ones made by `fromCache`). The only way to reach every
 * live instance is to see each one created, which means wrapping `DuckDBInstance.create` / `fromCache`
 * before the first call — that is, when the module is loaded, not when `%threadpool` first looks. Likewise a
 * pool worker must give onnxruntime sessions its backend threads although the body requires the package after
 * the worker started. `Module._load` is what require-in-the-middle (OpenTelemetry) wraps for the same reason;
 * `module.registerHooks` would be the documented door but only exists from Node 22.15.
 *
 * Cost: one string test per `require` call in this thread. Each thread (kernel, every worker) has its own
 * module registry, so each installs its own hook.
 *
 * @module
 */
import Module = require("node:module");

/** Called with a loaded module's exports; `request` is what the code passed to `require`. */
export type LoadWatcher = (exports: unknown) => void;

interface Watch {
  /** Tested against the request string, e.g. /^@duckdb\/node-api$/. */
  request: RegExp;
  onLoad: LoadWatcher;
}

const watches: Watch[] = [];
let installed = false;

type LoadFn = (request: string, parent: unknown, isMain: boolean) => unknown;

/**
 * Calls `onLoad(exports)` once per module object whose request matches, both for a module already in
 * `require.cache` (found with `alreadyLoaded`) and for every later `require` of it. Never loads anything.
 */
export function watchModule(request: RegExp, onLoad: LoadWatcher, alreadyLoaded?: () => unknown): void {
  watches.push({ request, onLoad });
  install();
  const now = alreadyLoaded?.();
  if (now) notify(onLoad, now);
}

function notify(onLoad: LoadWatcher, exports: unknown): void {
  if (!exports || (typeof exports !== "object" && typeof exports !== "function")) return;
  // One call per (watcher, module object): a second `require` returns the cached object.
  const key = exports as object;
  const marks = (seenBy.get(key) ?? new Set<LoadWatcher>()) as Set<LoadWatcher>;
  if (marks.has(onLoad)) return;
  marks.add(onLoad);
  seenBy.set(key, marks);
  try {
    onLoad(exports);
  } catch {
    // A watcher failing must never make the notebook's own require fail.
  }
}

const seenBy = new WeakMap<object, Set<LoadWatcher>>();

function install(): void {
  if (installed) return;
  installed = true;
  const mod = Module as unknown as { _load: LoadFn };
  const original = mod._load;
  mod._load = function (this: unknown, request: string, parent: unknown, isMain: boolean) {
    const exports = original.call(this, request, parent, isMain);
    if (typeof request === "string") {
      for (const w of watches) if (w.request.test(request)) notify(w.onLoad, exports);
    }
    return exports;
  };
}
