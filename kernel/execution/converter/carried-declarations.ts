/*
 * Adapted from tslab 1.0.22, src/converter.ts (remainingDecls, keepNamesInImport, checkKeepDeclType),
 * https://github.com/yunabe/tslab, Copyright 2019 Yu Watanabe, Apache License 2.0. Changes by threadlab:
 * statements are rebuilt with the node factory instead of mutated in the program's own syntax tree.
 */
import ts = require("typescript");
import { fileLocals } from "./ts-internals";

/**
 * The earlier cells' declarations that the current cell does not redeclare, printed as declaration text: with
 * the cell's own declarations they become the next cell's `__prev__.d.ts`. A name the cell redefines as a
 * value drops the old value but keeps an old type of that name, and the other way round; a class or enum
 * whose type was replaced but whose value was not is kept as `let Name: any`.
 */
export function carriedDeclarations(checker: ts.TypeChecker, srcSF: ts.SourceFile, declsSF: ts.SourceFile): string {
  const declLocals = fileLocals(declsSF);
  const locals = fileLocals(srcSF);
  if (!declLocals) return "";
  const keepMap = new Map<ts.Node, Set<ts.__String>>();
  const addName = (node: ts.Node, name: ts.__String): void => {
    let set = keepMap.get(node);
    if (!set) keepMap.set(node, (set = new Set()));
    set.add(name);
  };
  const valueNames = new Set<ts.__String>();
  const anyVars = new Set<ts.__String>();
  declLocals.forEach((sym, key) => {
    const keep = replaced(checker, locals?.get(key));
    if (!keep.type && !keep.value) return;
    for (const decl of sym.declarations ?? []) {
      let node: ts.Node = decl;
      while (node.parent !== declsSF) node = node.parent;
      if (ts.isVariableStatement(node)) {
        if (keep.value) {
          addName(node, key);
          anyVars.delete(key);
          valueNames.add(key);
        }
      } else if (ts.isTypeAliasDeclaration(node) || ts.isInterfaceDeclaration(node)) {
        if (keep.type) addName(node, key);
      } else if (ts.isClassDeclaration(node) || ts.isEnumDeclaration(node)) {
        if (keep.type) {
          // A class whose value was replaced is forgotten altogether.
          if (keep.value) addName(node, key);
        } else if (node.name && !valueNames.has(node.name.escapedText)) {
          anyVars.add(node.name.escapedText);
        }
      } else if (ts.isImportDeclaration(node)) {
        if (keep.type && keep.value) {
          addName(node, key);
          continue;
        }
        const aliased = checker.getAliasedSymbol(sym);
        if (!keep.value) {
          // The value was replaced: keep the import for its type, unless it also was a value.
          if (!(aliased.flags & ts.SymbolFlags.Value) && aliased.flags & ts.SymbolFlags.Type) addName(node, key);
          continue;
        }
        if (aliased.flags & ts.SymbolFlags.Type) {
          if (aliased.flags & ts.SymbolFlags.Value && !valueNames.has(aliased.escapedName))
            anyVars.add(aliased.escapedName);
          continue;
        }
        addName(node, key);
      } else if (ts.isFunctionDeclaration(node)) {
        if (keep.value) addName(node, key);
      }
    }
  });
  const statements: ts.Statement[] = [];
  for (const stmt of declsSF.statements) {
    const names = keepMap.get(stmt);
    if (!names) continue;
    if (ts.isVariableStatement(stmt)) {
      const decls = stmt.declarationList.declarations.filter(
        (d) => ts.isIdentifier(d.name) && names.has(d.name.escapedText),
      );
      statements.push(
        ts.factory.updateVariableStatement(
          stmt,
          stmt.modifiers,
          ts.factory.updateVariableDeclarationList(stmt.declarationList, decls),
        ),
      );
    } else if (ts.isImportDeclaration(stmt)) {
      statements.push(keepNamesInImport(stmt, names));
    } else {
      statements.push(stmt);
    }
  }
  const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
  const text = printer.printFile(ts.factory.updateSourceFile(declsSF, statements));
  return text + [...anyVars].map((name) => `let ${String(name)}: any;\n`).join("");
}

/** Which of the old name's meanings the cell's declaration of the same name leaves in place. */
function replaced(checker: ts.TypeChecker, symb: ts.Symbol | undefined): { value: boolean; type: boolean } {
  if (!symb) return { value: true, type: true };
  if (symb.flags & ts.SymbolFlags.Alias) symb = checker.getAliasedSymbol(symb);
  return { value: !(symb.flags & ts.SymbolFlags.Value), type: !(symb.flags & ts.SymbolFlags.Type) };
}

export function keepNamesInImport(im: ts.ImportDeclaration, names: ReadonlySet<ts.__String>): ts.ImportDeclaration {
  const imc = im.importClause;
  if (!imc) throw new Error("keepNamesInImport: an import without bindings");
  const name = imc.name && names.has(imc.name.escapedText) ? imc.name : undefined;
  let bindings = imc.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) {
    if (!names.has(bindings.name.escapedText)) bindings = undefined;
  } else if (bindings) {
    const elements = bindings.elements.filter((e) => names.has(e.name.escapedText));
    bindings = elements.length ? ts.factory.updateNamedImports(bindings, elements) : undefined;
  }
  if (!name && !bindings) throw new Error("keepNamesInImport: no name of the import is kept");
  const clause = ts.factory.updateImportClause(imc, imc.phaseModifier, name, bindings);
  return ts.factory.updateImportDeclaration(im, im.modifiers, clause, im.moduleSpecifier, im.attributes);
}
