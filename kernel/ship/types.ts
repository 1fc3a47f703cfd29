/**
 * The contract between the kernel side that ships a notebook function (kernel/ship/analyze*) and the worker
 * side that rebuilds it (kernel/ship/materialize.ts), with the pool (kernel/pool/) carrying it unopened.
 * A ShippedFunction is structured-cloneable: it is posted to each worker once per map.
 */

/** Brand set by `share()` on a shared model's root object, so shipping can pass models by handle. */
export const MODEL_BRAND: unique symbol = Symbol.for("threadlab.model") as never;

export interface ModelBrand {
  readonly id: string;
}

/** The id a value's model brand carries, whether or not that model is still registered (share/ checks that). */
export function modelBrandId(value: unknown): string | undefined {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return undefined;
  const brand = (value as { [MODEL_BRAND]?: ModelBrand })[MODEL_BRAND];
  return brand && typeof brand.id === "string" ? brand.id : undefined;
}

/**
 * A class instance inside a cloned value: structured clone drops prototypes, so the worker puts them back.
 * `index` numbers objects in the order of `walkObjects` (kernel/ship/value-walk.ts), the same on both sides;
 * `constructor` is a scope name, a worker global (`Buffer`), or null for `Object.create(null)` objects.
 */
export type PrototypeFixup = readonly [index: number, constructor: string | null];

/** How one free identifier of a shipped function travels to the worker. */
export type ShippedValue =
  /** Structured-cloned data (primitives, plain objects, arrays, typed arrays, Map, Set, Date, …). */
  | { readonly kind: "value"; readonly value: unknown; readonly prototypes?: readonly PrototypeFixup[] }
  /**
   * JavaScript source of a function or class, evaluated in the same scope as the entry function so shipped
   * functions can call each other (and themselves) by name. `after` names code entries that must exist
   * when this one is evaluated (a base class, a class used by a static initializer).
   */
  | { readonly kind: "code"; readonly code: string; readonly after?: readonly string[] }
  /**
   * A module the notebook imported, re-required in the worker from `resolveDir` (or a Node builtin).
   * `interop` rebuilds what TypeScript's `__importDefault` / `__importStar` made of it in the notebook.
   */
  | {
      readonly kind: "module";
      readonly specifier: string;
      readonly property?: string;
      readonly interop?: "default" | "star";
    }
  /** A shared model, resolved in the worker from its cache by id (never copied). */
  | { readonly kind: "model"; readonly id: string }
  /** The `require` function itself (used by compiled dynamic `import()`), resolving from `resolveDir`. */
  | { readonly kind: "require" };

export interface ShippedFunction {
  /** Human name for messages and stack traces (the notebook variable name, or "cell"). */
  readonly name: string;
  /** JavaScript expression that evaluates to the function, free identifiers bound by `scope`. */
  readonly code: string;
  /** Every free identifier of `code` (and, transitively, of shipped code entries) and how it travels. */
  readonly scope: Readonly<Record<string, ShippedValue>>;
  /** Directory that `require` resolves from in the worker: the notebook's working directory. */
  readonly resolveDir: string;
  /**
   * Where each line of the entry function came from in the user's source (`lines[0]` for line 1), when
   * known: for a `%%parallel map` cell, the cell's line numbers. See `trimWorkerStack`.
   */
  readonly lines?: readonly number[];
}

/** What the worker side needs from its host to rebuild a function. */
export interface MaterializeContext {
  /** Resolves like a `require` created in `resolveDir` (Node builtins included). */
  require(specifier: string): unknown;
  model(id: string): unknown;
}
