import { checkCloneable, type ClassDecision, COPY_ADVICE } from "./clone-check";
import { type CapturedBinding, capturedBindings } from "./closure-scopes";
import { ShipError } from "./errors";
import { globalPathOf } from "./global-paths";
import { ModuleIndex } from "./module-refs";
import { type FreeName, type SourceAnalysis, analyzeSource, isBindableName } from "./source-analysis";
import { isTsHelperName, tsHelperCode } from "./ts-helpers";
import { modelBrandId, type ShippedFunction, type ShippedValue } from "./types";
import { isNativeFunction } from "./values";
import { workerGlobalNames } from "./worker-globals";

/**
 * Function shipping, kernel side: turns a notebook function into a ShippedFunction that a worker can
 * rebuild (kernel/ship/materialize.ts), or throws a ShipError naming what cannot travel, before any work.
 *
 * Each free identifier of the function is resolved the way the function itself would resolve it: first
 * through the scopes it actually closed over (V8's [[Scopes]]), then through the notebook's top-level names
 * (tslab's `exports`, which is also where `exports.X` in compiled code points), then the worker's globals.
 * Functions and classes it reaches are shipped by source, recursively.
 */

export interface ShipEnvironment {
  /** The notebook's top-level names: tslab executor's `locals` (its `exports` proxy). */
  readonly locals: Record<string, unknown>;
  /** The notebook's directory: modules are re-required from here in the worker. */
  readonly resolveDir: string;
  /** Name for messages and worker stack traces; default: the notebook name of the function, or its own. */
  readonly name?: string;
  /** Global names of a worker thread; default: probed from a real worker once per process. */
  readonly workerGlobals?: ReadonlySet<string>;
}

/** What a function's source may use that no worker can give it, and what to do instead. */
const UNSHIPPABLE_USES: ReadonlyArray<readonly [keyof SourceAnalysis & `uses${string}`, string]> = [
  [
    "usesOuterThis",
    "it is an arrow function that reads the `this` of the code around it, which a worker does not have; pass what it needs as data, or use a regular function",
  ],
  [
    "usesOuterArguments",
    "it is an arrow function that reads the `arguments` of an enclosing function, which a worker does not have; use rest parameters (`...args`)",
  ],
  [
    "usesSuper",
    "it is a method that uses `super`, which only works inside its class; ship a function that calls the method on an instance instead",
  ],
  ["usesExportsObject", "it uses the notebook's `exports` object itself; refer to notebook variables by name instead"],
];

/** Scope name for an entry function that is itself a module export or a global (it has no source). */
const ENTRY_REF = "__threadlab_entry";

export function shipFunction(fn: Function, env: ShipEnvironment): ShippedFunction {
  return new Shipment(env).ship(fn);
}

type CodeValue = Extract<ShippedValue, { kind: "code" }>;

class Shipment {
  private readonly scope = new Map<string, ShippedValue>();
  /** The notebook value each scope name stands for: one name must not mean two values. */
  private readonly origins = new Map<string, unknown>();
  private readonly classAnalyses = new Map<Function, SourceAnalysis>();
  private readonly modules: ModuleIndex;
  private readonly globals: ReadonlySet<string>;
  private namesByValue: Map<unknown, string> | undefined;

  constructor(private readonly env: ShipEnvironment) {
    this.modules = new ModuleIndex(env.resolveDir);
    this.globals = env.workerGlobals ?? workerGlobalNames();
  }

  ship(fn: Function): ShippedFunction {
    const name = this.env.name ?? this.localNameOf(fn) ?? (fn?.name || "anonymous");
    if (typeof fn !== "function") {
      throw new ShipError(name, `it is ${describeType(fn)}, not a function; pass a function such as \`(item) => …\``);
    }
    let code: string;
    const globalPath = globalPathOf(fn, this.globals);
    const mod = globalPath === undefined ? this.modules.find(fn) : undefined;
    if (globalPath !== undefined) {
      code = globalPath;
    } else if (mod) {
      this.scope.set(ENTRY_REF, { kind: "module", ...mod });
      code = ENTRY_REF;
    } else {
      code = this.functionCode(fn, name, []).code;
    }
    return { name, code, scope: this.orderedScope(), resolveDir: this.env.resolveDir };
  }

