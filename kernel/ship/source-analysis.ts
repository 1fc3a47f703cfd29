/**
 * Finds the free identifiers of one function's (or class's) JavaScript source with tslab's own TypeScript
 * (5.0.4), and rewrites tslab's `exports.X` references to earlier cells into plain `X`. Parsing the source
 * forms is source-parse.ts'.
 *
 * Name resolution is the checker's, not a hand-written scope walk: `var` hoisting, block scopes, catch
 * clauses, class and function expression names and `arguments` all follow the language's rules.
 */
import ts = require("typescript");
import {
  type CheckerInternals,
  createChecker,
  methodExtractor,
  parse,
  type SourceForm,
  SourceFormError,
} from "./source-parse";

export { SourceFormError, unparenthesized, type SourceForm } from "./source-parse";

export interface FreeName {
  readonly name: string;
  /** Read as `exports.X` (an earlier cell's name); the rewritten code says `X`. */
  viaExports: boolean;
  /** Read as a plain identifier (a name of the same cell, a captured local, or a global). */
  plain: boolean;
  /** Assigned to (`X = …`, `X++`, `exports.X = …`). */
  written: boolean;
  /** Every plain read is under `typeof`, a guard that must keep working when the name does not exist. */
  onlyTypeof: boolean;
  /** Read while a class is being defined (base class, static initializer, computed key), not later. */
  definitionTime: boolean;
}

export interface SourceAnalysis {
  readonly form: SourceForm;
  /** An expression that evaluates to the function or class, with `exports.X` rewritten to `X`. */
  readonly code: string;
  readonly freeNames: ReadonlyMap<string, FreeName>;
  /** An arrow function reading the `this` of the code around it. */
  readonly usesOuterThis: boolean;
  /** An arrow function reading the `arguments` of the function around it. */
  readonly usesOuterArguments: boolean;
  /** A method (object literal or static) using `super`, whose home object is not shipped with it. */
  readonly usesSuper: boolean;
  /** `exports` used other than as `exports.X` (passed around, enumerated, indexed by a variable). */
  readonly usesExportsObject: boolean;
  /** A class declaring `#private` members: structured clone cannot carry them for its instances. */
  readonly hasPrivateMembers: boolean;
}

interface TsInternals {
  isAssignmentTarget(node: ts.Node): boolean;
  isIdentifierText(name: string, languageVersion: ts.ScriptTarget): boolean;
  stringToToken(text: string): ts.SyntaxKind | undefined;
}
const tsi = ts as unknown as TsInternals;

/**
 * Analyses by source text: the analysis depends on nothing else, and shipping runs for every map, often for
 * the same functions (a cell re-run makes new function objects with the same source). Callers only read it.
 */
const analyses = new Map<string, SourceAnalysis>();
const ANALYSES_KEPT = 256;

export function analyzeSource(source: string): SourceAnalysis {
  let a = analyses.get(source);
  if (a) {
    analyses.delete(source);
  } else {
    a = analyzeUncached(source);
    if (analyses.size >= ANALYSES_KEPT) analyses.delete(analyses.keys().next().value!);
  }
  analyses.set(source, a);
  return a;
}

