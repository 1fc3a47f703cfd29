/**
 * What travels to a worker for one shared model, and how the worker rebuilds it. Kept apart from share.ts
 * because the worker imports only this file.
 */
import { restorePrototypes } from "../ship/value-walk";

export interface ShippedClass {
  /** `Ctor.toString()`: a class expression, evaluated in the worker with its base class bound by name. */
  readonly source: string;
  /** Index into `classes` of the base class, when the base is a shipped class too. */
  readonly base?: number;
  readonly baseName?: string;
}

export interface ModelPayload {
  readonly id: string;
  /** Structured-cloned per worker; its typed arrays are views of SharedArrayBuffers, so they stay shared. */
  readonly root: unknown;
  readonly classes: readonly ShippedClass[];
  /**
   * Class instances in the graph: their object number in `walkObjects` order (the same before and after
   * structured clone), and which class to give them back.
   */
  readonly instances: readonly { readonly index: number; readonly cls: number }[];
}

/** Rebuilds class prototypes on a structured-cloned model. Runs in the worker. */
export function reviveModel(p: ModelPayload): unknown {
  const ctors: Function[] = [];
  p.classes.forEach((c, i) => {
    // Each class gets its own scope so two notebook classes with the same name do not collide.
    const base = c.base === undefined ? undefined : ctors[c.base];
    const params = base && c.baseName ? [c.baseName] : [];
    try {
      ctors[i] = new Function(...params, `"use strict"; return (${c.source});`)(base) as Function;
    } catch (err) {
      throw new Error(`could not rebuild class #${i} of model ${p.id} in the worker`, { cause: err });
    }
  });
  restorePrototypes(
    p.root,
    p.instances.map((inst) => [inst.index, ctors[inst.cls]] as const),
  );
  return p.root;
}
