import Module from "node:module";
import { dirname } from "node:path";

/**
 * Makes the tslab modules threadlab still runs (the executor and its `@module` metadata reader, `display`,
 * the `lastWriteDisplayData` hook) use the TypeScript that compiles cells instead of loading tslab's 5.0 fork
 * beside it: a second 9 MB compiler at start, and a `versions.typescript` that would name the wrong one.
 * They need only its scanner, JSDoc parser and version. The fork stays installed (tslab depends on it) but
 * its module-cache entry is the mainline module, so requiring it loads nothing.
 */
export function lendCompilerToTslab(): void {
  const cache = (Module as unknown as { _cache: Record<string, NodeModule | undefined> })._cache;
  const mainline = require.resolve("typescript");
  let fork: string;
  try {
    fork = require.resolve("@tslab/typescript-for-tslab", { paths: [dirname(require.resolve("tslab/package.json"))] });
  } catch {
    return; // not installed where tslab looks: nothing would load it
  }
  if (fork === mainline || cache[fork]) return;
  require("typescript");
  cache[fork] = cache[mainline];
}
