import ts = require("typescript");

/**
 * Whether code awaits outside any function: then the executor runs the cell in an async function. tslab's
 * fork had the checker report each such `await` as an error (its `disableTopLevelAwait` option) and took
 * the errors back; mainline accepts top-level await in a module, so the syntax tree is asked instead. Counts
 * `await x`, `for await`, and `await using` (whose disposal awaits at the end of its block).
 */
export function hasTopLevelAwait(root: ts.Node): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found || ts.isFunctionLike(node) || ts.isClassLike(node) || ts.isModuleDeclaration(node)) return;
    if (
      ts.isAwaitExpression(node) ||
      (ts.isForOfStatement(node) && node.awaitModifier) ||
      (ts.isVariableDeclarationList(node) && (node.flags & ts.NodeFlags.BlockScoped) === ts.NodeFlags.AwaitUsing)
    ) {
      found = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(root, visit);
  return found;
}
