/**
 * What cells are compiled with (the watch program's options, the notebook's type roots) and to (CommonJS, for
 * the executor).
 */
import pathlib from "node:path";
import ts = require("typescript");

/** Where in the notebook directory tslab's own module (`import … from "tslab"`) is made to appear. */
export const TSLAB_ROOT = pathlib.dirname(require.resolve("tslab/package.json"));

/** The compiler's options for a notebook's cells. */
export function cellCompilerOptions(o: {
  target: ts.ScriptTarget;
  /** TypeScript lib names (`es2023`), without the `lib.`…`.d.ts` wrapping. */
  lib: readonly string[];
  typeRoots: string[];
  /** The notebook directory: keeps the output paths of its own files stable. */
  rootDir: string;
  outDir: string;
}): ts.CompilerOptions {
  return {
    // ESNext, not ES2015: dynamic import() stays. The output becomes CommonJS afterwards (toCommonJS).
    module: ts.ModuleKind.ESNext,
    // tslab used node10, deprecated in TypeScript 6 and gone in 7. `bundler` resolves the same extensionless
    // paths and node_modules, and also reads package.json "exports" (so do Node's require and import).
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    esModuleInterop: true,
    target: o.target,
    lib: o.lib.map((l) => `lib.${l}.d.ts`),
    // TypeScript 6 defaults `types` to none; cells see every @types package of the notebook, as before.
    types: ["*"],
    // TypeScript 6 defaults to strict; cells keep tslab's non-strict checking, so existing notebooks run as
    // they did.
    strict: false,
    noUncheckedSideEffectImports: false,
    declaration: true,
    newLine: ts.NewLineKind.LineFeed,
    experimentalDecorators: true,
    resolveJsonModule: true,
    jsx: ts.JsxEmit.React,
    typeRoots: o.typeRoots,
    // allowJs, checkJs and outDir: the notebook directory's .js files are compiled as side outputs too.
    allowJs: true,
    checkJs: true,
    // Errors in declaration files (@types) are not the cell's; skipping them also saves time.
    skipLibCheck: true,
    rootDir: o.rootDir,
    outDir: o.outDir,
  };
}

/**
 * The notebook's type roots: `node_modules/@types` from the notebook directory upwards (typescript-env.ts
 * makes the kernel's @types/node appear there), or tslab's own when none of them has @types/node.
 */
export function typeRoots(cwd: string, sys: ts.System): string[] {
  const roots = (ts.getEffectiveTypeRoots({}, { getCurrentDirectory: () => cwd }) ?? []).filter((r) =>
    sys.directoryExists(r),
  );
  if (roots.some((r) => ts.sys.fileExists(normalizeJoin(r, "node", "package.json")))) return roots;
  return [...roots, normalizeJoin(TSLAB_ROOT, "node_modules", "@types")];
}

/**
 * The executor runs CommonJS. `"use strict"` is dropped: tslab's option for that (noImplicitUseStrict) is
 * gone from TypeScript 5.5, and cells have always run in sloppy mode, as the functions shipped to workers do.
 */
export function toCommonJS(js: string, target: ts.ScriptTarget): string {
  const out = ts.transpileModule(js, {
    fileName: "custom.js",
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      esModuleInterop: true,
      target,
      newLine: ts.NewLineKind.LineFeed,
    },
  }).outputText;
  return out.startsWith('"use strict";\n') ? out.slice('"use strict";\n'.length) : out;
}

/** TypeScript normalizes paths to forward slashes; so must every path compared with its own. */
export function normalizeJoin(...paths: string[]): string {
  return pathlib.join(...paths).replace(/\\/g, "/");
}
