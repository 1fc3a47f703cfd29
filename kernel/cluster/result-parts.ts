import { decode, encode, type ItemFailureWire, type ResultMessage } from "./wire";

/**
 * Encodes a batch's result as one message, or as several parts (consecutive item ranges) when it is larger than
 * the server's message limit. Numbers travel packed in a Float64Array, as between threads. The batch's chunks
 * (`chunks`) travel once, in the part with the first items: the kernel records them once per batch. `at` is
 * where these items start within the kernel's batch (a half split off a redelivered batch); offsets in `r`
 * count from 0.
 */
export function splitResult(
  r: Omit<ResultMessage, "offset" | "count"> & { count: number },
  maxBytes: number,
  at = 0,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  const results = r.results as unknown[];
  const part = (from: number, to: number) => {
    const slice = results.slice(from, to);
    const failures: ItemFailureWire[] = r.failures
      .filter((f) => f.offset >= from && f.offset < to)
      .map((f) => (at ? { ...f, offset: at + f.offset } : f));
    const packed =
      slice.length >= 16 && slice.every((x) => typeof x === "number") ? Float64Array.from(slice as number[]) : slice;
    const { chunks, ...rest } = r;
    const bytes = encode({
      ...rest,
      ...(from === 0 && chunks ? { chunks } : {}),
      offset: at + from,
      count: to - from,
      results: packed,
      failures,
    } satisfies ResultMessage);
    if (bytes.length <= maxBytes || to - from <= 1) {
      if (bytes.length > maxBytes)
        throw new RangeError(
          `the result of item ${from} of batch ${r.batch} takes ${bytes.length} bytes, more than the server's message limit (${maxBytes}); return less data per item`,
        );
      out.push(bytes);
      return;
    }
    const mid = from + Math.ceil((to - from) / 2);
    part(from, mid);
    part(mid, to);
  };
  if (r.fatal)
    out.push(encode({ ...r, offset: at, count: r.count, results: [], failures: [] } satisfies ResultMessage));
  else part(0, r.count);
  return out;
}

/**
 * A result part sent again `lateMs` after it was encoded, with its chunks' times moved by as much: they are
 * relative to the sending (wire.ts, `ChunkWire`). Parts without chunks are returned as they are.
 */
export function restampChunks(part: Uint8Array, lateMs: number): Uint8Array {
  const m = decode<ResultMessage>(part, "result");
  if (!m.chunks?.length) return part;
  const late = Math.round(lateMs);
  return encode({ ...m, chunks: m.chunks.map(([slot, ago, ...rest]) => [slot, ago + late, ...rest]) });
}
