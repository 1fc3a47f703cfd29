import inspector = require("node:inspector");

/**
 * Reads what a function actually captured, through V8's `[[Scopes]]` (the same internal property a debugger
 * shows). Source text alone cannot tell a notebook top-level name from a local of an enclosing function with
 * the same name, and cannot see the bindings TypeScript invents in a cell (`path_1` for an import, helpers):
 * the closure's scope chain can.
 *
 * The inspector session is in-process and synchronous; it needs neither `--inspect` nor a debugger attached.
 */

export type CaptureScope = "closure" | "block" | "script" | "module" | "with" | "catch" | "eval" | "local";

export interface CapturedBinding {
  readonly name: string;
  readonly value: unknown;
  readonly scope: CaptureScope;
  /** The enclosing function's name for closure scopes (`make` in "Closure (make)"), if it has one. */
  readonly functionName?: string;
}

interface RemoteObject {
  type: string;
  objectId?: string;
  description?: string;
}
interface RemoteValue extends RemoteObject {
  value?: unknown;
  unserializableValue?: string;
}
interface PropertyDescriptor {
  name: string;
  value?: RemoteValue;
}

let session: inspector.Session | undefined;
let unavailable = false;
let sequence = 0;

/**
 * The bindings among `names` that `fn` captured from enclosing scopes, innermost first. Names found only
 * in the global scope are left out (they are globals, decided elsewhere). Returns undefined when the
 * inspector cannot be used (Node built without it): callers then fall back to names alone.
 */
export function capturedBindings(fn: Function, names: Iterable<string>): Map<string, CapturedBinding> | undefined {
  const wanted = new Set(names);
  const found = new Map<string, CapturedBinding>();
  if (wanted.size === 0) return found;
  const s = connect();
  if (!s) return undefined;

  const group = `threadlab-ship-${++sequence}`;
  const slot = `__threadlab_probe_${sequence}`;
  const g = globalThis as Record<string, unknown>;
  try {
    g[slot] = fn;
    const fnObject = post<{ result: RemoteObject }>(s, "Runtime.evaluate", {
      expression: `globalThis[${JSON.stringify(slot)}]`,
      objectGroup: group,
    }).result;
    if (!fnObject.objectId) return undefined;
    const internal =
      post<{ internalProperties?: PropertyDescriptor[] }>(s, "Runtime.getProperties", {
        objectId: fnObject.objectId,
        ownProperties: true,
      }).internalProperties ?? [];
    const scopesId = internal.find((p) => p.name === "[[Scopes]]")?.value?.objectId;
    if (!scopesId) return found;
    const scopes = post<{ result: PropertyDescriptor[] }>(s, "Runtime.getProperties", {
      objectId: scopesId,
      ownProperties: true,
    })
      .result.filter((p) => /^\d+$/.test(p.name))
      .sort((a, b) => Number(a.name) - Number(b.name));

    for (const scope of scopes) {
      const description = scope.value?.description ?? "";
      const kind = scopeKind(description);
      if (kind === undefined || !scope.value?.objectId) continue; // Global: not a capture
      const variables = post<{ result: PropertyDescriptor[] }>(s, "Runtime.getProperties", {
        objectId: scope.value.objectId,
        ownProperties: true,
      }).result;
      for (const variable of variables) {
        if (!wanted.has(variable.name) || found.has(variable.name)) continue;
        // A RemoteObject is a description; handing it back as an argument yields the live value (same
        // identity), which the notebook-name and module checks compare against.
        post(s, "Runtime.callFunctionOn", {
          objectId: fnObject.objectId,
          functionDeclaration: `function (v) { globalThis[${JSON.stringify(slot)}] = v; }`,
          arguments: [callArgument(variable.value)],
          objectGroup: group,
        });
        const match = /^Closure \((.+)\)$/.exec(description);
        found.set(variable.name, {
          name: variable.name,
          value: g[slot],
          scope: kind,
          ...(match ? { functionName: match[1] } : {}),
        });
      }
    }
    return found;
  } catch (e) {
    // The inspector answered something unexpected: shipping still works from names, less precisely.
    if (process.env.THREADLAB_DEBUG) console.error("threadlab: reading closure scopes failed", e);
    return undefined;
  } finally {
    delete g[slot];
    try {
      post(s, "Runtime.releaseObjectGroup", { objectGroup: group });
    } catch {
      // nothing to release
    }
  }
}

function callArgument(remote: RemoteValue | undefined): object {
  if (!remote || remote.type === "undefined") return {};
  if (remote.objectId) return { objectId: remote.objectId };
  if (remote.unserializableValue !== undefined) return { unserializableValue: remote.unserializableValue };
  return { value: remote.value };
}

function scopeKind(description: string): CaptureScope | undefined {
  const head = description.split(" ")[0];
  switch (head) {
    case "Closure":
      return "closure";
    case "Block":
      return "block";
    case "Script":
      return "script";
    case "Module":
      return "module";
    case "With":
      return "with";
    case "Catch":
      return "catch";
    case "Eval":
      return "eval";
    case "Local":
      return "local";
    default:
      return undefined;
  }
}

function connect(): inspector.Session | undefined {
  if (session || unavailable) return session;
  try {
    const s = new inspector.Session();
    s.connect();
    session = s;
  } catch {
    unavailable = true;
  }
  return session;
}

function post<T = unknown>(s: inspector.Session, method: string, params: object): T {
  let result: T | undefined;
  let error: Error | null = null;
  let answered = false;
  s.post(method, params, (err: Error | null, res?: object) => {
    error = err;
    result = res as T;
    answered = true;
  });
  // An in-thread session answers before post returns; anything else would be a different Node.
  if (!answered) throw new Error(`inspector did not answer ${method} synchronously`);
  if (error) throw new Error(`inspector ${method} failed`, { cause: error });
  return result as T;
}
