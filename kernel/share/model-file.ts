/**
 * The model file format: one shared model as bytes, for the cluster's Object Store and for files on a shared
 * filesystem (`share.save` / `file:` models). Typed-array data is written once per underlying buffer, each
 * buffer starting on a page boundary, so a reader can fetch or read the whole file straight into one
 * SharedArrayBuffer and make every typed array a view of it: one copy, no per-array allocation.
 *
 *   bytes 0..8    "TLMODEL" + version byte
 *   bytes 8..12   header length H (u32 little endian)
 *   bytes 12..    header: v8-serialized ModelFileHeader (structure with placeholders, views, buffers, classes)
 *   then          each buffer's bytes at its `at` offset (a multiple of PAGE)
 */
import type { ModelFileSource } from "../map";
import { createHash } from "node:crypto";
import fs from "node:fs";
import v8 from "node:v8";
import { reviveModel, type ModelPayload, type ShippedClass } from "./model-payload";
import { modelRegistry } from "./registry";
import { isSharedModel, modelIdOf, share } from "./share";

const MAGIC = Buffer.from("TLMODEL\x01", "latin1");
const PREFIX = 12;
const PAGE = 4096;

/** Typed-array constructors a file may name; anything else in a header is refused, never looked up. */
const VIEW_TYPES = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
} as const;
type ViewType = keyof typeof VIEW_TYPES | "SharedArrayBuffer";

interface ViewRecord {
  readonly path: readonly PathStep[];
  readonly type: ViewType;
  readonly buffer: number;
  readonly byteOffset: number;
  /** Elements (bytes for DataView and bare buffers). */
  readonly length: number;
}

export interface ModelFileHeader {
  /** The model with every typed array and buffer replaced by an empty placeholder object. */
  readonly structure: unknown;
  readonly views: readonly ViewRecord[];
  readonly buffers: readonly { readonly at: number; readonly size: number }[];
  readonly classes: readonly ShippedClass[];
  /** As the share registry describes them; they apply to the graph once its views are back in place. */
  readonly instances: ModelPayload["instances"];
}

export interface EncodedModel {
  /** The file's bytes in order: prefix + header, then each buffer and its padding. Buffers are views, not copies. */
  readonly parts: readonly Uint8Array[];
  readonly size: number;
  /** Bytes of typed-array data. */
  readonly dataBytes: number;
}

type View = ArrayBufferView & { readonly buffer: ArrayBufferLike };
/** Where a typed array sits in the model: keys and indices from the root, Map and Set values by position. */
type PathStep = string | number | { readonly mapValue: number } | { readonly setValue: number };

const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

function viewType(v: View): ViewType {
  const name = v.constructor.name as ViewType;
  if (!(name in VIEW_TYPES)) throw new TypeError(`model files cannot hold a ${v.constructor.name}`);
  return name;
}