function analyzeUncached(source: string): SourceAnalysis {
  const parsed = parse(source);
  const checker = createChecker(parsed.sourceFile);
  const sf = parsed.sourceFile;

  const freeNames = new Map<string, FreeName>();
  const rewrites: { start: number; end: number; text: string }[] = [];
  let usesOuterThis = false;
  let usesOuterArguments = false;
  let usesSuper = false;
  let usesExportsObject = false;

  const entry = (name: string): FreeName => {
    let e = freeNames.get(name);
    if (!e) {
      e = { name, viaExports: false, plain: false, written: false, onlyTypeof: true, definitionTime: false };
      freeNames.set(name, e);
    }
    return e;
  };

  const isFree = (id: ts.Identifier): boolean => {
    const symbol = checker.resolveName(id.text, id, ts.SymbolFlags.Value | ts.SymbolFlags.Alias, false);
    if (!symbol) return true;
    if (id.text === "arguments" && !symbol.declarations) return false;
    return !(symbol.declarations ?? []).some((d) => d.getSourceFile() === sf && isBindingDeclaration(d));
  };

  interface Context {
    /** Inside a function or class body that gives `this` its own meaning. */
    thisBound: boolean;
    /** Inside a nested class, where `super` has its own home object. */
    inNestedClass: boolean;
    definitionTime: boolean;
  }

  const visit = (node: ts.Node, ctx: Context): void => {
    if (node.kind === ts.SyntaxKind.ThisKeyword && !ctx.thisBound) usesOuterThis = true;
    if (node.kind === ts.SyntaxKind.SuperKeyword && parsed.form === "method" && !ctx.inNestedClass) usesSuper = true;

    const exportsRef = exportsReference(node);
    if (exportsRef && isFree(exportsRef.exportsId)) {
      if (exportsRef.name === undefined || !tsi.isIdentifierText(exportsRef.name, ts.ScriptTarget.ES2022)) {
        usesExportsObject = true;
        ts.forEachChild(node, (child) => {
          if (child !== exportsRef.exportsId) visit(child, ctx);
        });
      } else {
        const e = entry(exportsRef.name);
        e.viaExports = true;
        if (tsi.isAssignmentTarget(node) || node.parent.kind === ts.SyntaxKind.DeleteExpression) e.written = true;
        if (ctx.definitionTime) e.definitionTime = true;
        if (shadowsAt(checker, sf, exportsRef.name, node)) {
          throw new SourceFormError(
            `\`exports.${exportsRef.name}\` is read where a local \`${exportsRef.name}\` is visible`,
          );
        }
        // Padding keeps every later column of the line where it was, so worker stack columns stay true.
        const width = node.end - node.getStart(sf);
        const text = exportsRef.name.padEnd(width, " ");
        rewrites.push({ start: node.getStart(sf), end: node.end, text });
      }
      return; // the property name is not a reference of its own
    }

    if (ts.isIdentifier(node) && isValueReference(node) && isFree(node)) {
      if (node.text === "exports") {
        usesExportsObject = true;
      } else if (node.text === "arguments") {
        usesOuterArguments = true;
      } else {
        const e = entry(node.text);
        e.plain = true;
        if (node.parent.kind !== ts.SyntaxKind.TypeOfExpression) e.onlyTypeof = false;
        if (tsi.isAssignmentTarget(node)) e.written = true;
        if (ctx.definitionTime) e.definitionTime = true;
      }
      return;
    }

    let next = ctx;
    if (isThisBinding(node) && node !== parsed.root) next = { ...next, thisBound: true };
    if (ts.isFunctionLike(node)) next = { ...next, definitionTime: false };
    if (ts.isClassLike(node) && node !== parsed.root) next = { ...next, inNestedClass: true };

    if (node === parsed.root && ts.isClassLike(node)) {
      visitClassRoot(node, next);
      return;
    }
    ts.forEachChild(node, (child) => visit(child, next));
  };

  // A class runs its heritage clause, computed keys, static initializers and static blocks when it is
  // defined: names read there must be declared before it in the worker (base classes first).
  const visitClassRoot = (cls: ts.ClassLikeDeclaration, ctx: Context): void => {
    if (cls.name) visit(cls.name, ctx);
    for (const clause of cls.heritageClauses ?? []) visit(clause, { ...ctx, definitionTime: true });
    for (const member of cls.members) {
      const isStatic =
        ts.canHaveModifiers(member) &&
        (ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
      if (member.name && ts.isComputedPropertyName(member.name)) visit(member.name, { ...ctx, definitionTime: true });
      if (ts.isClassStaticBlockDeclaration(member)) {
        visit(member.body, { ...ctx, thisBound: true, definitionTime: true });
      } else if (ts.isPropertyDeclaration(member)) {
        if (member.initializer) visit(member.initializer, { ...ctx, thisBound: true, definitionTime: isStatic });
      } else {
        ts.forEachChild(member, (child) => {
          if (child !== member.name) visit(child, { ...ctx, thisBound: true, definitionTime: false });
        });
      }
    }
  };

  visit(parsed.root, { thisBound: parsed.form !== "arrow", inNestedClass: false, definitionTime: false });

  const hasPrivateMembers =
    ts.isClassLike(parsed.root) &&
    parsed.root.members.some((m) => m.name !== undefined && ts.isPrivateIdentifier(m.name));

  let rewritten = parsed.text;
  for (const r of rewrites.sort((a, b) => b.start - a.start)) {
    rewritten = rewritten.slice(0, r.start) + r.text + rewritten.slice(r.end);
  }
  const code = parsed.form === "method" ? methodExtractor(rewritten) : rewritten;

  return {
    form: parsed.form,
    code,
    freeNames,
    usesOuterThis,
    usesOuterArguments,
    usesSuper,
    usesExportsObject,
    hasPrivateMembers,
  };
}

/** `exports.X` or `exports["X"]` (name undefined when the key is not a string literal). */
function exportsReference(node: ts.Node): { exportsId: ts.Identifier; name: string | undefined } | undefined {
  if (
    ts.isPropertyAccessExpression(node) &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === "exports" &&
    ts.isIdentifier(node.name)
  ) {
    return { exportsId: node.expression, name: node.name.text };
  }
  if (ts.isElementAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "exports") {
    const arg = node.argumentExpression;
    return { exportsId: node.expression, name: ts.isStringLiteralLike(arg) ? arg.text : undefined };
  }
  return undefined;
}

/** Whether an identifier reads or writes a variable (rather than naming a property, label or declaration). */
function isValueReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if (!p) return false;
  if (ts.isPropertyAccessExpression(p)) return p.expression === id;
  if (ts.isQualifiedName(p)) return false;
  if (ts.isShorthandPropertyAssignment(p)) return p.name === id;
  if (ts.isBindingElement(p)) return p.initializer === id;
  if (
    ts.isPropertyAssignment(p) ||
    ts.isPropertyDeclaration(p) ||
    ts.isMethodDeclaration(p) ||
    ts.isGetAccessorDeclaration(p) ||
    ts.isSetAccessorDeclaration(p) ||
    ts.isEnumMember(p) ||
    ts.isPropertySignature(p) ||
    ts.isMethodSignature(p)
  ) {
    return (p as { name?: ts.Node }).name !== id;
  }
  if (
    ts.isVariableDeclaration(p) ||
    ts.isParameter(p) ||
    ts.isFunctionDeclaration(p) ||
    ts.isFunctionExpression(p) ||
    ts.isClassDeclaration(p) ||
    ts.isClassExpression(p)
  ) {
    return (p as { name?: ts.Node }).name !== id;
  }
  if (ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) return false;
  if (ts.isMetaProperty(p)) return false;
  if (ts.isJsxAttribute(p)) return false;
  if (ts.isImportSpecifier(p) || ts.isExportSpecifier(p) || ts.isImportClause(p) || ts.isNamespaceImport(p)) {
    return false;
  }
  return true;
}

