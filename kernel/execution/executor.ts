import { inspect as nodeInspect } from "node:util";
import type { ConverterSet, Executor } from "tslab/dist/executor";
import { loadWithCodeCache } from "./compile-cache";
import type { Converter } from "./converter/converter";
import { lendCompilerToTslab } from "./tslab-compiler";
import { CellSources } from "./cell-sources";
import { expandShorthandProperties } from "./shorthand";

/** What a failed cell reports: the Jupyter `error` triple. */
export interface ErrorInfo {
  ename: string;
  evalue: string;
  traceback: string[];
}

export type CellOutcome = { status: "ok"; hasValue: boolean; value?: unknown } | { status: "error"; error: ErrorInfo };

export interface Completion {
  start: number;
  end: number;
  matches: string[];
}

export interface QuickInfo {
  text: string;
  start: number;
  length: number;
}

interface Diagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
}

/**
 * Runs TypeScript cells with threadlab's converter (converter/) and tslab's executor (deep-imported, tslab
 * pinned exactly), turning what tslab prints into values and structured errors: tslab reports a cell's last
 * value with `console.log(value)` and failures with `console.error`, so we hand it a console that records.
 */
export class CellExecutor {
  private executor?: Executor;
  private convs?: { close(): void; warm(): void };
  private lastValue: { value: unknown } | undefined;
  private errors: unknown[] = [];
  private diagnostics: Diagnostic[] = [];
  private persistCodeCache?: () => void;
  /** What each cell compiled, to report worker stacks at the user's lines (cell-sources.ts). */
  readonly sources = new CellSources();

  constructor(
    private readonly rootDir: string,
    private readonly publicModule: () => unknown,
    /**
     * Runs once when the compiler is first needed, after TypeScript is loaded (with its code cache) and
     * before tslab's modules are: the kernel installs its `ts.sys` forwarding and display hook here.
     */
    private readonly beforeCompiler: () => void = () => undefined,
  ) {}

  /** Creates the TypeScript program (about 2 s); called lazily or ahead of the first cell to warm up. */
  warm(): void {
    this.ensure();
  }

  get locals(): Record<string, unknown> {
    return this.ensure().locals;
  }

  private ensure(): Executor {
    if (this.executor) return this.executor;
    // Load TypeScript through a V8 code cache before anything requires it (see compile-cache.ts).
    const cache = loadWithCodeCache("typescript", __dirname);
    this.persistCodeCache = cache.persist;
    lendCompilerToTslab();
    this.beforeCompiler();
    // threadlab's converter (tslab's, adapted to mainline TypeScript: converter/) under tslab's executor
    // (a deep import: tslab has no `exports` map).
    const { createConverter } = require("./converter/converter") as typeof import("./converter/converter");
    const { createExecutor } = require("tslab/dist/executor") as typeof import("tslab/dist/executor");
    let node: Converter | undefined;
    let browser: Converter | undefined;
    // tslab's ConverterSetImpl is not exported; this is its lazy equivalent.
    const convs = {
      get node() {
        return (node ??= createConverter({ isJS: false, isBrowser: false }));
      },
      get browser() {
        return (browser ??= createConverter({ isJS: false, isBrowser: true }));
      },
      close() {
        node?.close();
        browser?.close();
      },
      warm() {
        void this.node;
      },
    };
    this.convs = convs;
    convs.warm();
    const recorder = {
      log: (value: unknown) => {
        this.lastValue = { value };
      },
      error: (...args: unknown[]) => {
        if (args[0] === "%s%d:%d - %s") {
          const [, file, line, column, message] = args as [string, string, number, number, string];
          this.diagnostics.push({ file: String(file).trim(), line, column, message: String(message) });
        } else {
          this.errors.push(args[0]);
        }
      },
    };
    // tslab's executor types its converters with the fork's TypeScript; ours return the same shapes.
    const executor = createExecutor(this.rootDir, convs as unknown as ConverterSet, recorder);
    // Route `require("threadlab")` in cells to the kernel's public API, next to tslab's own hook for "tslab".
    const g = globalThis as unknown as { __tslab__: { require: NodeJS.Require } };
    const tslabRequire = g.__tslab__.require;
    const publicModule = this.publicModule;
    g.__tslab__.require = new Proxy(tslabRequire, {
      apply(target, thisArg, args: unknown[]) {
        if (args.length === 1 && args[0] === "threadlab") return publicModule();
        return Reflect.apply(target, thisArg, args);
      },
    });
    this.executor = executor;
    return executor;
  }