  /** Source of a function or class with its free names resolved into the scope. */
  private functionCode(fn: Function, name: string, usedBy: readonly string[]): CodeValue {
    const source = Function.prototype.toString.call(fn);
    if (isNativeFunction(fn)) {
      if (fn.name.startsWith("bound ")) {
        throw new ShipError(
          name,
          "it is a bound function (made with `.bind`), whose target and bound arguments " +
            "cannot be read; use an arrow function instead, such as `(x) => f(a, x)`",
          usedBy,
        );
      }
      throw new ShipError(
        name,
        `it is a native function (\`${fn.name || "anonymous"}\`) that is not a global of ` +
          "the worker, so it has no source to ship; call it from an arrow function that creates what it needs",
        usedBy,
      );
    }
    let analysis: SourceAnalysis;
    try {
      analysis = analyzeSource(source);
    } catch (e) {
      throw new ShipError(
        name,
        "its source could not be read as a function or class " +
          `(${e instanceof Error ? e.message : String(e)}); define it as an ordinary function in a cell`,
        usedBy,
        { cause: e },
      );
    }
    for (const [uses, why] of UNSHIPPABLE_USES) if (analysis[uses]) throw new ShipError(name, why, usedBy);
    if (analysis.form === "class") this.classAnalyses.set(fn, analysis);

    const plain = [...analysis.freeNames.values()].filter((f) => f.plain).map((f) => f.name);
    const captured = plain.length > 0 ? capturedBindings(fn, plain) : new Map<string, CapturedBinding>();
    const after: string[] = [];
    const users = [...usedBy, name];
    for (const free of analysis.freeNames.values()) {
      this.resolveFree(free, captured, users);
      const entry = this.scope.get(free.name);
      if (free.definitionTime && entry?.kind === "code") after.push(free.name);
    }
    return after.length > 0 ? { kind: "code", code: analysis.code, after } : { kind: "code", code: analysis.code };
  }

  private resolveFree(
    free: FreeName,
    captured: ReadonlyMap<string, CapturedBinding> | undefined,
    usedBy: readonly string[],
  ): void {
    const { name } = free;
    const user = usedBy[usedBy.length - 1];
    const locals = this.env.locals;
    const binding = captured?.get(name);

    if (free.written && Object.prototype.hasOwnProperty.call(locals, name)) {
      throw new ShipError(
        user,
        `it assigns to the notebook variable \`${name}\`; in a worker that would only ` +
          "change the worker's own copy. Return the new value from the function instead, or keep such state " +
          "inside the function",
        usedBy.slice(0, -1),
      );
    }

    if (binding && binding.scope !== "script") {
      const v = binding.value;
      if (name === "require" && typeof v === "function") return this.add(name, v, { kind: "require" });
      if (isTsHelperName(name) && !Object.prototype.hasOwnProperty.call(locals, name)) return this.addTsHelper(name);
      if (Object.prototype.hasOwnProperty.call(locals, name) && Object.is(locals[name], v)) {
        return this.resolveNotebookName(name, v, usedBy);
      }
      const mod = this.modules.find(v);
      if (mod) return this.add(name, v, { kind: "module", ...mod });
      if (Object.prototype.hasOwnProperty.call(locals, name)) {
        throw new ShipError(
          name,
          `\`${user}\` uses a \`${name}\` that is not the notebook's current \`${name}\`: ` +
            `a local variable of ${describeScope(binding)}, or the value from before \`${name}\` was redefined. ` +
            `Re-run the cell that defines \`${user}\`, or rename the local variable`,
          usedBy,
        );
      }
      throw new ShipError(
        name,
        `it is a local variable of ${describeScope(binding)}, captured when \`${user}\` ` +
          "was created, not a top-level name of the notebook; define it at the top level of a cell, or pass it in " +
          "the items or the model",
        usedBy,
      );
    }

    if (free.viaExports || Object.prototype.hasOwnProperty.call(locals, name)) {
      if (!Object.prototype.hasOwnProperty.call(locals, name)) {
        throw new ShipError(
          name,
          "it is no longer defined in the notebook (was the kernel reset?); run the cell " + "that defines it again",
          usedBy,
        );
      }
      // `declare const x: T` in a cell exports an undefined `x`; the value the code reads is a kernel global.
      if (locals[name] === undefined && name in globalThis && !this.globals.has(name)) throw kernelGlobal(name, usedBy);
      return this.resolveNotebookName(name, locals[name], usedBy);
    }
    if (name === "require") return this.add(name, require, { kind: "require" });
    if (isTsHelperName(name)) return this.addTsHelper(name);
    if (this.globals.has(name) || free.onlyTypeof) return;
    if (binding?.scope === "script" || name in globalThis) throw kernelGlobal(name, usedBy);
    if (captured === undefined && /_\d+$/.test(name)) {
      throw new ShipError(
        name,
        "it looks like an import made in the same cell as the function, and this Node " +
          "cannot inspect closures; move the import to a cell of its own",
        usedBy,
      );
    }
    throw new ShipError(
      name,
      "it is neither a top-level name of the notebook nor a global of a worker thread; " +
        "define it at the top level of a cell",
      usedBy,
    );
  }

  /** A notebook top-level name: a model, a module, a function or class (by source), or data (cloned). */
  private resolveNotebookName(name: string, value: unknown, usedBy: readonly string[]): void {
    if (this.origins.has(name)) {
      if (!Object.is(this.origins.get(name), value)) {
        throw new ShipError(
          name,
          "two different values go by this name (an earlier definition is still used by " +
            "a function defined before it was redefined); re-run the cells that use it",
          usedBy,
        );
      }
      return;
    }
    if (!isBindableName(name)) {
      throw new ShipError(name, "this name cannot be a variable in a worker's strict-mode code; rename it", usedBy);
    }
    // Recorded before recursing: functions that call each other (or themselves) stop here the second time.
    this.origins.set(name, value);
    this.scope.set(name, { kind: "code", code: "undefined" });
    this.scope.set(name, this.shippedValue(name, value, usedBy));
  }

