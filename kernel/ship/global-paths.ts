/**
 * Finds a function among the worker's globals (`Math.max`, `parseInt`, `console.log`, `structuredClone`), so
 * that native functions, which have no source, can still be shipped: by the path that names them.
 */

let index: Map<unknown, string> | undefined;
let indexedFor: ReadonlySet<string> | undefined;

export function globalPathOf(value: unknown, workerGlobals: ReadonlySet<string>): string | undefined {
  if (typeof value !== "function" && (typeof value !== "object" || value === null)) return undefined;
  if (!index || indexedFor !== workerGlobals) {
    index = buildIndex(workerGlobals);
    indexedFor = workerGlobals;
  }
  return index.get(value);
}

function buildIndex(workerGlobals: ReadonlySet<string>): Map<unknown, string> {
  const found = new Map<unknown, string>();
  const g = globalThis as Record<string, unknown>;
  const namespaces: [string, object][] = [];
  for (const name of workerGlobals) {
    if (name === "globalThis" || name === "global" || name === "self" || !(name in g)) continue;
    // Node 25+ prints an ExperimentalWarning into the cell on the first read of these getters without
    // --localstorage-file; they hold no functions a shipped function could name.
    if (name === "localStorage" || name === "sessionStorage") continue;
    let v: unknown;
    try {
      v = g[name];
    } catch {
      continue;
    }
    if ((typeof v === "function" || typeof v === "object") && v !== null) {
      if (!found.has(v)) found.set(v, name);
      namespaces.push([name, v]);
    }
  }
  // One level down (Math.max, JSON.parse, Number.isFinite, console.log), data properties only.
  for (const [name, ns] of namespaces) {
    for (const key of Object.getOwnPropertyNames(ns)) {
      const d = Object.getOwnPropertyDescriptor(ns, key);
      const v: unknown = d && "value" in d ? d.value : undefined;
      if (typeof v === "function" && !found.has(v) && /^[A-Za-z_$][\w$]*$/.test(key)) found.set(v, `${name}.${key}`);
    }
  }
  return found;
}
