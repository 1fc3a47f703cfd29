import ts = require("typescript");

/**
 * Whether a cell uses module syntax of its own: an import or export statement, a dynamic `import()` or
 * `import.meta`. A cell without it (and without top-level names, which the converter exports) is plain
 * script: its JavaScript needs no CommonJS pass (`toCommonJS`), which costs ~2 ms a cell — a new program
 * and type checker per call, as much as the rest of an `f(x)` cell's compile — once its last value is
 * assigned to `exports` directly (cell-transformers.ts). Statements before `bodyStart` (the converter's own
 * `export {};` prefix) are not the cell's.
 */
export function usesModuleSyntax(sf: ts.SourceFile, bodyStart: number): boolean {
  for (const stmt of sf.statements) {
    if (stmt.end <= bodyStart) continue;
    if (
      ts.isImportDeclaration(stmt) ||
      ts.isImportEqualsDeclaration(stmt) ||
      ts.isExportDeclaration(stmt) ||
      ts.isExportAssignment(stmt)
    )
      return true;
  }
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (
      (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) ||
      (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword)
    ) {
      found = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(sf, visit);
  return found;
}