  private shippedValue(name: string, value: unknown, usedBy: readonly string[]): ShippedValue {
    const model = modelBrandId(value);
    if (model !== undefined) return { kind: "model", id: model };
    if (typeof value === "function") {
      const globalPath = globalPathOf(value, this.globals);
      if (globalPath !== undefined) return { kind: "code", code: globalPath };
      const mod = this.modules.find(value);
      if (mod) return { kind: "module", ...mod };
      return this.functionCode(value, name, usedBy);
    }
    if (typeof value === "object" && value !== null) {
      const mod = this.modules.find(value);
      if (mod) return { kind: "module", ...mod };
      const globalPath = globalPathOf(value, this.globals);
      if (globalPath !== undefined) return { kind: "code", code: globalPath };
    }
    const prototypes = checkCloneable(value, name, usedBy, { classOf: (ctor) => this.classOf(ctor, usedBy) });
    return prototypes.length > 0 ? { kind: "value", value, prototypes } : { kind: "value", value };
  }

  private classOf(ctor: Function, usedBy: readonly string[]): ClassDecision {
    const name = this.localNameOf(ctor);
    // Not a notebook class (a Socket, a URL, a package's class): only its data would arrive, not its methods.
    if (name === undefined) return { problem: { noun: `a ${ctor.name || "class instance"}`, advice: COPY_ADVICE } };
    this.resolveNotebookName(name, ctor, usedBy);
    if (this.scope.get(name)?.kind !== "code") return { problem: { noun: `a ${ctor.name}`, advice: COPY_ADVICE } };
    if (this.hasPrivateMembers(ctor)) {
      return {
        problem: {
          noun: `an instance of \`${name}\` (its \`#private\` fields)`,
          advice: "use ordinary fields, or create the instances inside the function",
        },
      };
    }
    return { ship: name };
  }

  private hasPrivateMembers(ctor: Function): boolean {
    for (let c: unknown = ctor; typeof c === "function" && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
      let analysis = this.classAnalyses.get(c);
      if (!analysis) {
        try {
          analysis = analyzeSource(Function.prototype.toString.call(c));
        } catch {
          continue; // native or unparsable base: it declares no #private fields we could see
        }
      }
      if (analysis.hasPrivateMembers) return true;
    }
    return false;
  }

  private addTsHelper(name: string): void {
    if (this.scope.has(name)) return;
    const helper = tsHelperCode(name)!;
    this.origins.set(name, helper);
    this.scope.set(name, { kind: "code", code: helper.code });
    for (const dep of helper.uses) this.addTsHelper(dep);
  }

  /** A name bound to something other than a notebook name (a same-cell import binding, `require`). */
  private add(name: string, origin: unknown, value: ShippedValue): void {
    if (this.origins.has(name)) {
      if (Object.is(this.origins.get(name), origin)) return;
      throw new ShipError(name, "two different values go by this name in the shipped functions; rename one", []);
    }
    this.origins.set(name, origin);
    this.scope.set(name, value);
  }

  private localNameOf(value: unknown): string | undefined {
    if ((typeof value !== "object" && typeof value !== "function") || value === null) return undefined;
    if (!this.namesByValue) {
      this.namesByValue = new Map();
      for (const key of Object.keys(this.env.locals)) {
        const v = this.env.locals[key];
        if (((typeof v === "object" && v !== null) || typeof v === "function") && !this.namesByValue.has(v)) {
          this.namesByValue.set(v, key);
        }
      }
    }
    return this.namesByValue.get(value);
  }

  /** Data first (they become parameters), then code in an order where definition-time needs come first. */
  private orderedScope(): Record<string, ShippedValue> {
    const out: Record<string, ShippedValue> = {};
    for (const [name, v] of this.scope) if (v.kind !== "code") out[name] = v;
    const state = new Map<string, "visiting" | "done">();
    const visit = (name: string): void => {
      const v = this.scope.get(name);
      if (v?.kind !== "code" || state.has(name)) return;
      state.set(name, "visiting");
      for (const dep of v.after ?? []) visit(dep);
      state.set(name, "done");
      out[name] = v;
    };
    for (const name of this.scope.keys()) visit(name);
    return out;
  }
}

function kernelGlobal(name: string, usedBy: readonly string[]): ShipError {
  return new ShipError(
    name,
    "it is a global of the kernel only (set on `globalThis` or declared by a script), " +
      "which worker threads do not have; make it a top-level `const` in a cell instead",
    usedBy,
  );
}

function describeScope(binding: CapturedBinding): string {
  switch (binding.scope) {
    case "closure":
      return binding.functionName ? `the function \`${binding.functionName}\`` : "an enclosing anonymous function";
    case "block":
      return "a block (a loop or `{ }` body) around it";
    case "catch":
      return "a `catch` clause around it";
    default:
      return "an enclosing scope";
  }
}

function describeType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  const t = typeof v;
  return t === "object" ? "an object" : `a ${t}`;
}
