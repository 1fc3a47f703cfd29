import type { MaterializeContext, ShippedFunction } from "./types";

/**
 * Rebuilds a shipped function inside a worker. Data, modules and models become parameters of one generated
 * function; code entries are declared inside it (functions are hoisted by name at call time, so entries may
 * refer to each other in any order).
 */
export function materialize(shipped: ShippedFunction, ctx: MaterializeContext): (...args: unknown[]) => unknown {
  const params: string[] = [];
  const args: unknown[] = [];
  const decls: string[] = [];
  for (const [name, v] of Object.entries(shipped.scope)) {
    switch (v.kind) {
      case "value":
        params.push(name);
        args.push(v.value);
        break;
      case "module": {
        params.push(name);
        const mod = ctx.require(v.specifier) as Record<string, unknown>;
        args.push(v.property ? mod[v.property] : mod);
        break;
      }
      case "model":
        params.push(name);
        args.push(ctx.model(v.id));
        break;
      case "code":
        decls.push(`const ${name} = (${v.code});`);
        break;
    }
  }
  const body = `"use strict";\n${decls.join("\n")}\nreturn (${shipped.code});\n//# sourceURL=threadlab-shipped/${encodeURIComponent(shipped.name)}.js`;
  // new Function, not vm: the function must run in the worker's own realm so that typed arrays and
  // SharedArrayBuffers from structured clone are the same classes the code sees.
  const factory = new Function(...params, body) as (...a: unknown[]) => (...args: unknown[]) => unknown;
  return factory(...args);
}
