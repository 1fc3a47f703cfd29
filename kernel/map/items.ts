/**
 * Inputs of a map, cut into chunks without materializing more than needed: arrays and typed arrays by index
 * (typed arrays as sub-views or one memcpy per chunk), ranges as two numbers, iterables pulled a chunk at a time.
 */
import type { TransferListItem } from "node:worker_threads";

/** How a chunk's items travel: by structured clone, as a typed array (shared view or transferred copy), or not at all. */
export type ChunkItems =
  | { readonly kind: "array"; readonly data: readonly unknown[] }
  | { readonly kind: "typed"; readonly data: ArrayLike<unknown> }
  | { readonly kind: "range"; readonly first: number; readonly step: number };

const RANGE = Symbol.for("threadlab.range");
const PACK_MIN = 16;

export interface RangeItems {
  readonly [RANGE]: true;
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

/** The integers start, start+step, … below `end` (above it for a negative step), never materialized. */
export function range(start: number, end?: number, step = 1): RangeItems {
  if (end === undefined) [start, end] = [0, start];
  if (!Number.isFinite(start) || !Number.isFinite(end) || !Number.isFinite(step) || step === 0)
    throw new RangeError(`range(${start}, ${end}, ${step}): start and end must be finite and step a non-zero number`);
  return { [RANGE]: true, start, end, step };
}

export function isRange(x: unknown): x is RangeItems {
  return typeof x === "object" && x !== null && (x as RangeItems)[RANGE] === true;
}

type TypedArray = ArrayBufferView &
  ArrayLike<number | bigint> & {
    subarray(a: number, b: number): TypedArray;
    slice(a: number, b: number): TypedArray;
  };

export type MapItems = readonly unknown[] | ArrayBufferView | RangeItems | Iterable<unknown> | AsyncIterable<unknown>;

/** A run of consecutive items. `items` is kept only for streamed inputs, whose items exist nowhere else. */
export interface Slice {
  start: number;
  count: number;
  items?: unknown[];
}

export interface ItemSource {
  /** Number of items, or null until a streamed input ends. */
  readonly total: number | null;
  /** The next `max` items, null at the end; a promise only for async iterables. */
  take(max: number): Slice | null | Promise<Slice | null>;
  /** What to post for a slice; called again when a chunk is retried, so it must not consume the source. */
  payload(s: Slice): { items: ChunkItems; transfer: TransferListItem[] };
  itemAt(s: Slice, offset: number): unknown;
  close(): void;
}

/**
 * Numbers travel as a transferred Float64Array: cloning a JS array of numbers costs several times more, except
 * for a few items, where allocating and transferring the buffer costs more than the clone.
 */
function packArray(
  items: readonly unknown[],
  from: number,
  to: number,
): { items: ChunkItems; transfer: TransferListItem[] } {
  const n = to - from;
  if (n < PACK_MIN) return { items: { kind: "array", data: items.slice(from, to) }, transfer: [] };
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = items[from + i];
    if (typeof v !== "number") return { items: { kind: "array", data: items.slice(from, to) }, transfer: [] };
    packed[i] = v;
  }
  return { items: { kind: "typed", data: packed }, transfer: [packed.buffer] };
}

/** Inputs whose length is known: slices are consecutive index ranges. */
abstract class CountedSource implements ItemSource {
  private at = 0;
  constructor(readonly total: number) {}
  take(max: number): Slice | null {
    if (this.at >= this.total) return null;
    const s = { start: this.at, count: Math.min(max, this.total - this.at) };
    this.at += s.count;
    return s;
  }
  abstract payload(s: Slice): { items: ChunkItems; transfer: TransferListItem[] };
  abstract itemAt(s: Slice, offset: number): unknown;
  close() {}
}

class ArraySource extends CountedSource {
  constructor(private readonly a: readonly unknown[]) {
    super(a.length);
  }
  payload(s: Slice) {
    return packArray(this.a, s.start, s.start + s.count);
  }
  itemAt(s: Slice, o: number) {
    return this.a[s.start + o];
  }
}

