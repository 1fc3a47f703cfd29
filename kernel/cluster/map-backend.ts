/**
 * The map backend seam, as agreed with the kernel restructuring (kernel/parallel/backend.ts on main once it
 * lands; this local copy goes then). A backend starts a map at once and reports like the local pool.
 */
import type { MapItems, MapReport } from "../pool";
import type { ResolvedMapOptions } from "../pool/options";
import type { ShippedFunction } from "../ship/types";

export interface MapSubmission {
  items: MapItems | Iterable<unknown> | AsyncIterable<unknown>;
  fn: ShippedFunction;
  options: ResolvedMapOptions;
  onOutput?: (stream: "stdout" | "stderr", text: string) => void;
}

export interface MapBackend {
  readonly kind: "local" | "cluster";
  /** Starts a map at once; cancellation is through options.signal. */
  submit(s: MapSubmission): { id: number; done: Promise<MapReport> };
}

/** Per-node figures a cluster map adds to its progress (`ProgressState.nodes` once the seam lands). */
export interface NodeProgress {
  name: string;
  done: number;
  /** Items per second on this node since the map started. */
  rate: number;
  workers: number;
}
