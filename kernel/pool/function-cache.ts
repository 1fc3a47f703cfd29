import type { ShippedFunction } from "../ship/types";
import { isPrimitive } from "../ship/values";
import type { Begin } from "./worker-messages";

/** Compiled functions a worker keeps for later maps; ids the pool remembers for shipped code it has seen. */
const FNS_PER_WORKER = 32;
const FN_IDS = 256;

/** What the pool sends of a map's function: the code once per worker, the values every map. */
export interface Shipping {
  readonly fnId: number;
  /** The function with its `value` entries emptied. */
  readonly template: ShippedFunction;
  readonly valueNames: readonly string[];
  /** Shared models the function reaches by name. */
  readonly modelIds: readonly string[];
}

/** What a worker holds of the cache (kept on its WorkerHandle). */
export interface WorkerFunctions {
  /**
   * Functions the worker holds, by fnId, oldest use first: the primitive values last sent for each, or null
   * when they were not all primitives (objects are sent again every map: they may have been mutated since).
   */
  readonly fns: Map<number, readonly unknown[] | null>;
  /** Functions evicted from `fns`, told with the next chunk (before its `begin`). */
  forgetFns: number[];
}

/** What `beginFor` reads of a map. */
interface MapShipping {
  readonly shipping: Shipping;
  /** This map's values of the function's `value` entries. */
  readonly values: unknown[];
  readonly modelId: string | null;
  readonly opts: { readonly errors: "raise" | "collect"; readonly timeout: number | undefined };
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/**
 * The pool's side of the shipped-function cache: a function's code goes to a worker once (by fnId) and is
 * compiled there once; later maps send only the values that may have changed.
 */
export class FunctionCache {
  /** ShippedFunctions are immutable (readonly throughout), so one seen before needs no new analysis. */
  private readonly shippings = new WeakMap<ShippedFunction, Shipping>();
  /** Code (a template's JSON) → fnId: a function shipped afresh for every map still finds its compiled form. */
  private readonly fnIds = new Map<string, number>();
  private fnIdSeq = 0;

  shippingOf(fn: ShippedFunction): Shipping {
    let s = this.shippings.get(fn);
    if (s) return s;
    const scope: Record<string, ShippedFunction["scope"][string]> = {};
    const valueNames: string[] = [];
    const modelIds: string[] = [];
    for (const name in fn.scope) {
      const v = fn.scope[name];
      if (v.kind === "model") modelIds.push(v.id);
      if (v.kind === "value") {
        valueNames.push(name);
        scope[name] = v.prototypes
          ? { kind: "value", value: undefined, prototypes: v.prototypes }
          : { kind: "value", value: undefined };
      } else scope[name] = v;
    }
    const template: ShippedFunction = { ...fn, scope };
    const key = JSON.stringify(template);
    let fnId = this.fnIds.get(key);
    if (fnId === undefined) {
      fnId = ++this.fnIdSeq;
      // Forgetting an old id only costs a recompile: workers evict by their own recency (FNS_PER_WORKER).
      if (this.fnIds.size >= FN_IDS) this.fnIds.delete(this.fnIds.keys().next().value!);
    } else this.fnIds.delete(key);
    this.fnIds.set(key, fnId);
    s = { fnId, template, valueNames, modelIds };
    this.shippings.set(fn, s);
    return s;
  }
}

/** A map's first chunk to a worker: code only if the worker lacks it, values only if they may differ. */
export function beginFor(h: WorkerFunctions, job: MapShipping): Begin {
  const { fnId, template } = job.shipping;
  const values = job.values;
  const known = h.fns.get(fnId);
  if (known !== undefined) h.fns.delete(fnId);
  else if (h.fns.size >= FNS_PER_WORKER) {
    const oldest = h.fns.keys().next().value!;
    h.fns.delete(oldest);
    h.forgetFns.push(oldest);
  }
  const prims = values.every(isPrimitive) ? values : null;
  h.fns.set(fnId, prims);
  const begin: Begin = { fnId, modelId: job.modelId, collect: job.opts.errors === "collect" };
  if (job.opts.timeout !== undefined) begin.timed = true;
  if (known === undefined) begin.shipped = template;
  if (values.length > 0 && !(known && prims && sameValues(known, prims))) begin.values = values;
  return begin;
}
