/**
 * The one reader of THREADLAB_CLUSTER, the cluster URL a notebook or an agent takes from its environment.
 * Free of the NATS clients, so the map's backend choice can read it without loading them.
 */
export const CLUSTER_ENV = "THREADLAB_CLUSTER";

/** The URL THREADLAB_CLUSTER names, trimmed; undefined when it is unset or blank. */
export function clusterUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[CLUSTER_ENV]?.trim() || undefined;
}