  /** `origin`: the cell's execution count and the 0-based cell line this code starts on, for stack lines. */
  async run(src: string, origin?: { cell?: number; line?: number }): Promise<CellOutcome> {
    const executor = this.ensure();
    this.lastValue = undefined;
    this.errors = [];
    this.diagnostics = [];
    let ok: boolean;
    const code = expandShorthandProperties(src);
    this.sources.record(code, origin);
    try {
      ok = await executor.execute(code);
    } catch (e) {
      // tslab catches user errors itself; anything here is a converter failure.
      return { status: "error", error: errorInfo(e) };
    }
    if (!ok || this.errors.length || this.diagnostics.length) {
      if (this.diagnostics.length) return { status: "error", error: diagnosticsInfo(this.diagnostics) };
      return { status: "error", error: errorInfo(this.errors[0]) };
    }
    if (this.persistCodeCache) {
      // After the first conversion, so the cache holds the compiler functions a cell needs.
      const persist = this.persistCodeCache;
      this.persistCodeCache = undefined;
      setImmediate(persist);
    }
    const last = this.lastValue as { value: unknown } | undefined;
    return last ? { status: "ok", hasValue: true, value: last.value } : { status: "ok", hasValue: false };
  }

  /** Rejects the promise an async cell is awaiting; a synchronous cell is broken by SIGINT instead. */
  interrupt(): void {
    this.executor?.interrupt();
  }

  complete(src: string, pos: number): Completion {
    const info = this.ensure().complete(src, pos);
    return { start: info.start, end: info.end, matches: info.candidates };
  }

  inspect(src: string, pos: number): QuickInfo | undefined {
    // Jupyter sends the cursor position, often just after the name: look there, then one character back.
    const executor = this.ensure();
    const info = executor.inspect(src, pos) ?? (pos > 0 ? executor.inspect(src, pos - 1) : undefined);
    if (!info) return undefined;
    const signature = (info.displayParts ?? []).map((p) => p.text).join("");
    const docs = (info.documentation ?? []).map((p) => p.text).join("");
    const tags = (info.tags ?? []).map((t) => `@${t.name} ${(t.text ?? []).map((p) => p.text).join("")}`).join("\n");
    const text = [signature, docs, tags].filter(Boolean).join("\n\n");
    return text ? { text, start: info.textSpan.start, length: info.textSpan.length } : undefined;
  }

  close(): void {
    this.convs?.close();
  }
}

const INTERNAL_FRAME = /node_modules\/tslab\/|\/dist\/kernel\/|\(node:|^\s+at node:/;

export function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof Error || (e && typeof e === "object" && "stack" in e && "message" in e)) {
    const err = e as Error & { code?: string };
    if (err.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED" || err.message === "Interrupted asynchronously") {
      return {
        ename: "Interrupted",
        evalue: "the cell was interrupted",
        traceback: ["Interrupted: the cell was interrupted"],
      };
    }
    const ename = err.name || err.constructor?.name || "Error";
    const stack = String(err.stack ?? `${ename}: ${err.message}`)
      .split("\n")
      .filter((l) => !INTERNAL_FRAME.test(l))
      .map((l) => l.replace(/evalmachine\.<anonymous>/g, "cell"));
    return { ename, evalue: String(err.message), traceback: stack };
  }
  // `throw "text"` and other non-errors: report the value as thrown.
  const shown = typeof e === "string" ? e : nodeInspect(e);
  return { ename: "Thrown", evalue: shown, traceback: [`Uncaught ${shown}`] };
}

function diagnosticsInfo(diags: Diagnostic[]): ErrorInfo {
  const lines = diags.map((d) => `${d.file ? d.file + " " : ""}${d.line}:${d.column} - ${d.message}`);
  return { ename: "TypeScriptError", evalue: lines[0], traceback: lines };
}
