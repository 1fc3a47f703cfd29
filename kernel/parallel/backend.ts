/**
 * The seam between `parallel.map` / `%parallel map` and what runs the items: the local worker pool
 * (local-backend.ts) or a cluster. The magic and the API talk only to `MapBackend`, picked by `selectBackend`
 * (select-backend.ts); nothing else branches on the backend.
 */
import type { MapItems, MapReport, ResolvedMapOptions } from "../pool";
import type { ShippedFunction } from "../ship/types";

export type { ItemFailureReport, MapReport, ProgressState } from "../pool";

export interface MapSubmission {
  /** As `parallel.map` takes them: an array, typed array, `range(…)`, or any (async) iterable. */
  items: MapItems | Iterable<unknown> | AsyncIterable<unknown>;
  fn: ShippedFunction;
  /** The map options after their one validation (`resolveMapOptions`, pool/options.ts). */
  options: ResolvedMapOptions;
  /** Worker console output for the cell that started the map. */
  onOutput?: (stream: "stdout" | "stderr", text: string) => void;
}

export interface MapBackend {
  readonly kind: "local" | "cluster";
  /** Starts a map at once; cancellation is through options.signal. */
  submit(s: MapSubmission): { id: number; done: Promise<MapReport> };
}
