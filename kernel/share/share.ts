import fs from "node:fs";
import { MODEL_BRAND, modelBrandId, type ModelBrand } from "../ship/types";
import { isNativeFunction } from "../ship/values";
import { CLONED_PROTOTYPES, describePath, walkObjects, type EdgeKey } from "../ship/value-walk";
import type { ModelPayload, ShippedClass } from "./model-payload";
import { modelRegistry } from "./registry";

export interface SharedModelRoot {
  readonly [MODEL_BRAND]: ModelBrand;
}

export interface ShareOptions {
  /** Shown in sidebar updates and `%parallel models`. */
  name?: string;
}

type View = ArrayBufferView & { readonly buffer: ArrayBufferLike };
/** Where a reference sits, so that it can be pointed at the shared copy; step null: not rewritten (a Map key). */
type Slot = {
  parent: unknown;
  step: string | number | { readonly mapValue: number } | { readonly setValue: number } | null;
};

/** Region boundaries are aligned to a cache line so workers writing neighbouring arrays never share one. */
const REGION_ALIGN = 64;
/** Largest element size (Float64, BigInt64): copying from a multiple of it keeps every view aligned. */
const ELEMENT_ALIGN = 8;

export function isSharedModel(x: unknown): x is SharedModelRoot {
  return typeof x === "object" && modelIdOf(x) !== undefined;
}

/** The id of a model that is shared now (branded and not released). */
export function modelIdOf(x: unknown): string | undefined {
  const id = modelBrandId(x);
  return id !== undefined && modelRegistry.has(id) ? id : undefined;
}

/**
 * Moves every typed array of `obj`'s graph into SharedArrayBuffer memory (the object is updated in place, so
 * the caller's references see the shared copies) and brands `obj` as a model. Workers receive the rest of the
 * graph by structured clone, once each. Models are immutable by convention: writes to typed arrays after
 * sharing are seen by all workers, other changes are not.
 */
export function share<T extends object>(obj: T, options: ShareOptions = {}): T {
  if (isSharedModel(obj)) return obj;
  if (typeof obj !== "object" || obj === null)
    throw new TypeError(`share() takes an object or typed array, got ${obj === null ? "null" : typeof obj}`);
  if (Object.isFrozen(obj) || !Object.isExtensible(obj))
    throw new TypeError("share() cannot brand a frozen or non-extensible object; share it before freezing it");
  const walk = walkGraph(obj);
  const { root, buffers } = moveToShared(obj, walk);
  const id = modelRegistry.nextId();
  // Configurable, so a released model can be shared again under a new id.
  Object.defineProperty(root, MODEL_BRAND, {
    value: { id } satisfies ModelBrand,
    enumerable: false,
    configurable: true,
  });
  let bytes = 0;
  for (const b of buffers) bytes += b.byteLength;
  const payload: Omit<ModelPayload, "root"> = { id, classes: walk.classes, instances: walk.instances };
  modelRegistry.add(root, { id, name: options.name ?? defaultName(root), bytes, payload });
  return root as T;
}

function defaultName(root: object): string {
  const ctor = Object.getPrototypeOf(root)?.constructor;
  return ctor && ctor !== Object ? ctor.name : "model";
}

interface GraphWalk {
  views: { view: View; slot: Slot }[];
  /** Bare ArrayBuffers referenced from the graph: these get a SharedArrayBuffer of their own. */
  buffers: { buffer: ArrayBuffer; slot: Slot }[];
  classes: ShippedClass[];
  instances: { index: number; cls: number }[];
}

