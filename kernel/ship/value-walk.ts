import { types } from "node:util";

/**
 * The one walker of value graphs, for shipped values (ship/) and shared models (share/). Numbers the objects
 * of a value graph in one fixed order, so that the kernel (before structured clone)
 * and a worker (after it) agree on "object number i" without sending paths. The order depends only on what
 * structured clone preserves: own enumerable string keys in order, array elements, Map entries, Set members,
 * and object identity (shared references and cycles are visited once).
 *
 * Worker-side code: no TypeScript compiler here.
 */

export type EdgeKey =
  string | number | { readonly mapKey: number } | { readonly mapValue: number } | { readonly setMember: number };

export interface WalkVisitor {
  /** Called once per object; return false to not descend into it. */
  object(obj: object, index: number, parent: number, key: EdgeKey | undefined): boolean;
  /** Called for every primitive child (optional: the worker side does not need them). */
  primitive?(value: unknown, parent: number, key: EdgeKey): void;
  /** Called for each further edge to an object already visited (share() rewrites every reference to a view). */
  revisit?(obj: object, parent: number, key: EdgeKey | undefined): void;
}

/** Objects structured clone copies whole (their contents are not further object graph). */
export function isCloneLeaf(obj: object): boolean {
  return (
    types.isArrayBufferView(obj) ||
    types.isAnyArrayBuffer(obj) ||
    types.isDate(obj) ||
    types.isRegExp(obj) ||
    types.isNativeError(obj) ||
    types.isBoxedPrimitive(obj)
  );
}

/**
 * Prototypes structured clone rebuilds by itself. An object with any other prototype arrives as a plain object,
 * so ship/ and share/ must either name its class for the receiver to put back (PrototypeFixup) or refuse it.
 */
export const CLONED_PROTOTYPES: ReadonlySet<object | null> = new Set<object | null>([
  Object.prototype,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  Date.prototype,
  RegExp.prototype,
  ArrayBuffer.prototype,
  SharedArrayBuffer.prototype,
  DataView.prototype,
  Error.prototype,
  EvalError.prototype,
  RangeError.prototype,
  ReferenceError.prototype,
  SyntaxError.prototype,
  TypeError.prototype,
  URIError.prototype,
  Boolean.prototype,
  Number.prototype,
  String.prototype,
  BigInt.prototype,
  Int8Array.prototype,
  Uint8Array.prototype,
  Uint8ClampedArray.prototype,
  Int16Array.prototype,
  Uint16Array.prototype,
  Int32Array.prototype,
  Uint32Array.prototype,
  Float32Array.prototype,
  Float64Array.prototype,
  BigInt64Array.prototype,
  BigUint64Array.prototype,
]);

export function walkObjects(root: unknown, visitor: WalkVisitor): void {
  if (!isObjectLike(root)) return;
  const seen = new Set<object>();
  let counter = 0;
  // Explicit stack (deep linked lists would overflow recursion), children pushed in reverse so objects are
  // numbered in depth-first, left-to-right order.
  const stack: { obj: object; parent: number; key: EdgeKey | undefined }[] = [
    { obj: root, parent: -1, key: undefined },
  ];
  while (stack.length > 0) {
    const { obj, parent, key } = stack.pop()!;
    if (seen.has(obj)) {
      visitor.revisit?.(obj, parent, key);
      continue;
    }
    seen.add(obj);
    const index = counter++;
    if (!visitor.object(obj, index, parent, key) || isCloneLeaf(obj)) continue;
    const children: { obj: object; key: EdgeKey }[] = [];
    const child = (value: unknown, k: EdgeKey): void => {
      if (isObjectLike(value)) children.push({ obj: value, key: k });
      else visitor.primitive?.(value, index, k);
    };
    if (Array.isArray(obj)) {
      for (let i = 0; i < obj.length; i++) child(obj[i], i);
    } else if (types.isMap(obj)) {
      let i = 0;
      for (const [k, v] of Map.prototype.entries.call(obj) as IterableIterator<[unknown, unknown]>) {
        child(k, { mapKey: i });
        child(v, { mapValue: i });
        i++;
      }
    } else if (types.isSet(obj)) {
      let i = 0;
      for (const v of Set.prototype.values.call(obj) as IterableIterator<unknown>) child(v, { setMember: i++ });
    } else {
      for (const k of Object.keys(obj)) child((obj as Record<string, unknown>)[k], k);
    }
    for (let i = children.length - 1; i >= 0; i--)
      stack.push({ obj: children[i].obj, parent: index, key: children[i].key });
  }
}

function isObjectLike(v: unknown): v is object {
  return (typeof v === "object" && v !== null) || typeof v === "function";
}

/** Puts class prototypes back on a structured-cloned value (see PrototypeFixup). */
export function restorePrototypes(
  value: unknown,
  fixups: ReadonlyArray<readonly [number, { prototype: object } | null]>,
): void {
  if (fixups.length === 0) return;
  const byIndex = new Map(fixups);
  walkObjects(value, {
    object(obj, index) {
      const ctor = byIndex.get(index);
      if (ctor !== undefined) Object.setPrototypeOf(obj, ctor === null ? null : ctor.prototype);
      return true;
    },
  });
}

/**
 * Where a value sits inside the graph named `root`, as TypeScript-like text for error messages:
 * `model.layers[2].weights`, `data.get(<key 0>)`, `lookup (key 1 of the Map)`.
 */
export function describePath(root: string, steps: readonly EdgeKey[]): string {
  return root + steps.map(describeStep).join("");
}

function describeStep(k: EdgeKey): string {
  if (typeof k === "number") return `[${k}]`;
  if (typeof k === "string") return /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
  if ("mapKey" in k) return ` (key ${k.mapKey} of the Map)`;
  if ("mapValue" in k) return `.get(<key ${k.mapValue}>)`;
  return ` (member ${k.setMember} of the Set)`;
}
