import { types } from "node:util";
import { ShipError } from "./errors";
import type { PrototypeFixup } from "./types";
import { CLONED_PROTOTYPES, describePath, type EdgeKey, isCloneLeaf, walkObjects } from "./value-walk";

/**
 * Decides up front, by walking the value the way structured clone will, whether a notebook value can be
 * copied to a worker, so the user hears about a socket in their data before any work starts rather than
 * from a DataCloneError in the middle of a map. Class instances are accepted when their class can be
 * shipped: the walk records where they are so the worker can put their prototypes back.
 */

/** What the caller decides about a constructor met in the data. */
export type ClassDecision =
  | { readonly ship: string } // a scope name (the class is shipped) or a worker global such as "Buffer"
  | { readonly problem: Problem }; // why its instances cannot travel

export interface CloneCheckHost {
  classOf(ctor: Function): ClassDecision;
}

export interface Problem {
  /** What the thing is, with an article: "a Socket". */
  readonly noun: string;
  /** What to do instead. */
  readonly advice: string;
}

export const COPY_ADVICE = "create it inside the function or pass plain data";

/**
 * Throws a ShipError naming `name` (and the path inside it) when the value cannot be copied; otherwise
 * returns the prototype fixups the worker must apply (empty for plain data).
 */
export function checkCloneable(
  value: unknown,
  name: string,
  usedBy: readonly string[],
  host: CloneCheckHost,
): PrototypeFixup[] {
  const fixups: PrototypeFixup[] = [];
  const parents: number[] = [];
  const keys: (EdgeKey | undefined)[] = [];

  const fail = (index: number, problem: Problem, childKey?: EdgeKey): never => {
    const path = pathOf(name, parents, keys, index, childKey);
    const reason =
      path === name
        ? `${problem.noun} cannot be copied to a worker; ${problem.advice}`
        : `\`${path}\` is ${problem.noun}, which cannot be copied to a worker; ${problem.advice}`;
    throw new ShipError(name, reason, usedBy);
  };

  const primitiveProblem = (v: unknown): Problem | undefined =>
    typeof v === "symbol" ? { noun: "a Symbol", advice: "use a string instead" } : undefined;

  const rootProblem = primitiveProblem(value);
  if (rootProblem) fail(-1, rootProblem);

  walkObjects(value, {
    object(obj, index, parent, key) {
      parents[index] = parent;
      keys[index] = key;
      const problem = intrinsicProblem(obj);
      if (problem) fail(index, problem);
      const proto: object | null = Object.getPrototypeOf(obj);
      if (CLONED_PROTOTYPES.has(proto)) return true;
      if (proto === null) {
        if (isCloneLeaf(obj) || Array.isArray(obj) || types.isMap(obj) || types.isSet(obj)) return true;
        fixups.push([index, null]);
        return true;
      }
      if (typeof Buffer !== "undefined" && proto === Buffer.prototype) {
        fixups.push([index, "Buffer"]);
        return true;
      }
      const ctor = ownConstructor(proto);
      if (!ctor) fail(index, { noun: `an object with a foreign prototype`, advice: COPY_ADVICE });
      const decision = host.classOf(ctor!);
      if ("problem" in decision) fail(index, decision.problem);
      else fixups.push([index, decision.ship]);
      return true;
    },
    primitive(v, parent, key) {
      const problem = primitiveProblem(v);
      if (problem) fail(parent, problem, key);
    },
  });
  return fixups;
}

function intrinsicProblem(obj: object): Problem | undefined {
  if (typeof obj === "function") {
    return {
      noun: "a function",
      advice: "functions inside data are not shipped; make it a top-level function and call it by name",
    };
  }
  if (types.isProxy(obj)) return { noun: "a Proxy", advice: "pass the object behind it" };
  if (types.isPromise(obj)) {
    return { noun: "a Promise", advice: "await it in the notebook first and pass the result" };
  }
  if (types.isWeakMap(obj)) return { noun: "a WeakMap", advice: "use a Map, or build it inside the function" };
  if (types.isWeakSet(obj)) return { noun: "a WeakSet", advice: "use a Set, or build it inside the function" };
  if (obj instanceof WeakRef) return { noun: "a WeakRef", advice: "pass the object it refers to" };
  if (types.isGeneratorObject(obj)) {
    return { noun: "a generator", advice: "collect its values into an array first (`[...gen]`)" };
  }
  if (types.isExternal(obj)) return { noun: "a native handle", advice: COPY_ADVICE };
  return undefined;
}

function ownConstructor(proto: object): Function | undefined {
  const d = Object.getOwnPropertyDescriptor(proto, "constructor");
  return d && typeof d.value === "function" && d.value.prototype === proto ? (d.value as Function) : undefined;
}

function pathOf(
  root: string,
  parents: readonly number[],
  keys: readonly (EdgeKey | undefined)[],
  index: number,
  childKey?: EdgeKey,
): string {
  const steps: EdgeKey[] = childKey === undefined ? [] : [childKey];
  for (let i = index; i > 0; i = parents[i]) {
    const k = keys[i];
    if (k !== undefined) steps.unshift(k);
  }
  return describePath(root, steps);
}
