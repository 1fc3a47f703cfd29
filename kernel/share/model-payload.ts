/**
 * What travels to a worker for one shared model, and how the worker rebuilds it. Kept apart from share.ts
 * because the worker imports only this file.
 */

/** One step from a parent to a child in the model graph. */
export type PathStep = string | number | { readonly mapValue: number } | { readonly setValue: number };

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
  /** Class instances in the graph: where, and which class to give them back. */
  readonly instances: readonly { readonly path: readonly PathStep[]; readonly cls: number }[];
}

function childAt(parent: unknown, step: PathStep): unknown {
  if (typeof step === "object") {
    const coll = "mapValue" in step ? (parent as Map<unknown, unknown>).values() : (parent as Set<unknown>).values();
    const want = "mapValue" in step ? step.mapValue : step.setValue;
    let i = 0;
    for (const v of coll) if (i++ === want) return v;
    return undefined;
  }
  return (parent as Record<string | number, unknown>)[step];
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
  for (const inst of p.instances) {
    let obj: unknown = p.root;
    for (const step of inst.path) obj = childAt(obj, step);
    if (obj && typeof obj === "object") Object.setPrototypeOf(obj, ctors[inst.cls].prototype);
  }
  return p.root;
}
