import ts = require("typescript");

/** What cells are compiled for: the emit target and the library the checker knows. */
export interface CellTarget {
  readonly target: ts.ScriptTarget;
  /** TypeScript lib names (`es2023`, `esnext.disposable`), without the `lib.`…`.d.ts` wrapping. */
  readonly lib: readonly string[];
}

/**
 * The Node.js that runs the kernel decides what a cell may use: the checker must accept what the runtime has
 * (`[3, 1, 2].toSorted()` on Node 20) and reject what it lacks (`Promise.withResolvers` there). Newest first;
 * a Node newer than the table gets the first row. `using`/`await using` are lowered by TypeScript for these
 * targets, and need only `Symbol.dispose`/`Symbol.asyncDispose`, which Node has had since 20.4 (18.18):
 * `esnext.disposable` also declares `DisposableStack` and `SuppressedError`, which only Node 24 has.
 * Sources: V8 versions of each Node line against the ECMAScript features they ship (node.green).
 */
const TABLE: ReadonlyArray<{ node: number } & CellTarget> = [
  // V8 13.6: ES2025 (RegExp.escape, Float16Array, Promise.try, iterator helpers, Set methods), DisposableStack.
  { node: 24, target: ts.ScriptTarget.ES2025, lib: ["es2025", "esnext.disposable"] },
  // V8 12.4: ES2024 (Object.groupBy, Promise.withResolvers, resizable ArrayBuffer), iterator helpers, Set methods.
  {
    node: 22,
    target: ts.ScriptTarget.ES2024,
    lib: ["es2024", "es2025.collection", "es2025.iterator", "esnext.disposable"],
  },
  // V8 11.3: ES2023 (toSorted, findLast, …), Symbol.dispose.
  { node: 20, target: ts.ScriptTarget.ES2023, lib: ["es2023", "esnext.disposable"] },
];

export function cellTarget(nodeVersion: string = process.versions.node): CellTarget {
  const major = Number(nodeVersion.split(".")[0]);
  const row = TABLE.find((r) => major >= r.node) ?? TABLE[TABLE.length - 1];
  return { target: row.target, lib: row.lib };
}