/** Serializes a model (shared first if it is not yet). */
export function encodeModel(model: object): EncodedModel {
  const root = isSharedModel(model) ? model : share(model);
  const entry = modelRegistry.get(modelIdOf(root)!)!.entry;
  const buffers = new Map<ArrayBufferLike, number>();
  const bufferList: ArrayBufferLike[] = [];
  const views: ViewRecord[] = [];
  const bufferIndex = (b: ArrayBufferLike) => {
    let i = buffers.get(b);
    if (i === undefined) {
      buffers.set(b, (i = bufferList.length));
      bufferList.push(b);
    }
    return i;
  };
  const seen = new Map<object, unknown>();
  // A copy of the graph with the same shape (so class-instance paths still hold) and placeholders for data.
  const copy = (value: unknown, path: PathStep[]): unknown => {
    if (typeof value !== "object" || value === null) return value;
    if (ArrayBuffer.isView(value)) {
      const v = value as View;
      const length = v instanceof DataView ? v.byteLength : (v as unknown as { length: number }).length;
      views.push({
        path: [...path],
        type: viewType(v),
        buffer: bufferIndex(v.buffer),
        byteOffset: v.byteOffset,
        length,
      });
      return {};
    }
    if (value instanceof SharedArrayBuffer || value instanceof ArrayBuffer) {
      views.push({
        path: [...path],
        type: "SharedArrayBuffer",
        buffer: bufferIndex(value),
        byteOffset: 0,
        length: value.byteLength,
      });
      return {};
    }
    if (seen.has(value)) return seen.get(value);
    if (value instanceof Map) {
      const out = new Map();
      seen.set(value, out);
      let i = 0;
      for (const [k, v] of value) out.set(k, copy(v, [...path, { mapValue: i++ }]));
      return out;
    }
    if (value instanceof Set) {
      const out = new Set();
      seen.set(value, out);
      let i = 0;
      for (const v of value) out.add(copy(v, [...path, { setValue: i++ }]));
      return out;
    }
    if (value instanceof Date || value instanceof RegExp) return value;
    const out = (Array.isArray(value) ? [] : {}) as Record<string | number, unknown>;
    seen.set(value, out);
    for (const key of Object.keys(value)) {
      const step: PathStep = Array.isArray(value) ? Number(key) : key;
      out[step] = copy((value as Record<string, unknown>)[key], [...path, step]);
    }
    return out;
  };
  const structure = copy(root, []);
  let at: number;
  const layout = bufferList.map((b) => ({ at: 0, size: b.byteLength }));
  const header: ModelFileHeader = {
    structure,
    views,
    buffers: layout,
    classes: entry.payload.classes,
    instances: entry.payload.instances,
  };
  // The header's size decides where data starts, and the offsets are in the header: fix them in two passes.
  let headerBytes = v8.serialize(header);
  for (let pass = 0; pass < 3; pass++) {
    at = roundUp(PREFIX + headerBytes.length, PAGE);
    for (const l of layout) {
      l.at = at;
      at = roundUp(at + l.size, PAGE);
    }
    const next = v8.serialize(header);
    if (next.length === headerBytes.length) {
      headerBytes = next;
      break;
    }
    headerBytes = next;
  }
  const prefix = Buffer.alloc(PREFIX);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(headerBytes.length, 8);
  const parts: Uint8Array[] = [prefix, headerBytes];
  let pos = PREFIX + headerBytes.length;
  let dataBytes = 0;
  bufferList.forEach((b, i) => {
    if (layout[i].at > pos) parts.push(new Uint8Array(layout[i].at - pos));
    parts.push(new Uint8Array(b));
    pos = layout[i].at + b.byteLength;
    dataBytes += b.byteLength;
  });
  return { parts, size: pos, dataBytes };
}

/** sha256 of the encoded bytes, the name a model has in the cluster's Object Store. */
export function digestOf(encoded: EncodedModel): string {
  const h = createHash("sha256");
  for (const p of encoded.parts) h.update(p);
  return h.digest("hex");
}

function setAt(root: unknown, path: readonly PathStep[], value: unknown): unknown {
  if (path.length === 0) return value;
  let parent: unknown = root;
  for (const step of path.slice(0, -1)) parent = childAt(parent, step);
  const last = path[path.length - 1];
  if (typeof last !== "object") (parent as Record<string | number, unknown>)[last] = value;
  else if ("mapValue" in last) {
    const map = parent as Map<unknown, unknown>;
    let i = 0;
    for (const k of map.keys()) if (i++ === last.mapValue) map.set(k, value);
  } else {
    const set = parent as Set<unknown>;
    const values = [...set];
    values[last.setValue] = value;
    set.clear();
    for (const v of values) set.add(v);
  }
  return root;
}

function childAt(parent: unknown, step: PathStep): unknown {
  if (typeof step !== "object") return (parent as Record<string | number, unknown>)[step];
  const values =
    "mapValue" in step ? [...(parent as Map<unknown, unknown>).values()] : [...(parent as Set<unknown>).values()];
  return values["mapValue" in step ? step.mapValue : step.setValue];
}

/**
 * Rebuilds a model from its file bytes, which must live in a SharedArrayBuffer: every typed array becomes a view
 * of those same bytes. The result is plain data plus the classes to give back (see `reviveModel`); it is not
 * shared (registered) yet.
 */
