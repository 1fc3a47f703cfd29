import type { MaterializeContext, ShippedFunction, ShippedValue } from "./types";
import { restorePrototypes } from "./value-walk";

/**
 * Rebuilds a shipped function inside a worker. Data, modules and models become parameters of one generated
 * function; code entries are declared inside it, each evaluated on its own (direct `eval`, so it still sees
 * every other entry by name) with a `sourceURL` naming it: a worker stack then reads
 * `at score (notebook:score:3:14)`, line 3 of `score`'s own source, not of some generated file.
 *
 * Worker-side code: no TypeScript compiler here.
 */

/** Stack frames of shipped code carry `notebook:<name>:<line>:<column>`. */
export const SOURCE_URL_PREFIX = "notebook:";

const RESTORE = "__threadlab_restore";
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export function materialize(shipped: ShippedFunction, ctx: MaterializeContext): (...args: unknown[]) => unknown {
  return compileShipped(shipped).bind(ctx, valuesOf(shipped));
}

/**
 * A shipped function compiled once, to be bound again for every map. Compiling (`new Function` over every code
 * entry) is the costly half of rebuilding; binding runs the compiled factory with the map's own copies of the
 * captured values, so each map still starts from fresh values and fresh closures, as if rebuilt from scratch.
 */
export interface CompiledShipped {
  /** Names of the scope's `value` entries, in the order `bind` takes their values. */
  readonly valueNames: readonly string[];
  /**
   * Nothing in the scope can carry state from one map to the next (no values, code entries, models or
   * wrapper objects): one bound function may serve every map.
   */
  readonly stateless: boolean;
  bind(ctx: MaterializeContext, values: readonly unknown[]): (...args: unknown[]) => unknown;
}

/** The values of a shipped function's `value` entries, in scope order (see `CompiledShipped.valueNames`). */
export function valuesOf(shipped: ShippedFunction): unknown[] {
  const values: unknown[] = [];
  for (const name in shipped.scope) {
    const v = shipped.scope[name];
    if (v.kind === "value") values.push(v.value);
  }
  return values;
}

/** Compiles the factory of a shipped function; its `value` entries' values are not read (see `bind`). */
export function compileShipped(shipped: ShippedFunction): CompiledShipped {
  const params: string[] = [RESTORE];
  const valueNames: string[] = [];
  const binders: ((ctx: MaterializeContext, values: readonly unknown[]) => unknown)[] = [];
  const code: [string, Extract<ShippedValue, { kind: "code" }>][] = [];
  const fixups: string[] = [];
  let stateless = true;

  for (const [name, v] of Object.entries(shipped.scope)) {
    if (!IDENTIFIER.test(name))
      throw new Error(`threadlab: shipped scope name ${JSON.stringify(name)} is not an identifier`);
    switch (v.kind) {
      case "value": {
        params.push(name);
        const k = valueNames.push(name) - 1;
        binders.push((_, values) => values[k]);
        stateless = false;
        if (v.prototypes && v.prototypes.length > 0) {
          const list = v.prototypes.map(([index, ctor]) => {
            if (ctor !== null && !IDENTIFIER.test(ctor)) throw new Error(`threadlab: bad constructor name ${ctor}`);
            return `[${Number(index)}, ${ctor ?? "null"}]`;
          });
          fixups.push(`${RESTORE}(${name}, [${list.join(", ")}]);`);
        }
        break;
      }
      case "module":
        params.push(name);
        // Required at bind time, as before: the require cache makes it cheap, and wrappers stay per map.
        binders.push((ctx) => loadModule(shipped, ctx, name, v));
        if (v.interop !== undefined) stateless = false;
        break;
      case "model":
        params.push(name);
        binders.push((ctx) => ctx.model(v.id));
        stateless = false;
        break;
      case "require":
        params.push(name);
        binders.push((ctx) => (specifier: string) => ctx.require(specifier));
        break;
      case "code":
        code.push([name, v]);
        stateless = false;
        break;
    }
  }

  const decls = definitionOrder(code).map(
    ([name, v]) => `const ${name} = eval(${JSON.stringify(namedSource(name, v.code, name))});`,
  );
  const entryName = IDENTIFIER.test(shipped.name) && !(shipped.name in shipped.scope) ? shipped.name : undefined;
  const entry =
    IDENTIFIER.test(shipped.code) && shipped.code in shipped.scope
      ? shipped.code
      : `eval(${JSON.stringify(namedSource(entryName, shipped.code, shipped.name))})`;
  const body = `"use strict";\n${decls.join("\n")}\n${fixups.join("\n")}\nreturn ${entry};`;

  let factory: (...a: unknown[]) => unknown;
  try {
    // new Function, not vm: the function must run in the worker's own realm so that typed arrays and
    // SharedArrayBuffers from structured clone are the same classes the code sees.
    factory = new Function(...params, body) as (...a: unknown[]) => unknown;
  } catch (e) {
    throw new Error(`threadlab: the shipped scope of \`${shipped.name}\` does not compile`, { cause: e });
  }

  return {
    valueNames,
    stateless,
    bind(ctx, values) {
      const args: unknown[] = [restorePrototypes];
      for (const b of binders) args.push(b(ctx, values));
      let fn: unknown;
      try {
        fn = factory(...args);
      } catch (e) {
        throw new Error(`threadlab: could not rebuild \`${shipped.name}\` in the worker: ${messageOf(e)}`, {
          cause: e,
        });
      }
      if (typeof fn !== "function") {
        throw new Error(`threadlab: \`${shipped.name}\` rebuilt in the worker is ${typeof fn}, not a function`);
      }
      return fn as (...args: unknown[]) => unknown;
    },
  };
}

