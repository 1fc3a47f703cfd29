/** The map backend seam as the cluster implements it: one definition, in kernel/pool/map-backend.ts. */
import type { ProgressState } from "../pool";

export type { MapBackend, MapSubmission } from "../pool/map-backend";

/** Per-node figures of a cluster map's progress (`ProgressState.nodes`). */
export type NodeProgress = NonNullable<ProgressState["nodes"]>[number];
