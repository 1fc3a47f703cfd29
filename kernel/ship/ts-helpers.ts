import ts = require("typescript");

/**
 * TypeScript's emit helpers (`__awaiter`, `__rest`, `__importStar`, `__disposeResources`, …). Cells are
 * compiled for ES2023 or newer, so they need few (an import in the same cell, `using`), but compiled code
 * that does declares them in the cell, not globally: a worker needs its own copy. The text comes from the very compiler that
 * emitted the calls, so the two always agree.
 */

/**
 * Code that makes TypeScript emit its helpers, which are then read off the emitted file (`ts.getEmitHelpers`,
 * public API). TypeScript 5 had a table of them (`getAllUnscopedEmitHelpers`), gone from 6. ES2015 lowers
 * async functions and generators, object rest, private fields and `using`; CommonJS with esModuleInterop
 * needs the import helpers; both decorator flavours need theirs. Helpers only an ES5 target needs
 * (`__extends`, `__generator`, …) are left out: cells are compiled for ES2023 or newer (node-target.ts).
 */
const PROBES: ReadonlyArray<{ source: string; options: ts.CompilerOptions }> = [
  {
    source: `import d, * as ns from "m"; export * from "m2"; export { d, ns };
export async function a() { await 0; }
export async function* g(): AsyncGenerator<number> { yield* g(); for await (const x of g()) void x; }
export const { x, ...rest } = { x: 1, y: 2 };
export class C { #p = 1; static has(c: C) { return #p in c && c.#p; } set(v: number) { this.#p = v; } }
export function u() { using r = null as any; void r; }
export async function au() { await using r = null as any; void r; }
declare const dec: any; @dec export class D { m(@dec p: number) { return p; } }`,
    options: {
      target: ts.ScriptTarget.ES2015,
      module: ts.ModuleKind.CommonJS,
      esModuleInterop: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
    },
  },
  {
    source: `declare const dec: any; declare const k: () => string;
export const E = class { @dec m() {} @dec accessor a = 1; @dec static [k()] = 1; };`,
    options: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS },
  },
];

let helpers: Map<string, string> | undefined;

function table(): Map<string, string> {
  if (helpers) return helpers;
  const found = new Map<string, string>();
  const add = (h: ts.EmitHelper): void => {
    const name = (h as { importName?: string }).importName; // set on unscoped helpers, not in the API
    if (!name || found.has(name) || typeof h.text !== "string") return;
    found.set(name, h.text);
    for (const dep of h.dependencies ?? []) add(dep);
  };
  const collect: ts.TransformerFactory<ts.SourceFile> = () => (sf) => {
    for (const h of ts.getEmitHelpers(sf) ?? []) add(h);
    return sf;
  };
  for (const probe of PROBES)
    ts.transpileModule(probe.source, { compilerOptions: probe.options, transformers: { after: [collect] } });
  return (helpers = found);
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