/** Collects a model's views, buffers and class instances with `walkObjects`, the walker ship/ uses too. */
function walkGraph(root: object): GraphWalk {
  const out: GraphWalk = { views: [], buffers: [], classes: [], instances: [] };
  const classIndex = new Map<Function, number>();
  // By object number: the object and the edge it was reached by, for slots and for error paths.
  const objects: object[] = [];
  const edges: { parent: number; key: EdgeKey | undefined }[] = [];
  const pathOf = (index: number): EdgeKey[] => {
    const path: EdgeKey[] = [];
    for (let i = index; i > 0; i = edges[i].parent) path.unshift(edges[i].key!);
    return path;
  };
  const slotOf = (parent: number, key: EdgeKey | undefined): Slot => {
    if (parent < 0 || key === undefined || (typeof key === "object" && "mapKey" in key))
      return { parent: null, step: null };
    const step = typeof key === "object" && "setMember" in key ? { setValue: key.setMember } : key;
    return { parent: objects[parent], step };
  };

  const classOf = (ctor: Function, index: number): number => {
    const known = classIndex.get(ctor);
    if (known !== undefined) return known;
    const source = Function.prototype.toString.call(ctor);
    if (!source.startsWith("class"))
      throw new TypeError(
        `share(): ${describePath("model", pathOf(index))} is an instance of ${ctor.name || "an anonymous constructor"}, which is not a class; only class instances get their prototype back in workers`,
      );
    const baseCtor = Object.getPrototypeOf(ctor) as Function;
    let base: number | undefined;
    if (baseCtor !== Function.prototype && !isNativeFunction(baseCtor)) base = classOf(baseCtor, index);
    const i = out.classes.length;
    out.classes.push({ source, base, baseName: base === undefined ? undefined : baseCtor.name });
    classIndex.set(ctor, i);
    return i;
  };

  // Every reference to a view or bare buffer is rewritten, not only the first: revisits are recorded too.
  const leaf = (value: object, slot: Slot): boolean => {
    if (ArrayBuffer.isView(value)) out.views.push({ view: value as View, slot });
    else if (value instanceof ArrayBuffer) out.buffers.push({ buffer: value, slot });
    else return false;
    return true;
  };

  walkObjects(root, {
    object(value, index, parent, key) {
      objects[index] = value;
      edges[index] = { parent, key };
      if (typeof value === "function")
        throw new TypeError(
          `share(): ${describePath("model", pathOf(index))} is a function; models hold data only — put behaviour in class methods or in the mapped function`,
        );
      if (leaf(value, slotOf(parent, key)) || value instanceof SharedArrayBuffer) return false;
      const proto = Object.getPrototypeOf(value);
      if (proto !== null && !CLONED_PROTOTYPES.has(proto)) {
        const ctor = proto.constructor as Function | undefined;
        if (typeof ctor !== "function" || isNativeFunction(ctor))
          throw new TypeError(
            `share(): ${describePath("model", pathOf(index))} is a ${ctor?.name ?? "object with an unusual prototype"}, which cannot be sent to workers`,
          );
        out.instances.push({ index, cls: classOf(ctor, index) });
      }
      return true;
    },
    revisit(value, parent, key) {
      leaf(value, slotOf(parent, key));
    },
  });
  return out;
}

function replaceAt(slot: Slot, next: unknown): void {
  const { parent, step } = slot;
  if (step === null) return;
  if (typeof step !== "object") {
    (parent as Record<string | number, unknown>)[step] = next;
  } else if ("mapValue" in step) {
    const map = parent as Map<unknown, unknown>;
    let i = 0;
    for (const k of map.keys())
      if (i++ === step.mapValue) {
        map.set(k, next);
        return;
      }
  } else {
    // Sets have no positions to write to: rebuild it in the same order with the one value swapped.
    const set = parent as Set<unknown>;
    const values = [...set];
    values[step.setValue] = next;
    set.clear();
    for (const v of values) set.add(v);
  }
}

const ctorOfView = (v: View) => v.constructor as new (b: ArrayBufferLike, off: number, len: number) => View;
const lengthOf = (v: View) => (v instanceof DataView ? v.byteLength : (v as unknown as { length: number }).length);

