import fs from "node:fs";
import { MODEL_BRAND, modelBrandId, type ModelBrand } from "../ship/types";
import { isNativeFunction } from "../ship/values";
import type { ModelPayload, PathStep, ShippedClass } from "./model-payload";
import { modelRegistry } from "./registry";

export interface SharedModelRoot {
  readonly [MODEL_BRAND]: ModelBrand;
}

export interface ShareOptions {
  /** Shown in snapshots and `%parallel models`. */
  name?: string;
}

type View = ArrayBufferView & { readonly buffer: ArrayBufferLike };
type Slot = { parent: unknown; step: PathStep | null };

/** Region boundaries are aligned to a cache line so workers writing neighbouring arrays never share one. */
const REGION_ALIGN = 64;
/** Largest element size (Float64, BigInt64): copying from a multiple of it keeps every view aligned. */
const ELEMENT_ALIGN = 8;

const BUILTIN_PROTOS = new Set<object>([
  Object.prototype, Array.prototype, Map.prototype, Set.prototype, Date.prototype, RegExp.prototype,
  Error.prototype, Boolean.prototype, Number.prototype, String.prototype,
]);

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
  Object.defineProperty(root, MODEL_BRAND, { value: { id } satisfies ModelBrand, enumerable: false, configurable: true });
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
  instances: { path: PathStep[]; cls: number }[];
}

function describe(path: PathStep[]): string {
  let s = "model";
  for (const p of path)
    s += typeof p === "number" ? `[${p}]` : typeof p === "string" ? (/^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`)
      : "mapValue" in p ? `<map value ${p.mapValue}>` : `<set value ${p.setValue}>`;
  return s;
}

function walkGraph(root: object): GraphWalk {
  const out: GraphWalk = { views: [], buffers: [], classes: [], instances: [] };
  const classIndex = new Map<Function, number>();
  const seen = new Set<object>();

  const classOf = (ctor: Function, path: PathStep[]): number => {
    const known = classIndex.get(ctor);
    if (known !== undefined) return known;
    const source = Function.prototype.toString.call(ctor);
    if (!source.startsWith("class"))
      throw new TypeError(`share(): ${describe(path)} is an instance of ${ctor.name || "an anonymous constructor"}, which is not a class; only class instances get their prototype back in workers`);
    const baseCtor = Object.getPrototypeOf(ctor) as Function;
    let base: number | undefined;
    if (baseCtor !== Function.prototype && !isNativeFunction(baseCtor)) base = classOf(baseCtor, path);
    const i = out.classes.length;
    out.classes.push({ source, base, baseName: base === undefined ? undefined : baseCtor.name });
    classIndex.set(ctor, i);
    return i;
  };

  const visit = (value: unknown, slot: Slot, path: PathStep[]): void => {
    if (typeof value === "function")
      throw new TypeError(`share(): ${describe(path)} is a function; models hold data only — put behaviour in class methods or in the mapped function`);
    if (typeof value !== "object" || value === null) return;
    if (ArrayBuffer.isView(value)) {
      out.views.push({ view: value as View, slot });
      return;
    }
    if (value instanceof ArrayBuffer) {
      out.buffers.push({ buffer: value, slot });
      return;
    }
    if (value instanceof SharedArrayBuffer || seen.has(value)) return;
    seen.add(value);
    const proto = Object.getPrototypeOf(value);
    if (proto !== null && !BUILTIN_PROTOS.has(proto)) {
      const ctor = proto.constructor as Function | undefined;
      if (typeof ctor !== "function" || isNativeFunction(ctor))
        throw new TypeError(`share(): ${describe(path)} is a ${ctor?.name ?? "object with an unusual prototype"}, which cannot be sent to workers`);
      out.instances.push({ path: [...path], cls: classOf(ctor, path) });
    }
    if (value instanceof Map) {
      let i = 0;
      for (const [k, v] of value) {
        if (typeof k === "object" && k !== null) visit(k, { parent: null, step: null }, [...path, { mapValue: i }]);
        visit(v, { parent: value, step: { mapValue: i } }, [...path, { mapValue: i }]);
        i++;
      }
    } else if (value instanceof Set) {
      let i = 0;
      for (const v of value) {
        visit(v, { parent: value, step: { setValue: i } }, [...path, { setValue: i }]);
        i++;
      }
    } else {
      for (const key of Object.keys(value)) {
        const step: PathStep = Array.isArray(value) ? Number(key) : key;
        visit((value as Record<string, unknown>)[key], { parent: value, step }, [...path, step]);
      }
    }
  };
  visit(root, { parent: null, step: null }, []);
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
    for (const k of map.keys()) if (i++ === step.mapValue) { map.set(k, next); return; }
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
    else { r.lo = Math.min(r.lo, lo); r.hi = Math.max(r.hi, hi); }
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

type TypedArrayCtor<T> = { new (buffer: SharedArrayBuffer, byteOffset?: number, length?: number): T; BYTES_PER_ELEMENT: number };

/**
 * Reads a binary file straight into shared memory: the SharedArrayBuffer is the read target, so there is never a
 * second, transient copy of the data. The file's size must be a multiple of the element size.
 */
export function readFileShared<T>(path: string, Type: TypedArrayCtor<T>): T {
  const fd = fs.openSync(path, "r");
  try {
    const size = fs.fstatSync(fd).size;
    if (size % Type.BYTES_PER_ELEMENT !== 0)
      throw new RangeError(`share.readFile: ${path} has ${size} bytes, not a multiple of ${Type.BYTES_PER_ELEMENT} (the element size of the type asked for)`);
    const sab = new SharedArrayBuffer(size);
    const bytes = new Uint8Array(sab);
    let at = 0;
    // readSync reads at most 2 GiB per call; loop until the whole file is in.
    while (at < size) {
      const n = fs.readSync(fd, bytes, at, Math.min(size - at, 1 << 30), at);
      if (n === 0) throw new Error(`share.readFile: ${path} ended at byte ${at} of ${size}; was it truncated while reading?`);
      at += n;
    }
    return new Type(sab, 0, size / Type.BYTES_PER_ELEMENT);
  } finally {
    fs.closeSync(fd);
  }
}
