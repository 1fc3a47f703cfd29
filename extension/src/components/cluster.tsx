import * as React from "react";
import type { ClusterState } from "../../../schema/sidebar";
import { summarizeCluster } from "./cluster-summary";

/** One small bar per worker, as tall as its busy %; wraps instead of overflowing on a node with many workers. */
function WorkerMeters(props: { util: number[] }): JSX.Element {
  return (
    <span className="tl-meters" aria-hidden="true">
      {props.util.map((u, i) => (
        <span key={i} className="tl-meter" title={`worker ${i}: ${u}% busy`}>
          <span className="tl-meter-fill" style={{ height: `${u}%` }} />
        </span>
      ))}
    </span>
  );
}

/** The connected cluster's nodes: workers' utilization, throughput, cached models. Shown only while connected. */
export function ClusterSection(props: { cluster: ClusterState }): JSX.Element {
  const s = summarizeCluster(props.cluster);
  return (
    <section className="tl-section" data-section="cluster">
      <h3>Cluster</h3>
      <div className="tl-stats">
        <span className="tl-cluster-url" title={s.url}>
          {s.url}
        </span>
        {s.connected ? null : <span className="tl-error"> · reconnecting…</span>}
        <div className={s.nodes.length ? "tl-muted" : "tl-why"} data-testid="tl-cluster-headline">
          {s.headline}
        </div>
      </div>
      <ul className="tl-nodes">
        {s.nodes.map((n) => (
          <li key={n.key} className="tl-node" data-node={n.name}>
            <div>
              <span className="tl-name">{n.name}</span>
              {n.host ? <span className="tl-muted"> ({n.host})</span> : null}{" "}
              <span className={n.busy ? "tl-wstate-busy" : "tl-muted"}>{n.busy ? "busy" : "idle"}</span>
            </div>
            <div className="tl-node-util">
              <WorkerMeters util={n.util} />
              <span className="tl-num">{n.meanUtil === null ? "" : `${n.meanUtil}%`}</span>
            </div>
            <div className="tl-muted">
              {n.size} · RSS {n.rss}
            </div>
            <div data-testid="tl-node-throughput">{n.throughput}</div>
            <div className="tl-muted tl-node-models" title={n.models}>
              models: {n.models}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