/** Copies each non-shared buffer's used range into one SharedArrayBuffer and points every view at it. */
function moveToShared(root: object, walk: GraphWalk): { root: object; buffers: Set<SharedArrayBuffer> } {
  const buffers = new Set<SharedArrayBuffer>();
  const ownBuffer = new Map<ArrayBufferLike, SharedArrayBuffer>();
  for (const { buffer, slot } of walk.buffers) {
    let sab = ownBuffer.get(buffer);
    if (!sab) {
      sab = new SharedArrayBuffer(buffer.byteLength);
      new Uint8Array(sab).set(new Uint8Array(buffer));
      ownBuffer.set(buffer, sab);
      buffers.add(sab);
    }
    replaceAt(slot, sab);
  }
  const ranges = new Map<ArrayBufferLike, { lo: number; hi: number; at: number }>();
  for (const { view } of walk.views) {
    if (view.buffer instanceof SharedArrayBuffer) buffers.add(view.buffer);
    if (view.buffer instanceof SharedArrayBuffer || ownBuffer.has(view.buffer)) continue;
    const r = ranges.get(view.buffer);
    const lo = view.byteOffset - (view.byteOffset % ELEMENT_ALIGN);
    const hi = view.byteOffset + view.byteLength;
    if (!r) ranges.set(view.buffer, { lo, hi, at: 0 });
    else {
      r.lo = Math.min(r.lo, lo);
      r.hi = Math.max(r.hi, hi);
    }
  }
  let total = 0;
  for (const r of ranges.values()) {
    r.at = total;
    total += Math.ceil((r.hi - r.lo) / REGION_ALIGN) * REGION_ALIGN;
  }
  const sab = new SharedArrayBuffer(total);
  if (total > 0) buffers.add(sab);
  const bytes = new Uint8Array(sab);
  for (const [buffer, r] of ranges) bytes.set(new Uint8Array(buffer, r.lo, r.hi - r.lo), r.at);
  const rebuilt = new Map<View, View>();
  let newRoot: object = root;
  for (const { view, slot } of walk.views) {
    let next = rebuilt.get(view);
    if (!next) {
      const own = ownBuffer.get(view.buffer);
      const r = ranges.get(view.buffer);
      if (own) next = new (ctorOfView(view))(own, view.byteOffset, lengthOf(view));
      else if (r) next = new (ctorOfView(view))(sab, r.at + view.byteOffset - r.lo, lengthOf(view));
      else next = view;
      rebuilt.set(view, next);
    }
    if (slot.step === null && view === root) newRoot = next;
    else replaceAt(slot, next);
  }
  return { root: newRoot, buffers };
}

type TypedArrayCtor<T> = {
  new (buffer: SharedArrayBuffer, byteOffset?: number, length?: number): T;
  BYTES_PER_ELEMENT: number;
};

/**
 * Reads a binary file straight into shared memory: the SharedArrayBuffer is the read target, so there is never a
 * second, transient copy of the data. The file's size must be a multiple of the element size.
 */
export function readFileShared<T>(path: string, Type: TypedArrayCtor<T>): T {
  const fd = fs.openSync(path, "r");
  try {
    const size = fs.fstatSync(fd).size;
    if (size % Type.BYTES_PER_ELEMENT !== 0)
      throw new RangeError(
        `share.readFile: ${path} has ${size} bytes, not a multiple of ${Type.BYTES_PER_ELEMENT} (the element size of the type asked for)`,
      );
    const sab = new SharedArrayBuffer(size);
    const bytes = new Uint8Array(sab);
    let at = 0;
    // readSync reads at most 2 GiB per call; loop until the whole file is in.
    while (at < size) {
      const n = fs.readSync(fd, bytes, at, Math.min(size - at, 1 << 30), at);
      if (n === 0)
        throw new Error(`share.readFile: ${path} ended at byte ${at} of ${size}; was it truncated while reading?`);
      at += n;
    }
    return new Type(sab, 0, size / Type.BYTES_PER_ELEMENT);
  } finally {
    fs.closeSync(fd);
  }
}