function isBindingDeclaration(d: ts.Declaration): boolean {
  return (
    ts.isVariableDeclaration(d) ||
    ts.isParameter(d) ||
    ts.isFunctionDeclaration(d) ||
    ts.isFunctionExpression(d) ||
    ts.isClassDeclaration(d) ||
    ts.isClassExpression(d) ||
    ts.isBindingElement(d)
  );
}

function isThisBinding(node: ts.Node): boolean {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isClassLike(node)
  );
}

/** Whether a plain `name` written at `location` would bind to a declaration inside the shipped source. */
function shadowsAt(checker: CheckerInternals, sf: ts.SourceFile, name: string, location: ts.Node): boolean {
  const symbol = checker.resolveName(name, location, ts.SymbolFlags.Value, false);
  return (symbol?.declarations ?? []).some((d) => d.getSourceFile() === sf && isBindingDeclaration(d));
}

/** Whether `name` can be a variable (and a parameter) name in strict-mode code. */
export function isBindableName(name: string): boolean {
  if (name === "eval" || name === "arguments") return false;
  const token = tsi.stringToToken(name);
  if (token !== undefined) {
    const reserved = token >= ts.SyntaxKind.FirstReservedWord && token <= ts.SyntaxKind.LastReservedWord;
    const strictReserved =
      token >= ts.SyntaxKind.FirstFutureReservedWord && token <= ts.SyntaxKind.LastFutureReservedWord;
    if (reserved || strictReserved) return false;
  }
  return tsi.isIdentifierText(name, ts.ScriptTarget.ES2022);
}
