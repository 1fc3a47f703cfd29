/**
 * What the cluster offers the map backend seam (kernel/parallel/backend.ts), written here rather than imported:
 * kernel/parallel picks the cluster, so kernel/cluster must not import it back (folders form no cycles).
 * `selectBackend` returns a cluster backend as a `MapBackend`, so the compiler checks the two stay the same shape.
 */
import type { MapItems, MapReport, ProgressState, ResolvedMapOptions } from "../pool";
import type { ShippedFunction } from "../ship/types";

export interface MapSubmission {
  items: MapItems | Iterable<unknown> | AsyncIterable<unknown>;
  fn: ShippedFunction;
  options: ResolvedMapOptions;
  onOutput?: (stream: "stdout" | "stderr", text: string) => void;
}

export interface MapBackend {
  readonly kind: "local" | "cluster";
  submit(s: MapSubmission): { id: number; done: Promise<MapReport> };
}

/** Per-node figures of a cluster map's progress (`ProgressState.nodes`). */
export type NodeProgress = NonNullable<ProgressState["nodes"]>[number];
