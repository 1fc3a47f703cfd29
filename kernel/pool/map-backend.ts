/**
 * The seam between `parallel.map` / `%parallel map` and what runs the items: the local worker pool
 * (parallel/local-backend.ts) or a cluster (cluster/backend.ts). The magic and the API talk only to
 * `MapBackend`, picked by `selectBackend` (parallel/select-backend.ts); nothing else branches on the backend.
 * It lives beside the report and options it speaks of, so both backends import one definition without
 * kernel/cluster importing kernel/parallel, which picks it.
 */
import type { ChunkLog } from "./chunk-log";
import type { MapItems } from "./items";
import type { MapReport } from "./map-job";
import type { ResolvedMapOptions } from "./options";
import type { ShippedFunction } from "../ship/types";

export type { ItemFailureReport, MapReport } from "./map-job";
export type { ProgressState } from "./options";

export interface MapSubmission {
  /** As `parallel.map` takes them: an array, typed array, `range(…)`, or any (async) iterable. */
  items: MapItems | Iterable<unknown> | AsyncIterable<unknown>;
  fn: ShippedFunction;
  /** The map options after their one validation (`resolveMapOptions`, pool/options.ts). */
  options: ResolvedMapOptions;
  /** Worker console output for the cell that started the map. */
  onOutput?: (stream: "stdout" | "stderr", text: string) => void;
  /**
   * The notebook's task timeline, where a cluster map logs the chunks its agents ran. (The notebook's pool was
   * given the same log when it was created, kernel/parallel/notebook-pool.ts.)
   */
  chunkLog?: ChunkLog;
}

export interface MapBackend {
  readonly kind: "local" | "cluster";
  /** Starts a map at once; cancellation is through options.signal. */
  submit(s: MapSubmission): { id: number; done: Promise<MapReport> };
}
