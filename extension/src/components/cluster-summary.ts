/**
 * What the Cluster section shows, worked out from an update's `cluster` part: the headline and one line per
 * node. Plain data, so it is tested without a DOM; cluster.tsx only renders it.
 *
 * @module
 */
import type { ClusterNode, ClusterState } from "../../../schema/sidebar";
import { bytes, count, rate } from "./format";

export interface ClusterNodeLine {
  key: string;
  name: string;
  /** The host, when it says more than the name. */
  host: string | null;
  /** "4 workers · 8 CPUs". */
  size: string;
  /** Busy % per worker (empty when the agent does not report it), and their mean (null then). */
  util: number[];
  meanUtil: number | null;
  busy: boolean;
  /** "120/s · 4.2k items". */
  throughput: string;
  /** "emb (12 MiB), idx (1.0 KiB)", or "no models". */
  models: string;
  rss: string;
}

export interface ClusterSummary {
  url: string;
  /** "2 nodes · 8 workers · 1 map running"; or what to do when no agent is there. */
  headline: string;
  connected: boolean;
  nodes: ClusterNodeLine[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function summarizeCluster(c: ClusterState): ClusterSummary {
  const workers = c.nodes.reduce((n, x) => n + x.workers, 0);
  const headline = c.nodes.length
    ? [
        plural(c.nodes.length, "node"),
        plural(workers, "worker"),
        c.maps ? `${plural(c.maps, "map")} running` : "no map running",
      ].join(" · ")
    : "no agents: start one per machine with threadlab agent --cluster URL";
  // Names may repeat (two agents on one host default to its name): the index keeps React keys apart.
  return { url: c.url, headline, connected: c.connected, nodes: c.nodes.map((n, i) => nodeLine(n, i)) };
}

function nodeLine(n: ClusterNode, i: number): ClusterNodeLine {
  const meanUtil = n.util.length ? Math.round(n.util.reduce((a, b) => a + b, 0) / n.util.length) : null;
  return {
    key: `${i}:${n.name}`,
    name: n.name,
    host: n.host && n.host !== n.name ? n.host : null,
    size: `${plural(n.workers, "worker")} · ${plural(n.cpus, "CPU")}`,
    util: n.util,
    meanUtil,
    busy: n.batches > 0,
    throughput: `${rate(n.rate)} · ${count(n.items)} items`,
    models: n.models.length ? n.models.map((m) => `${m.name} (${bytes(m.bytes)})`).join(", ") : "no models",
    rss: bytes(n.rss),
  };
}
