/** The update's `cluster` part: the connected cluster and its agents. */
import { z } from "zod";

/**
 * One agent of the connected cluster, from its heartbeats (kernel/cluster/nodes.ts).
 */
export const ClusterNodeSchema = z.object({
  name: z.string(),
  host: z.string(),
  workers: z.number(),
  cpus: z.number(),
  /** Batches it is running now. */
  batches: z.number(),
  /** Busy % of each of its workers since its previous heartbeat; empty when the agent does not report it. */
  util: z.array(z.number()),
  /** Items it finished since it started, and per second over the last ~2 s. */
  items: z.number(),
  rate: z.number(),
  /** Models in its cache. */
  models: z.array(z.object({ name: z.string(), bytes: z.number() })),
  rss: z.number(),
});
export type ClusterNode = z.infer<typeof ClusterNodeSchema>;

/** The cluster this kernel is connected to (`%parallel cluster connect`, a `--cluster` map). */
export const ClusterStateSchema = z.object({
  /** The server, without credentials. */
  url: z.string(),
  /** False while the connection is being re-established. */
  connected: z.boolean(),
  /** This kernel's maps running on it. */
  maps: z.number(),
  nodes: z.array(ClusterNodeSchema),
});
export type ClusterState = z.infer<typeof ClusterStateSchema>;
