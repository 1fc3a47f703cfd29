/** The map backend seam (kernel/parallel/backend.ts), and the per-node progress a cluster map adds. */
import type { ProgressState } from "../pool";

export type { MapBackend, MapSubmission } from "../parallel/backend";

/** Per-node figures of a cluster map's progress (`ProgressState.nodes`). */
export type NodeProgress = NonNullable<ProgressState["nodes"]>[number];
