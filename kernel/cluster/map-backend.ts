/** The map backend seam as the cluster implements it: one definition, in kernel/map/backend.ts. */
import type { MapBackend, MapSubmission, ProgressState } from "../map";
import type { ChunkLog } from "../timeline";
import type { ShippedFunction } from "../ship/types";

/**
 * A map submitted to the cluster: the seam's submission plus the notebook's task timeline, where a cluster map
 * logs the chunks its agents ran (the notebook's pool was given the same log, kernel/parallel/notebook-pool.ts).
 */
export interface ClusterSubmission extends MapSubmission<ShippedFunction> {
  chunkLog?: ChunkLog;
  /**
   * The id `chunkLog.openMap` already gave this map, when the caller had to return it before the connection
   * opened (cluster/session.ts); without it the backend opens the map in the log itself.
   */
  mapId?: number;
}

export type { MapBackend, MapSubmission };

/** Per-node figures of a cluster map's progress (`ProgressState.nodes`). */
export type NodeProgress = NonNullable<ProgressState["nodes"]>[number];
