import ts = require("@tslab/typescript-for-tslab");

/**
 * TypeScript's emit helpers (`__awaiter`, `__rest`, `__importStar`, …). tslab compiles for ES2022, so cells
 * rarely use them, but compiled code that does (an import in the same cell, a lower target) declares them
 * in the cell, not globally: a worker needs its own copy. The text comes from the very compiler that
 * emitted the calls, so the two always agree.
 */

interface EmitHelperInternal {
  readonly importName?: string;
  readonly scoped: boolean;
  readonly text: string | ((name: (n: string) => string) => string);
}

interface TsEmitInternals {
  getAllUnscopedEmitHelpers(): ReadonlyMap<string, EmitHelperInternal>;
}

let helpers: Map<string, string> | undefined;

function table(): Map<string, string> {
  if (helpers) return helpers;
  helpers = new Map();
  for (const helper of (ts as unknown as TsEmitInternals).getAllUnscopedEmitHelpers().values()) {
    if (helper.importName && typeof helper.text === "string") helpers.set(helper.importName, helper.text);
  }
  return helpers;
}

export function isTsHelperName(name: string): boolean {
  return table().has(name);
}

/**
 * An expression evaluating to the helper, and the other helpers its text calls. The helper texts start
 * with `var __x = (this && this.__x) || function …`: run in strict mode, `this` is undefined and the
 * helper's own definition wins.
 */
export function tsHelperCode(name: string): { code: string; uses: string[] } | undefined {
  const text = table().get(name);
  if (text === undefined) return undefined;
  const uses = [...new Set(text.match(/\b__[A-Za-z]+\b/g) ?? [])].filter((n) => n !== name && table().has(n));
  return { code: `(function () {\n${text}\nreturn ${name};\n})()`, uses };
}
