/**
 * Parsing one shipped function's (or class's, or method's) JavaScript source into a syntax tree with a checker
 * of its own: the forms `fn.toString()` can take, and how each is wrapped to parse and unwrapped again.
 * source-analysis.ts walks what this returns.
 */
import ts = require("typescript");

/** How `fn.toString()` looked: an expression form, or a method (`f(x) {}`), which is not an expression. */
export type SourceForm = "function" | "arrow" | "class" | "method";

/** The source is not a function or class this module can parse. */
export class SourceFormError extends Error {
  override readonly name = "SourceFormError";
}

/** Internal TypeScript API used here (present at run time in TypeScript 6, absent from its .d.ts). */
export interface CheckerInternals {
  resolveName(name: string, location: ts.Node, meaning: ts.SymbolFlags, excludeGlobals: boolean): ts.Symbol | undefined;
}

const FILE_NAME = "/threadlab-shipped.js";

/** Method-form sources are parsed inside an object literal; this expression takes the member back out. */
const METHOD_PREFIX = "({";
const METHOD_SUFFIX = "\n})";
export const methodExtractor = (objectLiteral: string): string =>
  "((__threadlab_o) => { const __threadlab_d = Object.getOwnPropertyDescriptor(__threadlab_o, " +
  "Reflect.ownKeys(__threadlab_o)[0]); return __threadlab_d.value ?? __threadlab_d.get ?? __threadlab_d.set; })" +
  objectLiteral;

export interface Parsed {
  form: SourceForm;
  sourceFile: ts.SourceFile;
  /** The function, class or method node. */
  root: ts.Node;
  text: string;
}

// The closing parenthesis goes on its own line: a source ending in a line comment must not swallow it.
const asParenthesized = (source: string): string => `(${source}\n)`;

/** A function's or class's own text from its shipped `code`: the inverse of `parse`'s parenthesizing. */
export function unparenthesized(code: string): string {
  return code.startsWith("(") && code.endsWith("\n)") ? code.slice(1, -2) : code;
}

export function parse(source: string): Parsed {
  const asExpression = tryParse(asParenthesized(source), (sf) => {
    const stmt = sf.statements.length === 1 ? sf.statements[0] : undefined;
    if (!stmt || !ts.isExpressionStatement(stmt) || !ts.isParenthesizedExpression(stmt.expression)) return undefined;
    const inner = stmt.expression.expression;
    if (ts.isArrowFunction(inner)) return { form: "arrow", root: inner };
    if (ts.isFunctionExpression(inner)) return { form: "function", root: inner };
    if (ts.isClassExpression(inner)) return { form: "class", root: inner };
    return undefined;
  });
  if (asExpression) return asExpression;

  const asMethod = tryParse(`${METHOD_PREFIX}${source}${METHOD_SUFFIX}`, (sf) => {
    const stmt = sf.statements.length === 1 ? sf.statements[0] : undefined;
    if (!stmt || !ts.isExpressionStatement(stmt) || !ts.isParenthesizedExpression(stmt.expression)) return undefined;
    const obj = stmt.expression.expression;
    if (!ts.isObjectLiteralExpression(obj) || obj.properties.length !== 1) return undefined;
    const member = obj.properties[0];
    if (ts.isMethodDeclaration(member) || ts.isGetAccessorDeclaration(member) || ts.isSetAccessorDeclaration(member)) {
      return { form: "method", root: member };
    }
    return undefined;
  });
  if (asMethod) return asMethod;

  throw new SourceFormError(`not a function or class source: ${abbreviate(source)}`);
}

function tryParse(
  text: string,
  pick: (sf: ts.SourceFile) => { form: SourceForm; root: ts.Node } | undefined,
): Parsed | undefined {
  // JS, not TS: JavaScript like `a < b > (c)` must not parse as a generic call.
  const sf = ts.createSourceFile(FILE_NAME, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const diagnostics = (sf as unknown as { parseDiagnostics: readonly ts.Diagnostic[] }).parseDiagnostics;
  if (diagnostics.length > 0) return undefined;
  const picked = pick(sf);
  if (!picked) return undefined;
  return { ...picked, sourceFile: sf, text };
}

export function createChecker(sf: ts.SourceFile): ts.TypeChecker & CheckerInternals {
  const options: ts.CompilerOptions = {
    noLib: true,
    noResolve: true,
    allowJs: true,
    checkJs: false,
    types: [],
    target: ts.ScriptTarget.ES2022,
  };
  const host: ts.CompilerHost = {
    getSourceFile: (name) => (name === FILE_NAME ? sf : undefined),
    getDefaultLibFileName: () => "/lib.d.ts",
    writeFile: () => undefined,
    getCurrentDirectory: () => "/",
    getCanonicalFileName: (f) => f,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => "\n",
    fileExists: (name) => name === FILE_NAME,
    readFile: () => undefined,
  };
  const program = ts.createProgram({ rootNames: [FILE_NAME], options, host });
  return program.getTypeChecker() as ts.TypeChecker & CheckerInternals;
}

function abbreviate(s: string): string {
  const one = s.replace(/\s+/g, " ");
  return one.length > 80 ? one.slice(0, 77) + "…" : one;
}
