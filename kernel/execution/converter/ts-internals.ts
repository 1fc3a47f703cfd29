import ts = require("typescript");

/**
 * The TypeScript internals the converter uses, typed here and checked in one place.
 *
 * tslab used a fork of TypeScript (`@tslab/typescript-for-tslab`) only to get these exported. Mainline
 * TypeScript 5.0+ builds `typescript.js` from its whole `ts` namespace, internals included, and strips only
 * the declaration file; so TypeScript 6 has all of them at run time, with no fork. They are not public API:
 * a new TypeScript may rename one, which `checkInternals` reports by name (and the tests in
 * test/kernel/typescript.test.ts exercise each). TypeScript 7 (the native compiler) has none of them; see
 * docs/typescript.md for how threadlab would move.
 */

export interface CompletionsInternals {
  getCompletionsAtPosition(
    host: object,
    program: ts.Program,
    log: (message: string) => void,
    sourceFile: ts.SourceFile,
    position: number,
    preferences: ts.UserPreferences,
    triggerCharacter: ts.CompletionsTriggerCharacter | undefined,
    completionKind: ts.CompletionTriggerKind,
    cancellationToken: ts.CancellationToken,
  ): ts.CompletionInfo | undefined;
}

export interface SymbolDisplayInternals {
  getSymbolDisplayPartsDocumentationAndSymbolKind(
    checker: ts.TypeChecker,
    symbol: ts.Symbol,
    sourceFile: ts.SourceFile,
    enclosingDeclaration: ts.Node | undefined,
    location: ts.Node,
  ): {
    symbolKind: ts.ScriptElementKind;
    displayParts: ts.SymbolDisplayPart[];
    documentation: ts.SymbolDisplayPart[];
    tags: ts.JSDocTagInfo[] | undefined;
  };
  getSymbolModifiers(checker: ts.TypeChecker, symbol: ts.Symbol): string;
}

interface Internals {
  Completions: CompletionsInternals;
  SymbolDisplay: SymbolDisplayInternals;
  findPrecedingToken(position: number, sourceFile: ts.SourceFile): ts.Node | undefined;
  findNextToken(previousToken: ts.Node, parent: ts.Node, sourceFile: ts.SourceFile): ts.Node | undefined;
  getTouchingPropertyName(sourceFile: ts.SourceFile, position: number): ts.Node;
  getContainerNode(node: ts.Node): ts.Declaration | undefined;
  typeToDisplayParts(checker: ts.TypeChecker, type: ts.Type, enclosingDeclaration?: ts.Node): ts.SymbolDisplayPart[];
  createTextSpanFromNode(node: ts.Node, sourceFile?: ts.SourceFile): ts.TextSpan;
  /** Sets `locals` on a file parsed outside any program (see `fileLocals`). */
  bindSourceFile(file: ts.SourceFile, options: ts.CompilerOptions): void;
}

const REQUIRED: ReadonlyArray<[string, (t: Internals) => unknown]> = [
  ["Completions.getCompletionsAtPosition", (t) => t.Completions?.getCompletionsAtPosition],
  [
    "SymbolDisplay.getSymbolDisplayPartsDocumentationAndSymbolKind",
    (t) => t.SymbolDisplay?.getSymbolDisplayPartsDocumentationAndSymbolKind,
  ],
  ["SymbolDisplay.getSymbolModifiers", (t) => t.SymbolDisplay?.getSymbolModifiers],
  ["findPrecedingToken", (t) => t.findPrecedingToken],
  ["findNextToken", (t) => t.findNextToken],
  ["getTouchingPropertyName", (t) => t.getTouchingPropertyName],
  ["getContainerNode", (t) => t.getContainerNode],
  ["typeToDisplayParts", (t) => t.typeToDisplayParts],
  ["createTextSpanFromNode", (t) => t.createTextSpanFromNode],
  ["bindSourceFile", (t) => t.bindSourceFile],
];

let checked: Internals | undefined;

/** The internals, after checking once that this TypeScript has every one of them. */
export function internals(): Internals {
  if (checked) return checked;
  const t = ts as unknown as Internals;
  const missing = REQUIRED.filter(([, get]) => typeof get(t) !== "function").map(([name]) => name);
  if (missing.length) {
    throw new Error(
      `TypeScript ${ts.version} lacks internals threadlab's converter uses (${missing.join(", ")}); ` +
        `install the version threadlab pins (package.json "typescript").`,
    );
  }
  return (checked = t);
}

/** A source file's top-level declarations after binding: `locals` is set by the binder, not in the API. */
export function fileLocals(sf: ts.SourceFile): ts.SymbolTable | undefined {
  return (sf as unknown as { locals?: ts.SymbolTable }).locals;
}

/** Syntax errors of a parsed file, which the parser keeps on the file (`getSyntacticDiagnostics` needs a program). */
export function parseDiagnostics(sf: ts.SourceFile): readonly ts.DiagnosticWithLocation[] {
  return (sf as unknown as { parseDiagnostics?: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
}

/**
 * Makes the previous cells' declarations (`__prev__.d.ts`) the scope around the cell: the checker resolves a
 * name by walking `parent` links outwards, and a source file has none, so linking the cell's file to the
 * declarations file lets `x` from an earlier cell resolve as if declared around it. (tslab's trick.)
 */
export function nestInside(cell: ts.SourceFile, outer: ts.SourceFile): void {
  (cell as unknown as { parent: ts.Node }).parent = outer;
}
