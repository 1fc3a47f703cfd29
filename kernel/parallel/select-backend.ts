import type { KernelDoor } from "../door";
import type { MapBackend, ResolvedMapOptions } from "../map";
import { clusterUrlFromEnv } from "../cluster/env";
import type { ShippedFunction } from "../ship/types";
import { localBackend } from "./local-backend";
import { notebookChunkLog } from "./notebook-pool";

/** The backend a map runs on: a cluster when the `cluster` option or THREADLAB_CLUSTER names one, else local. */
export function selectBackend(options: ResolvedMapOptions, door: KernelDoor | undefined): MapBackend<ShippedFunction> {
  const cluster = options.cluster ?? clusterUrlFromEnv();
  // Required on use: the NATS clients load only in kernels that run cluster maps.
  if (cluster)
    return (require("../cluster/session") as typeof import("../cluster/session")).clusterBackendFor(
      cluster,
      notebookChunkLog(),
    );
  return localBackend(door);
}