class TypedSource extends CountedSource {
  constructor(private readonly a: TypedArray) {
    super(a.length);
  }
  payload(s: Slice) {
    const end = s.start + s.count;
    // A view of a SharedArrayBuffer travels as a handle. Any other view would clone its whole underlying
    // buffer, so those are copied (one memcpy of the chunk's bytes) and the copy transferred.
    if (this.a.buffer instanceof SharedArrayBuffer)
      return { items: { kind: "typed" as const, data: this.a.subarray(s.start, end) }, transfer: [] };
    const copy = this.a.slice(s.start, end);
    return { items: { kind: "typed" as const, data: copy }, transfer: [copy.buffer as ArrayBuffer] };
  }
  itemAt(s: Slice, o: number) {
    return this.a[s.start + o];
  }
}

class RangeSource extends CountedSource {
  constructor(private readonly r: RangeItems) {
    super(Math.max(0, Math.ceil((r.end - r.start) / r.step)));
  }
  payload(s: Slice) {
    return {
      items: { kind: "range" as const, first: this.r.start + s.start * this.r.step, step: this.r.step },
      transfer: [],
    };
  }
  itemAt(s: Slice, o: number) {
    return this.r.start + (s.start + o) * this.r.step;
  }
}

/** Sync and async iterables: items are pulled a chunk at a time, so memory stays bounded by the chunks in flight. */
class StreamSource implements ItemSource {
  private at = 0;
  private ended = false;
  total: number | null;
  private readonly sync?: Iterator<unknown>;
  private readonly async?: AsyncIterator<unknown>;
  constructor(input: Iterable<unknown> | AsyncIterable<unknown>) {
    if (Symbol.asyncIterator in input) this.async = (input as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    else this.sync = (input as Iterable<unknown>)[Symbol.iterator]();
    const size = (input as { size?: unknown }).size;
    this.total = typeof size === "number" ? size : null;
  }
  private slice(items: unknown[]): Slice | null {
    if (items.length === 0) {
      this.end();
      return null;
    }
    const s = { start: this.at, count: items.length, items };
    this.at += items.length;
    return s;
  }
  private end() {
    this.ended = true;
    this.total = this.at;
  }
  take(max: number): Slice | null | Promise<Slice | null> {
    if (this.ended) return null;
    const items: unknown[] = [];
    if (this.sync) {
      while (items.length < max) {
        const r = this.sync.next();
        if (r.done) {
          this.end();
          break;
        }
        items.push(r.value);
      }
      return items.length ? this.slice(items) : null;
    }
    return (async () => {
      while (items.length < max) {
        const r = await this.async!.next();
        if (r.done) {
          this.end();
          break;
        }
        items.push(r.value);
      }
      return items.length ? this.slice(items) : null;
    })();
  }
  payload(s: Slice) {
    return packArray(s.items!, 0, s.count);
  }
  itemAt(s: Slice, o: number) {
    return s.items![o];
  }
  close() {
    if (this.ended) return;
    this.ended = true;
    // Let generators run their finally blocks (close files, sockets) when a map stops early.
    void Promise.resolve(this.sync?.return?.() ?? this.async?.return?.()).catch(() => {});
  }
}

export function itemSource(items: MapItems): ItemSource {
  if (Array.isArray(items)) return new ArraySource(items);
  if (ArrayBuffer.isView(items)) {
    if (items instanceof DataView)
      throw new TypeError("map items cannot be a DataView; pass a typed array (e.g. new Float64Array(buffer))");
    return new TypedSource(items as unknown as TypedArray);
  }
  if (isRange(items)) return new RangeSource(items);
  if (items && (Symbol.iterator in Object(items) || Symbol.asyncIterator in Object(items)))
    return new StreamSource(items as Iterable<unknown>);
  throw new TypeError(
    `map items must be an array, typed array, range(), iterable or async iterable; got ${items === null ? "null" : typeof items}`,
  );
}

/** Splits a slice for bisection; streamed items are split along with it. */
export function splitSlice(s: Slice): [Slice, Slice] {
  const half = Math.ceil(s.count / 2);
  return [
    { start: s.start, count: half, items: s.items?.slice(0, half) },
    { start: s.start + half, count: s.count - half, items: s.items?.slice(half) },
  ];
}

/** The items of a slice before and after the one at `offset` (either may be empty): the rest of a chunk to run again. */
export function sliceAround(s: Slice, offset: number): [Slice, Slice] {
  return [
    { start: s.start, count: offset, items: s.items?.slice(0, offset) },
    { start: s.start + offset + 1, count: s.count - offset - 1, items: s.items?.slice(offset + 1) },
  ];
}
