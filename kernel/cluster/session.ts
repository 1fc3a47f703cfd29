/**
 * The kernel's cluster connection: at most one at a time, opened by `%parallel cluster connect URL`, by the
 * first `--cluster URL` map, or from THREADLAB_CLUSTER, and reused by later maps. `clusterStatus()` is the plain
 * function `%parallel cluster status` and the sidebar read.
 */
import type { StartedMap } from "../map";
import { ChunkLog } from "../timeline";
import type { ShippedFunction } from "../ship/types";
import { ClusterBackend, type ClusterStatus } from "./backend";
import { parseClusterUrl } from "./connection";
import { clusterUrlFromEnv } from "./env";
import type { MapBackend, MapSubmission } from "./map-backend";

let current: { url: string; backend: Promise<ClusterBackend>; open?: ClusterBackend } | undefined;

/** The URL a map's `cluster` option means: a URL, or `true` / "" for the connected cluster or THREADLAB_CLUSTER. */
export function resolveClusterUrl(option: string | true): string {
  if (typeof option === "string" && option.trim() !== "") return option.trim();
  if (current) return current.url;
  const env = clusterUrlFromEnv();
  if (env) return env;
  throw new Error(
    "no cluster to run on: give its URL (--cluster nats://user:pass@host:port, or { cluster: url }), connect first with " +
      "%parallel cluster connect URL, or set THREADLAB_CLUSTER",
  );
}

/** Connects (or reuses the connection) to `url`; a different URL replaces the current connection. */
export function connectClusterSession(url: string): Promise<ClusterBackend> {
  parseClusterUrl(url); // bad URLs fail here, before anything is replaced
  if (current?.url === url) return current.backend;
  const previous = current;
  const backend = ClusterBackend.connect(url);
  const entry: NonNullable<typeof current> = { url, backend };
  current = entry;
  void backend.then(
    (b) => (entry.open = b),
    () => {},
  );
  // A failed connection is forgotten, so the next attempt tries again.
  backend.catch(() => {
    if (current?.backend === backend) current = undefined;
  });
  if (previous)
    void previous.backend.then(
      (b) => b.close(),
      () => {},
    );
  return backend;
}

export async function disconnectClusterSession(): Promise<boolean> {
  const c = current;
  current = undefined;
  if (!c) return false;
  await c.backend.then(
    (b) => b.close(),
    () => {},
  );
  return true;
}

/**
 * Status of the connected cluster (connecting to THREADLAB_CLUSTER if none is), or null when there is none.
 * Throws the connection's error when connecting failed.
 */
export async function clusterStatus(refresh = true): Promise<ClusterStatus | null> {
  const env = clusterUrlFromEnv();
  if (!current && env) await connectClusterSession(env);
  if (!current) return null;
  // A connection that failed is forgotten (connectClusterSession), so its error is reported once, here.
  return (await current.backend).status(refresh);
}

/**
 * The connected cluster's status from its agents' heartbeats, without connecting or asking them: null while no
 * connection is open. The sidebar reads this on every update.
 */
export function openClusterStatus(): ClusterStatus | null {
  return current?.open?.currentStatus() ?? null;
}

/**
 * A MapBackend for a cluster URL whose connection may still be opening: `submit` must return at once, so the map
 * waits for the connection inside `done` (a connection error fails that map).
 */
export function clusterBackendFor(option: string | true, chunkLog?: ChunkLog): MapBackend<ShippedFunction> {
  const url = resolveClusterUrl(option);
  const backend = connectClusterSession(url);
  // The notebook's timeline, where its agents' chunks are drawn beside the local pool's: it hands out the id now,
  // the one the map keeps once the connection is open.
  const log = chunkLog ?? new ChunkLog();
  return {
    kind: "cluster",
    submit(s: MapSubmission<ShippedFunction>): StartedMap {
      const mapId = log.openMap(s.options.name);
      let started: StartedMap | undefined;
      const done = backend.then((b) => (started = b.submit({ ...s, chunkLog: log, mapId })).done);
      return { id: mapId, done, live: () => started?.live() };
    },
  };
}

/** `%parallel cluster status` as text. */
export function formatClusterStatus(s: ClusterStatus | null): string {
  if (!s)
    return "no cluster connected; %parallel cluster connect nats://user:pass@host:port (or set THREADLAB_CLUSTER)";
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
  const lines = [
    `cluster ${s.url}: ${s.connected ? "connected" : "reconnecting"}, ${s.nodes.length} node${s.nodes.length === 1 ? "" : "s"}, ${s.maps} map${s.maps === 1 ? "" : "s"} running`,
  ];
  for (const n of s.nodes) {
    const models = n.models.length ? n.models.map((m) => `${m.name} (${mb(m.bytes)})`).join(", ") : "none";
    lines.push(
      `  ${n.name} (${n.host}): ${n.workers} workers, ${n.cpus} CPUs, ${n.busy ? `busy (${n.busy} batches)` : "idle"}, ${n.itemsDone} items done, RSS ${mb(n.rssBytes)}, models: ${models}`,
    );
  }
  if (s.nodes.length === 0) lines.push("  no agents: start one per machine with threadlab agent --cluster URL");
  return lines.join("\n");
}