export function decodeModel(bytes: Uint8Array, source = "model"): { root: object; header: ModelFileHeader } {
  if (!(bytes.buffer instanceof SharedArrayBuffer))
    throw new TypeError("decodeModel needs bytes in a SharedArrayBuffer");
  if (bytes.length < PREFIX || !Buffer.from(bytes.buffer, bytes.byteOffset, 8).equals(MAGIC))
    throw new Error(
      `${source} is not a threadlab model file (no TLMODEL header); write one with share.save(model, path)`,
    );
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const headerLength = dv.getUint32(8, true);
  if (PREFIX + headerLength > bytes.length)
    throw new Error(`${source} is truncated: its header says ${headerLength} bytes`);
  let header: ModelFileHeader;
  try {
    header = v8.deserialize(Buffer.from(bytes.buffer, bytes.byteOffset + PREFIX, headerLength)) as ModelFileHeader;
  } catch (e) {
    throw new Error(`${source}: the model header could not be read`, { cause: e });
  }
  for (const b of header.buffers)
    if (b.at + b.size > bytes.length)
      throw new Error(`${source} is truncated: data ends at byte ${bytes.length}, a buffer needs ${b.at + b.size}`);
  let root = header.structure;
  for (const v of header.views) {
    const b = header.buffers[v.buffer];
    const at = bytes.byteOffset + b.at + v.byteOffset;
    let value: unknown;
    // A bare buffer in the model is its own allocation in the source too; slicing keeps it independent.
    if (v.type === "SharedArrayBuffer") value = bytes.buffer.slice(at, at + v.length);
    else {
      const Ctor = VIEW_TYPES[v.type];
      if (!Ctor) throw new Error(`${source}: unknown typed array type ${String(v.type)} in the header`);
      value = new (Ctor as unknown as new (b: ArrayBufferLike, o: number, l: number) => unknown)(
        bytes.buffer,
        at,
        v.length,
      );
    }
    root = setAt(root, v.path, value);
  }
  if (typeof root !== "object" || root === null) throw new Error(`${source}: the model root is not an object`);
  return { root, header };
}

/** Writes `model` to `path` in the model file format (shared first, if it is not yet). */
export function saveModel(model: object, path: string): { bytes: number } {
  const encoded = encodeModel(model);
  const fd = fs.openSync(path, "w");
  try {
    for (const p of encoded.parts) {
      let off = 0;
      while (off < p.length) off += fs.writeSync(fd, p, off, p.length - off);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { bytes: encoded.size };
}

/** Reads a whole file into one new SharedArrayBuffer (no transient second copy). */
export function readFileIntoShared(path: string): Uint8Array {
  const fd = fs.openSync(path, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const bytes = new Uint8Array(new SharedArrayBuffer(size));
    let at = 0;
    while (at < size) {
      const n = fs.readSync(fd, bytes, at, Math.min(size - at, 1 << 30), at);
      if (n === 0) throw new Error(`${path} ended at byte ${at} of ${size}; was it truncated while reading?`);
      at += n;
    }
    return bytes;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A model from file bytes, ready to map over: class instances get their classes back (their source is evaluated,
 * so only load models from sources you trust, as with any code) and the model is shared, its typed arrays staying
 * views of `bytes`.
 */
export function loadModel(bytes: Uint8Array, name: string): object {
  const { root, header } = decodeModel(bytes, name);
  if (header.classes.length) reviveModel({ id: name, root, classes: header.classes, instances: header.instances });
  return share(root, { name });
}

/** A model source naming a model file a node can read: `file:/shared/models/m.tlm` (a shared filesystem). */
export { isModelFileSource, type ModelFileSource } from "../map";

const loaded = new Map<string, { size: number; mtimeMs: number; root: WeakRef<object> }>();

/**
 * The model a `file:` source names, read once per process while the file is unchanged (same size and mtime) and
 * the model is alive: every map and every worker of this node uses that one copy.
 */
export function loadModelSource(source: ModelFileSource): { root: object; bytes: number } {
  const file = source.slice("file:".length);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new Error(
      `model ${source}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the path must be readable on every node that runs the map`,
      { cause: e },
    );
  }
  const known = loaded.get(file);
  const root = known && known.size === st.size && known.mtimeMs === st.mtimeMs ? known.root.deref() : undefined;
  if (root) return { root, bytes: st.size };
  const fresh = loadModelFile(file);
  loaded.set(file, { size: st.size, mtimeMs: st.mtimeMs, root: new WeakRef(fresh) });
  return { root: fresh, bytes: st.size };
}

/** `share.load(path)`: a model written by `share.save`, read straight into shared memory. */
export function loadModelFile(path: string): object {
  return loadModel(readFileIntoShared(path), path);
}
