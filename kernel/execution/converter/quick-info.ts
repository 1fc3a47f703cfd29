import ts = require("typescript");
import { internals } from "./ts-internals";

/**
 * What an editor's hover shows for the name at `position`: TypeScript's LanguageService.getQuickInfoAtPosition,
 * which needs a language service, on the converter's own program and checker. tslab's fork exported such a
 * function; this follows TypeScript 6's (src/services/services.ts) without its truncation and verbosity
 * options, and with the object-literal refinement left to the checker.
 */
export function quickInfoAt(
  sourceFile: ts.SourceFile,
  checker: ts.TypeChecker,
  position: number,
): ts.QuickInfo | undefined {
  const t = internals();
  const touching = t.getTouchingPropertyName(sourceFile, position);
  if (touching === sourceFile) return undefined;
  const node = nodeForQuickInfo(touching);
  const symbol = checker.getSymbolAtLocation(node);
  if (!symbol || checker.isUnknownSymbol(symbol)) {
    const type = hasType(node) ? checker.getTypeAtLocation(node) : undefined;
    return (
      type && {
        kind: ts.ScriptElementKind.unknown,
        kindModifiers: ts.ScriptElementKindModifier.none,
        textSpan: t.createTextSpanFromNode(node, sourceFile),
        displayParts: t.typeToDisplayParts(checker, type, t.getContainerNode(node)),
        documentation: type.symbol ? type.symbol.getDocumentationComment(checker) : undefined,
        tags: type.symbol ? type.symbol.getJsDocTags(checker) : undefined,
      }
    );
  }
  const shown = t.SymbolDisplay.getSymbolDisplayPartsDocumentationAndSymbolKind(
    checker,
    symbol,
    sourceFile,
    t.getContainerNode(node),
    node,
  );
  return {
    kind: shown.symbolKind,
    kindModifiers: t.SymbolDisplay.getSymbolModifiers(checker, symbol),
    textSpan: t.createTextSpanFromNode(node, sourceFile),
    displayParts: shown.displayParts,
    documentation: shown.documentation,
    tags: shown.tags,
  };
}

/** `new Foo` is about Foo; `import.meta`'s `meta` is about `import.meta`. */
function nodeForQuickInfo(node: ts.Node): ts.Node {
  const parent = node.parent;
  if (ts.isNewExpression(parent) && node.pos === parent.pos) return parent.expression;
  if (ts.isNamedTupleMember(parent) && node.pos === parent.pos) return parent;
  if (ts.isMetaProperty(parent) && parent.keywordToken === ts.SyntaxKind.ImportKeyword && parent.name === node)
    return parent;
  return node;
}

/** Nodes whose type is worth showing when they have no symbol (`this`, `a.b` of an any, `import.meta`). */
function hasType(node: ts.Node): boolean {
  switch (node.kind) {
    case ts.SyntaxKind.Identifier:
      return !ts.isLabeledStatement(node.parent) && !ts.isBreakOrContinueStatement(node.parent);
    case ts.SyntaxKind.PropertyAccessExpression:
    case ts.SyntaxKind.QualifiedName:
    case ts.SyntaxKind.ThisKeyword:
    case ts.SyntaxKind.ThisType:
    case ts.SyntaxKind.SuperKeyword:
    case ts.SyntaxKind.NamedTupleMember:
    case ts.SyntaxKind.MetaProperty:
      return true;
    default:
      return false;
  }
}
