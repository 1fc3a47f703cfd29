import type { KernelDoor } from "../door";
import type { ResolvedMapOptions } from "../pool";
import type { MapBackend } from "./backend";
import { localBackend } from "./local-backend";

/** The backend a map runs on: a cluster when the `cluster` option or THREADLAB_CLUSTER names one, else local. */
export function selectBackend(options: ResolvedMapOptions, door: KernelDoor | undefined): MapBackend {
  const cluster = options.cluster ?? process.env.THREADLAB_CLUSTER;
  if (cluster) {
    throw new Error(
      `${options.name}: cluster ${JSON.stringify(cluster)} was asked for (${options.cluster ? "the cluster option" : "THREADLAB_CLUSTER"}), ` +
        "but this threadlab has no cluster backend; leave the option out (or unset THREADLAB_CLUSTER) to use the local worker pool",
    );
  }
  return localBackend(door);
}
