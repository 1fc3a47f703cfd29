/*
 * Adapted from tslab 1.0.22, src/converter.ts (https://github.com/yunabe/tslab),
 * Copyright 2019 Yu Watanabe, licensed under the Apache License, Version 2.0
 * (http://www.apache.org/licenses/LICENSE-2.0). Changes by threadlab: mainline TypeScript 6 instead of
 * tslab's 5.0 fork (internals through ts-internals.ts, top-level await found in the syntax tree instead of
 * by the fork's `disableTopLevelAwait` option, pre-emit diagnostics and type roots with public API), target
 * and lib from the running Node (node-target.ts), module resolution `bundler`, declarations carried between
 * cells and completion/quick info split into their own modules, transformers that build nodes instead of
 * mutating them.
 */
import pathlib from "node:path";
import ts = require("typescript");
import { carriedDeclarations } from "./carried-declarations";
import { cellCompilerOptions, normalizeJoin, toCommonJS, TSLAB_ROOT, typeRoots } from "./compiler-options";
import { convertDiagnostics, type Diagnostic, type DiagnosticFiles } from "./diagnostics";
import { cellTransformers } from "./cell-transformers";
import { completeAt, type CompletionInfo } from "./completion";
import { cellTarget } from "./node-target";
import { quickInfoAt } from "./quick-info";
import { usesModuleSyntax } from "./module-syntax";
import { hasTopLevelAwait } from "./top-level-await";
import { fileLocals, internals, nestInside, parseDiagnostics } from "./ts-internals";

// As tslab does, for the whole process: with case-insensitive names, ts.sys.watchFile reports the real files'
// changes under other names than the program knows them by (tslab#82).
ts.sys.useCaseSensitiveFileNames = true;

export type { Diagnostic, DiagnosticPos } from "./diagnostics";

export interface SideOutput {
  path: string;
  data: string;
}

/** What tslab's executor runs: field names are its `ConvertResult`'s. */
export interface ConvertResult {
  output?: string;
  declOutput?: string;
  /** When not empty, no other field is set. */
  diagnostics: Diagnostic[];
  /** The exported name holding the cell's last expression statement's value. */
  lastExpressionVar?: string;
  hasToplevelAwait?: boolean;
  /** CommonJS of the notebook directory's own .ts/.js files the cell imports, for the executor's `require`. */
  sideOutputs?: SideOutput[];
}

export type { CompletionInfo } from "./completion";

export interface ConverterOptions {
  isJS?: boolean;
  isBrowser?: boolean;
}

export interface Converter {
  convert(prevDecl: string, src: string): ConvertResult;
  inspect(prevDecl: string, src: string, position: number): ts.QuickInfo | undefined;
  complete(prevDecl: string, src: string, position: number): CompletionInfo;
  /** A module defined in memory (tslab's `@module` cells). */
  addModule(name: string, content: string, meta?: { jsx?: boolean }): Diagnostic[];
  close(): void;
}

interface RebuildTimer {
  callback: () => void;
}

/**
 * A converter over one TypeScript watch program whose root files are the cell (`__tslab__.ts`) and the
 * declarations of every earlier cell (`__prev__.d.ts`), both in memory in the notebook directory (cwd): each
 * conversion swaps their text and lets the watch program rebuild incrementally, reusing every other file.
 */
