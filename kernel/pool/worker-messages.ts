/**
 * Messages between the pool (main thread) and its workers. One port per worker; messages on it are ordered,
 * which the pool relies on: a model and a map's function are posted before that map's first chunk, and a
 * worker's console output for a chunk arrives before the chunk's result.
 */
import type { ShippedFunction } from "../ship/types";
import type { ModelPayload } from "../share/model-payload";
import type { ChunkItems, WireError } from "../map";
import type { WorkerSetup } from "./options";

export type { ChunkItems, WireError } from "../map";

export interface WorkerData {
  slot: number;
  stats: SharedArrayBuffer;
  cancel: SharedArrayBuffer;
  setup?: WorkerSetup;
}

export type ToWorker =
  | { t: "model"; payload: ModelPayload }
  | { t: "drop-model"; id: string }
  | {
      t: "chunk";
      mapId: number;
      chunkId: number;
      start: number;
      count: number;
      items: ChunkItems;
      /**
       * The map's function, on its first chunk to this worker; and maps and functions this worker may forget.
       * All ride on chunk messages: one message per round trip keeps a one-item map as cheap as a single task.
       */
      begin?: Begin;
      ends?: number[];
      forgetFns?: number[];
    }
  | { t: "setup"; data: unknown };

/**
 * A worker keeps each function it has compiled under `fnId` (the same id always means the same code), so a
 * repeated map sends only its values, or nothing when they are the same primitives as last time.
 */
export interface Begin {
  fnId: number;
  /** The function with its `value` entries emptied, when this worker does not hold `fnId` yet. */
  shipped?: ShippedFunction;
  /** The `value` entries' values in scope order; absent: none, or the same primitives as this fnId's last map. */
  values?: unknown[];
  modelId: string | null;
  collect: boolean;
  /** The map has a per-item timeout: the worker writes the index of each item it starts to its stats slot (F.itemIndex). */
  timed?: boolean;
}

export interface ItemFailure {
  /** Offset of the item within its chunk. */
  offset: number;
  error: WireError;
  /** A short rendering of the item, made where the item is (the worker). */
  preview: string;
}

export type FromWorker =
  | { t: "ready" }
  | { t: "model-ok"; id: string }
  | { t: "out"; mapId: number; stream: "stdout" | "stderr"; text: string }
  | { t: "begin-error"; mapId: number; error: WireError }
  | {
      t: "done";
      mapId: number;
      chunkId: number;
      /** Numbers come back packed in a transferred Float64Array: far cheaper than cloning an array of numbers. */
      results: Float64Array | unknown[];
      /** Items processed; fewer than the chunk's count when the map was cancelled or an item failed in "raise" mode. */
      processed: number;
      /** When the worker started the chunk (epoch ms), 0 if it skipped it (map cancelled or gone): for the timeline. */
      t0: number;
      busyMs: number;
      failures?: ItemFailure[];
    };
