import { AsyncLocalStorage } from "node:async_hooks";
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

/** What one run records: tslab reports through a console, so each run's console calls must find their run. */
interface RunRecord {
  lastValue?: { value: unknown };
  errors: unknown[];
  diagnostics: Diagnostic[];
  /** The declarations the run's code was converted against, its source, and the declarations it leaves. */
  converted?: { base: string; src: string; declOutput: string };
}

/**
 * Runs TypeScript cells with threadlab's converter (converter/) and tslab's executor (deep-imported, tslab
 * pinned exactly), turning what tslab prints into values and structured errors: tslab reports a cell's last
 * value with `console.log(value)` and failures with `console.error`, so we hand it a console that records.
 */
export class CellExecutor {
  private executor?: Executor;
  private convs?: { close(): void; warm(): void; readonly node: Converter };
  /**
   * Two runs can be in flight at once (a subshell's cell while the main shell's awaits), so a run's record
   * and its interrupt follow its async context rather than fields of the executor.
   */
  private readonly runs = new AsyncLocalStorage<RunRecord>();
  /**
   * The declarations of every earlier cell, kept here rather than in tslab's executor: tslab commits a
   * cell's declarations when the cell ends, from the text it was converted against, so a cell that ended
   * while another awaited would lose its names when the other ended (see commit()).
   */
  private decl = "";
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
    /** The interrupt of the execution whose code runs now: a run ends "Interrupted" when it aborts. */
    private readonly interruptSignal: () => AbortSignal | undefined = () => undefined,
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
    const tracked = (conv: Converter): Converter => this.trackDeclarations(conv);
    // tslab's ConverterSetImpl is not exported; this is its lazy equivalent.
    const convs = {
      get node() {
        return (node ??= tracked(createConverter({ isJS: false, isBrowser: false })));
      },
      get browser() {
        return (browser ??= tracked(createConverter({ isJS: false, isBrowser: true })));
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
    // A console call outside any run (tslab's code after an interrupted run's promise settles) is dropped.
    const recorder = {
      log: (value: unknown) => {
        const run = this.runs.getStore();
        if (run) run.lastValue = { value };
      },
      error: (...args: unknown[]) => {
        const run = this.runs.getStore();
        if (!run) return;
        if (args[0] === "%s%d:%d - %s") {
          const [, file, line, column, message] = args as [string, string, number, number, string];
          run.diagnostics.push({ file: String(file).trim(), line, column, message: String(message) });
        } else {
          run.errors.push(args[0]);
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
    const run: RunRecord = { errors: [], diagnostics: [] };
    let ok: boolean;
    const code = expandShorthandProperties(src);
    this.sources.record(code, origin);
    try {
      ok = await this.runs.run(run, () => raceInterrupt(() => executor.execute(code), this.interruptSignal()));
    } catch (e) {
      // tslab catches user errors itself; anything else is an interrupt or a converter failure.
      return { status: "error", error: errorInfo(e) };
    }
    if (!ok || run.errors.length || run.diagnostics.length) {
      if (run.diagnostics.length) return { status: "error", error: diagnosticsInfo(run.diagnostics) };
      return { status: "error", error: errorInfo(run.errors[0]) };
    }
    this.commit(run);
    if (this.persistCodeCache) {
      // After the first conversion, so the cache holds the compiler functions a cell needs.
      const persist = this.persistCodeCache;
      this.persistCodeCache = undefined;
      setImmediate(persist);
    }
    const last = run.lastValue;
    return last ? { status: "ok", hasValue: true, value: last.value } : { status: "ok", hasValue: false };
  }

  /**
   * Converters that read and write the executor's declarations rather than the text tslab passes, and note
   * what each run converted, so that commit() can merge the declarations of runs that overlapped.
   */
  private trackDeclarations(conv: Converter): Converter {
    return {
      convert: (_prev, src) => {
        const base = this.decl;
        const r = conv.convert(base, src);
        const run = this.runs.getStore();
        if (run && r.diagnostics.length === 0) run.converted = { base, src, declOutput: r.declOutput ?? "" };
        return r;
      },
      inspect: (_prev, src, pos) => conv.inspect(this.decl, src, pos),
      complete: (_prev, src, pos) => conv.complete(this.decl, src, pos),
      addModule: (name, content, meta) => conv.addModule(name, content, meta),
      close: () => conv.close(),
    };
  }

  /**
   * A successful run's declarations become the notebook's. If another run committed since this one was
   * converted (it ran while this one awaited), this run's source is converted again over the newer
   * declarations, so both cells' names stay declared; its code is not run again.
   */
  private commit(run: RunRecord): void {
    const c = run.converted;
    if (!c) return;
    if (c.base === this.decl) {
      this.decl = c.declOutput;
      return;
    }
    const again = this.ensureConverter().convert(this.decl, c.src);
    if (again.diagnostics.length === 0) this.decl = again.declOutput ?? this.decl;
  }

  private ensureConverter(): Converter {
    this.ensure();
    return this.convs!.node;
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

/** The run's promise, or an "Interrupted" error as soon as `signal` aborts (the user's promise is left to settle). */
function raceInterrupt<T>(start: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return start();
  const interrupted = () => Object.assign(new Error("Interrupted asynchronously"), { name: "Interrupted" });
  if (signal.aborted) return Promise.reject(interrupted());
  const run = start();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(interrupted());
    signal.addEventListener("abort", onAbort, { once: true });
    run.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
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