export function createConverter(options?: ConverterOptions): Converter {
  internals();
  const cwd = ts.sys.getCurrentDirectory();
  const srcFilename = normalizeJoin(cwd, options?.isJS ? "__tslab__.js" : "__tslab__.ts");
  const declFilename = normalizeJoin(cwd, "__prev__.d.ts");
  const rootFiles = new Set<string>([declFilename, srcFilename]);
  const outDir = "outDir";
  const dstFilename = normalizeJoin(outDir, "__tslab__.js");
  const dstDeclFilename = normalizeJoin(outDir, "__tslab__.d.ts");

  const { target, lib: nodeLib } = cellTarget();
  const lib = options?.isBrowser ? [...nodeLib, "dom", "dom.iterable"] : [...nodeLib];
  // Makes every cell a module (a file with an import or export is one), so its names are its own.
  const srcPrefix = "export {};" + ts.sys.newLine;
  let srcContent = "";
  let declContent = "";
  /** The notebook directory's own files already emitted as side outputs (until they change). */
  const sideInputsConverted = new Set<string>();
  let builder: ts.EmitAndSemanticDiagnosticsBuilderProgram | undefined;

  const sys = Object.create(ts.sys) as ts.System;
  sys.getCurrentDirectory = () => cwd;
  // The watch program debounces rebuilds with a timer; the converter runs the pending rebuild itself, at once.
  let rebuildTimer: RebuildTimer | undefined;
  sys.setTimeout = (callback: (...args: unknown[]) => void): RebuildTimer => {
    if (rebuildTimer) throw new Error("converter: a rebuild is already pending");
    rebuildTimer = {
      callback: () => {
        callback();
        rebuildTimer = undefined;
      },
    };
    return rebuildTimer;
  };
  sys.clearTimeout = (timeoutId: unknown) => {
    if (rebuildTimer !== timeoutId) throw new Error("converter: clearing an unknown rebuild timer");
    rebuildTimer = undefined;
  };
  /** Modules defined in memory; values start with `srcPrefix`. */
  const virtualFiles = new Map<string, string>();
  sys.readFile = (path, encoding) => {
    if (path === srcFilename) return srcPrefix + srcContent;
    if (path === declFilename) return srcPrefix + declContent;
    if (virtualFiles.has(path)) return virtualFiles.get(path);
    return ts.sys.readFile(forwardTslabPath(cwd, path), encoding);
  };
  // `import … from "tslab"` resolves to tslab itself even when the notebook directory has no node_modules.
  sys.directoryExists = (path) =>
    ts.sys.directoryExists(forwardTslabPath(cwd, path)) || normalizeJoin(cwd, "node_modules") === path;
  sys.fileExists = (path) => ts.sys.fileExists(forwardTslabPath(cwd, path)) || virtualFiles.has(path);
  sys.readDirectory = (path, extensions, exclude, include, depth) =>
    ts.sys.readDirectory(forwardTslabPath(cwd, path), extensions, exclude, include, depth);
  sys.writeFile = () => {
    throw new Error("converter: the watch program must not write files");
  };
  let notifyUpdateSrc: ts.FileWatcherCallback | undefined;
  let notifyUpdateDecls: ts.FileWatcherCallback | undefined;
  const fileWatchers = new Map<string, ts.FileWatcherCallback>();
  sys.watchFile = (path, callback, pollingInterval) => {
    if (path === srcFilename) {
      notifyUpdateSrc = callback;
      return { close: () => undefined };
    }
    if (path === declFilename) {
      notifyUpdateDecls = callback;
      return { close: () => undefined };
    }
    const cb: ts.FileWatcherCallback = (fileName, eventKind, modifiedTime) => {
      sideInputsConverted.delete(fileName);
      callback(fileName, eventKind, modifiedTime);
    };
    fileWatchers.set(path, cb);
    const watcher = ts.sys.watchFile!(path, cb, pollingInterval);
    return {
      close: () => {
        fileWatchers.delete(path);
        watcher.close();
      },
    };
  };

  const compilerOptions = cellCompilerOptions({ target, lib, typeRoots: typeRoots(cwd, sys), rootDir: cwd, outDir });
  // Creates the program: the ~2 s a first cell waits for without the startup snapshot (kernel/snapshot/).
  const host = ts.createWatchCompilerHost(
    Array.from(rootFiles),
    compilerOptions,
    sys,
    ts.createEmitAndSemanticDiagnosticsBuilderProgram,
    () => undefined, // diagnostics are asked for per cell
    () => undefined, // watch status
  );
  host.afterProgramCreate = (b) => {
    builder = b;
  };
  const watch = ts.createWatchProgram(host);
  if (!builder) throw new Error("converter: the watch program created no program");
  const diagnosticFiles: DiagnosticFiles = {
    cwd,
    cellFile: srcFilename,
    prefix: srcPrefix,
    prefixed: (fileName) => fileName === srcFilename || virtualFiles.has(fileName),
    sourceFile: (fileName) => builder!.getSourceFile(fileName)!,
  };

  return {
    close: () => watch.close(),
    convert,
    inspect(prevDecl, src, position) {
      const srcFile = update(prevDecl, src);
      const info = quickInfoAt(srcFile, program().getTypeChecker(), position + srcPrefix.length);
      if (info) info.textSpan.start -= srcPrefix.length;
      return info;
    },
    complete(prevDecl, src, position) {
      return completeAt(program(), update(prevDecl, src), position + srcPrefix.length, srcPrefix.length);
    },
    addModule,
  };

  function program(): ts.Program {
    return builder!.getProgram();
  }

  /** Sets the cell and the earlier cells' declarations, rebuilds, and returns the cell's file, nested. */
  function update(prevDecl: string, src: string): ts.SourceFile {
    declContent = prevDecl;
    srcContent = src;
    notifyUpdateSrc!(srcFilename, ts.FileWatcherEventKind.Changed);
    notifyUpdateDecls!(declFilename, ts.FileWatcherEventKind.Changed);
    if (!rebuildTimer) throw new Error("converter: the watch program scheduled no rebuild");
    rebuildTimer.callback();
    const srcFile = builder!.getSourceFile(srcFilename)!;
    nestInside(srcFile, builder!.getSourceFile(declFilename)!);
    return srcFile;
  }

  function convert(prevDecl: string, src: string): ConvertResult {
    const keys = topLevelNames(src);
    // Every top-level name of the cell is exported, so that later cells and the executor's `exports` see it.
    const srcFile = update(prevDecl, keys.size > 0 ? src + "\nexport {" + Array.from(keys).join(", ") + "}" : src);
    const declsFile = builder!.getSourceFile(declFilename)!;
    const diagnostics = convertDiagnostics(preEmitDiagnostics(srcFile), diagnosticFiles);
    if (diagnostics.length > 0) return { diagnostics };

    let output: string | undefined;
    let declOutput = "";
    let lastExpressionVar: string | undefined;
    let sideOutputs: SideOutput[] | undefined;
    const script = keys.size === 0 && !usesModuleSyntax(srcFile, srcPrefix.length);
    const transformers = cellTransformers(
      program().getTypeChecker(),
      declsFile,
      keys,
      (name) => {
        lastExpressionVar = name;
      },
      script ? srcFilename : undefined,
    );
    for (const dep of sourceDependencies(srcFile)) {
      if (sideInputsConverted.has(dep)) continue;
      if (dep !== srcFilename) sideInputsConverted.add(dep);
      builder!.emit(
        builder!.getSourceFile(dep),
        (fileName, data) => {
          if (fileName === dstFilename) output = data;
          else if (fileName === dstDeclFilename) declOutput = data;
          else if (fileName.endsWith(".js")) {
            const rel = pathlib.relative(outDir, fileName);
            if (rel.startsWith("..")) throw new Error(`converter: unexpected emit path ${fileName}`);
            (sideOutputs ??= []).push({ path: normalizeJoin(cwd, rel), data: toCommonJS(data, target) });
          }
        },
        undefined,
        undefined,
        transformers,
      );
    }
    sideOutputs?.sort((a, b) => a.path.localeCompare(b.path));
    declOutput += carriedDeclarations(program().getTypeChecker(), srcFile, declsFile);
    return {
      output: output === undefined || script ? output : toCommonJS(output, target),
      declOutput,
      diagnostics,
      hasToplevelAwait: hasTopLevelAwait(srcFile),
      sideOutputs,
      lastExpressionVar,
    };
  }

  /**
   * The cell's top-level names, from a parse and bind of the cell alone. tslab rebuilt the program twice per
   * cell (once to find the names, once with them exported), and each rebuild relinks every declaration file's
   * imports (TypeScript's builder state); one fewer took the 50-line cell of bench/kernel/compile.ts from 0.83×
   * to 0.63× tslab's time. A cell with a syntax error gets none: the program then reports that error where the
   * user wrote it.
   */
  function topLevelNames(src: string): Set<string> {
    const keys = new Set<string>();
    const sf = ts.createSourceFile(srcFilename, srcPrefix + src, target, false);
    if (parseDiagnostics(sf).length > 0) return keys;
    internals().bindSourceFile(sf, compilerOptions);
    // Unescaped: TypeScript escapes a leading `__` to `___`, which tslab exported as is (`__x` failed).
    fileLocals(sf)?.forEach((_, key) => keys.add(ts.unescapeLeadingUnderscores(key)));
    return keys;
  }

  /** Syntax, semantic and declaration diagnostics of the cell and the notebook files it imports. */
  function preEmitDiagnostics(srcFile: ts.SourceFile): readonly ts.Diagnostic[] {
    const p = program();
    const files = [
      srcFile,
      ...sourceDependencies(srcFile)
        .filter((d) => d !== srcFile.fileName)
        .map((d) => builder!.getSourceFile(d)!),
    ];
    const all: ts.Diagnostic[] = [
      ...p.getConfigFileParsingDiagnostics(),
      ...p.getOptionsDiagnostics(),
      ...p.getGlobalDiagnostics(),
    ];
    for (const sf of files) {
      all.push(...p.getSyntacticDiagnostics(sf), ...p.getSemanticDiagnostics(sf), ...p.getDeclarationDiagnostics(sf));
    }
    return ts.sortAndDeduplicateDiagnostics(all);
  }

  /** The cell and the notebook directory's .ts/.js files it depends on (not declaration files). */
  function sourceDependencies(sf: ts.SourceFile): string[] {
    return builder!
      .getAllDependencies(sf)
      .filter((d) => d.endsWith(".js") || (d.endsWith(".ts") && !d.endsWith(".d.ts")));
  }

  function addModule(name: string, content: string, meta?: { jsx?: boolean }): Diagnostic[] {
    if (!/^\w+$/.test(name)) throw new Error("invalid module name: " + JSON.stringify(name));
    const path = normalizeJoin(cwd, name + (options?.isJS ? ".js" : ".ts") + (meta?.jsx ? "x" : ""));
    virtualFiles.set(path, srcPrefix + content);
    fileWatchers.get(path)?.(path, ts.FileWatcherEventKind.Changed);
    rootFiles.add(path);
    watch.updateRootFileNames(Array.from(rootFiles));
    if (!rebuildTimer) throw new Error("converter: the watch program scheduled no rebuild");
    rebuildTimer.callback();
    return convertDiagnostics(ts.getPreEmitDiagnostics(program(), builder!.getSourceFile(path)), diagnosticFiles);
  }
}

function forwardTslabPath(cwd: string, path: string): string {
  const rel = pathlib.relative(normalizeJoin(cwd, "node_modules", "tslab"), path);
  return rel.startsWith("..") ? path : normalizeJoin(TSLAB_ROOT, rel);
}
