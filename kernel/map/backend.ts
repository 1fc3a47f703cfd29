/**
 * The seam between `parallel.map` / `%parallel map` and what runs the items: the local worker pool
 * (parallel/local-backend.ts) or a cluster (cluster/backend.ts). The magic and the API talk only to
 * `MapBackend`, picked by `selectBackend` (parallel/select-backend.ts). It lives in kernel/map/, beside the
 * options and report it speaks of, which import no other kernel folder: each backend imports this one
 * definition, and neither imports the other.
 *
 * `F` is the shipped function (kernel/ship's `ShippedFunction`): the seam carries it without depending on how it
 * is built.
 */
import type { MapItems } from "./items";
import type { ResolvedMapOptions } from "./options";
import type { ProgressState } from "./progress";
import type { ItemFailureReport, MapReport } from "./report";

export interface MapSubmission<F> {
  /** As `parallel.map` takes them: an array, typed array, `range(…)`, or any (async) iterable. */
  items: MapItems | Iterable<unknown> | AsyncIterable<unknown>;
  fn: F;
  /** The map options after their one validation (`resolveMapOptions`, map/options.ts). */
  options: ResolvedMapOptions;
  /** Worker console output for the cell that started the map. */
  onOutput?: (stream: "stdout" | "stderr", text: string) => void;
}

/**
 * A running map as it stands, read (never written) while it runs: `parallel.start`'s handle shows it, so a
 * second console can look at the results so far. A `MapRun` (map-run.ts) is one, whichever backend runs it.
 */
export interface LiveMap {
  /** In item order unless `unordered`; holes where items are not done yet. Final once the map has ended. */
  readonly results: readonly unknown[];
  readonly done: number;
  readonly failures: readonly ItemFailureReport[];
  /** Number of items, or null until a streamed input ends. */
  readonly total: number | null;
  progress(): ProgressState;
}

/** A map the backend started: its id (the timeline's), its end, and what it holds so far. */
export interface StartedMap {
  id: number;
  done: Promise<MapReport>;
  /** The running map; undefined while it does not exist yet (a cluster map waits for its connection). */
  live(): LiveMap | undefined;
}

export interface MapBackend<F> {
  readonly kind: "local" | "cluster";
  /** Starts a map at once; cancellation is through options.signal. */
  submit(s: MapSubmission<F>): StartedMap;
}