/**
 * The stack of an error thrown by shipped code, without the worker machinery below the last frame of
 * shipped code (the pool's dispatch loop means nothing to a notebook user). With the ShippedFunction, entry
 * frames are also given the user's own line numbers when it carries them (`lines`, for cell bodies).
 */
export function trimWorkerStack(stack: string, shipped?: Pick<ShippedFunction, "name" | "lines">): string {
  const lines = stack.split("\n");
  let last = -1;
  lines.forEach((line, i) => {
    if (line.includes(`(${SOURCE_URL_PREFIX}`) || line.includes(` ${SOURCE_URL_PREFIX}`)) last = i;
  });
  const kept = last < 0 ? lines : lines.filter((line, i) => i <= last || !/^\s+at /.test(line));
  const map = shipped?.lines;
  if (!map || !shipped) return kept.join("\n");
  const frame = `${SOURCE_URL_PREFIX}${sourceLabel(shipped.name)}:`;
  const re = new RegExp(`${escapeRegExp(frame)}(\\d+):\\d+`, "g");
  // Columns are dropped: they count the compiled JavaScript, not what the user typed.
  return kept
    .map((line) =>
      line.replace(re, (whole, l: string) => {
        const user = map[Number(l) - 1];
        return user === undefined ? whole : `${frame}${user}`;
      }),
    )
    .join("\n");
}

/**
 * `const name = (code);\nname`: the binding gives anonymous arrows and classes their name (for stacks), and
 * the code starts on line 1, so stack line numbers are the function's own.
 */
function namedSource(name: string | undefined, code: string, label: string): string {
  const url = `${SOURCE_URL_PREFIX}${sourceLabel(label)}`;
  const expr = name ? `const ${name} = ${code};\n${name}` : `(${code})`;
  return `${expr}\n//# sourceURL=${url}`;
}

export function sourceLabel(name: string): string {
  return name.replace(/[^\w$.-]/g, "_");
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Definition-time needs first (a base class before its subclass); otherwise the order given. */
function definitionOrder<T extends { after?: readonly string[] }>(entries: [string, T][]): [string, T][] {
  const byName = new Map(entries);
  const out: [string, T][] = [];
  const state = new Map<string, boolean>();
  const visit = (name: string): void => {
    const v = byName.get(name);
    if (!v || state.has(name)) return;
    state.set(name, false);
    for (const dep of v.after ?? []) visit(dep);
    state.set(name, true);
    out.push([name, v]);
  };
  for (const [name] of entries) visit(name);
  return out;
}

function loadModule(
  shipped: ShippedFunction,
  ctx: MaterializeContext,
  name: string,
  v: Extract<ShippedValue, { kind: "module" }>,
): unknown {
  let mod: unknown;
  try {
    mod = ctx.require(v.specifier);
  } catch (e) {
    throw new Error(
      `threadlab: \`${name}\` of \`${shipped.name}\` needs module "${v.specifier}", which a worker ` +
        `could not load from ${shipped.resolveDir}: ${messageOf(e)}`,
      { cause: e },
    );
  }
  if (v.property !== undefined) return (mod as Record<string, unknown>)[v.property];
  const esModule = (mod as { __esModule?: unknown } | null)?.__esModule;
  if (v.interop === "default") return esModule ? mod : { default: mod };
  if (v.interop === "star") {
    if (esModule) return mod;
    // What TypeScript's __importStar builds: the module's own enumerable keys, plus `default`.
    const star: Record<string, unknown> = {};
    for (const key in mod as object) {
      if (key !== "default" && Object.prototype.hasOwnProperty.call(mod, key)) {
        star[key] = (mod as Record<string, unknown>)[key];
      }
    }
    star.default = mod;
    return star;
  }
  return mod;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
