/*
 * Adapted from tslab 1.0.22, src/converter.ts (getCustomTransformers), https://github.com/yunabe/tslab,
 * Copyright 2019 Yu Watanabe, Apache License 2.0. Changes by threadlab: the transformation context given
 * to each transformer instead of the fork's null context; new source files through the factory.
 */
import ts = require("typescript");

/**
 * The two rewrites that make a cell's JavaScript run in a notebook:
 * - a name declared by an earlier cell becomes `exports.name` (the executor keeps every cell's names on one
 *   `exports` object);
 * - the last expression statement becomes `export const tsLastExpr = …`, the value a cell shows.
 * And, for the declarations carried to the next cell, the `export { … }` that made every name public goes.
 * With `scriptFile` (the file name of a cell without module syntax or top-level names, module-syntax.ts),
 * that file's JavaScript is made CommonJS here: the last value is assigned to `exports.tsLastExpr` and the
 * file's `export {};` goes. Other files emitted with the cell (the notebook's own modules) keep theirs.
 */
export function cellTransformers(
  checker: ts.TypeChecker,
  declsFile: ts.SourceFile,
  locals: ReadonlySet<string>,
  setLastExprName: (name: string) => void,
  scriptFile?: string,
): ts.CustomTransformers {
  const lastExprName = (): string => {
    if (!locals.has("tsLastExpr")) return "tsLastExpr";
    for (let i = 0; ; i++) if (!locals.has(`tsLastExpr${i}`)) return `tsLastExpr${i}`;
  };
  const fromEarlierCell = (node: ts.Identifier): boolean =>
    (checker.getSymbolAtLocation(node)?.declarations ?? []).some((d) => d.getSourceFile() === declsFile);

  const after: ts.TransformerFactory<ts.SourceFile> = (context) => (file) => {
    const wrap = (node: ts.Node): ts.Node => {
      if (!ts.isIdentifier(node)) return ts.visitEachChild(node, wrap, context);
      if (node.parent && ts.isPropertyAccessExpression(node.parent) && node.parent.name === node) return node;
      if (!fromEarlierCell(node)) return node;
      return ts.factory.createPropertyAccessExpression(ts.factory.createIdentifier("exports"), node);
    };
    file = ts.visitEachChild(file, wrap, context);
    const script = file.fileName === scriptFile;
    if (script) {
      file = ts.factory.updateSourceFile(
        file,
        file.statements.filter((s) => !ts.isExportDeclaration(s)),
      );
    }
    for (let i = file.statements.length - 1; i >= 0; i--) {
      const stmt = file.statements[i];
      if (ts.isExportDeclaration(stmt)) continue;
      if (!ts.isExpressionStatement(stmt)) break;
      const name = lastExprName();
      setLastExprName(name);
      const last = script
        ? ts.factory.createExpressionStatement(
            ts.factory.createAssignment(
              ts.factory.createPropertyAccessExpression(ts.factory.createIdentifier("exports"), name),
              stmt.expression,
            ),
          )
        : ts.factory.createVariableStatement(
            [ts.factory.createModifier(ts.SyntaxKind.ExportKeyword)],
            ts.factory.createVariableDeclarationList(
              [ts.factory.createVariableDeclaration(name, undefined, undefined, stmt.expression)],
              ts.NodeFlags.Const,
            ),
          );
      return ts.factory.updateSourceFile(file, [...file.statements.slice(0, i), last, ...file.statements.slice(i + 1)]);
    }
    return file;
  };

  const afterDeclarations: ts.TransformerFactory<ts.SourceFile | ts.Bundle> = () => (node) => {
    if (!ts.isSourceFile(node)) return node;
    return ts.factory.updateSourceFile(
      node,
      node.statements.filter((s) => !ts.isExportDeclaration(s)),
    );
  };

  return { after: [after], afterDeclarations: [afterDeclarations] };
}
