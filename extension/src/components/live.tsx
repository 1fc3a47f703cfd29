import * as React from "react";
import type { MapProgress, Update } from "../../../schema/sidebar";
import type { RecentUpdates } from "../recent-updates";
import { bytes, count, rate } from "./format";
import { StretchedSvg } from "./stretched-svg";
import { windowStart } from "./timeline";

const W = 120;
const H = 18;

function Sparkline(props: { points: Array<[number, number]>; t0: number; t1: number }): JSX.Element {
  const span = Math.max(1, props.t1 - props.t0);
  const pts = props.points
    .map(([t, v]) => `${(((t - props.t0) / span) * W).toFixed(1)},${(H - (v / 100) * H).toFixed(1)}`)
    .join(" ");
  return (
    // As wide as its cell (the numbers beside it keep their room at any panel width).
    <StretchedSvg className="tl-spark" w={W} h={H} aria-hidden="true">
      <polyline points={pts} fill="none" />
    </StretchedSvg>
  );
}

/** Per-worker busy % (last 60 s), items/s, map progress, queue, shared models, RSS. */
export function Utilization(props: { update: Update; recent: RecentUpdates; node?: string }): JSX.Element {
  const { update: s, recent } = props;
  const node = props.node ?? "this kernel's version";
  const pool = s.pool;
  const span = recent.span;
  const t1 = span?.t1 ?? s.t;
  const t0 = windowStart(recent, t1);
  const last = recent.lastMapProgress();
  const running = pool?.maps.filter((m) => m.end === undefined).at(-1);
  const busyWorkers = pool ? pool.w.filter((w) => w[1] === "busy").length : 0;
  return (
    <section className="tl-section" data-section="utilization">
      <h3>Live utilization</h3>
      {!pool ? (
        <div className="tl-muted">
          No worker pool yet: run a <code>%parallel map</code> to see workers here.
        </div>
      ) : (
        <>
          <div className="tl-stats">
            <span data-testid="tl-busy-count">{busyWorkers} busy</span> of {pool.w.length} ·{" "}
            <span data-testid="tl-items-rate">{rate(recent.itemsPerSecond())}</span> · queue{" "}
            <span data-testid="tl-queue">{pool.queue}</span> · in flight {pool.inflight}
          </div>
          {running || last ? <MapProgressBar map={running ?? last!.map} finished={!running} /> : null}
          <table className="tl-workers">
            <tbody>
              {pool.w.map((w) => (
                <tr key={w[0]} data-worker={w[0]} data-state={w[1]}>
                  <td className="tl-muted">#{w[0]}</td>
                  <td className="tl-spark-cell">
                    <Sparkline points={recent.busySeries(w[0])} t0={t0} t1={t1} />
                  </td>
                  <td className="tl-num" title="busy: holding a chunk">
                    {w[2]}%
                  </td>
                  <td
                    className="tl-num tl-muted"
                    data-testid="tl-worker-cpu"
                    title={
                      w[7] === null || w[7] === undefined
                        ? `CPU: not available on Node.js ${node} (worker CPU time needs 22.19 / 24.6 or newer)`
                        : `CPU ${w[7]}% of a core${w[8] !== null && w[8] !== undefined ? ` · heap ${w[8]} MiB` : ""}; busy well above CPU: starved (too many compute threads) or waiting (I/O, await)`
                    }
                  >
                    {w[7] === null || w[7] === undefined ? "cpu n/a" : `cpu ${w[7]}%`}
                  </td>
                  <td className={`tl-wstate tl-wstate-${w[1]}`}>{w[1]}</td>
                  <td
                    className="tl-num tl-muted"
                    data-testid="tl-worker-items"
                    title={`${w[3]} items done by this worker`}
                  >
                    {count(w[3])}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="tl-muted">
            shared models: {pool.models.n} ({bytes(pool.models.bytes)}) · RSS {bytes(s.rss)}
          </div>
        </>
      )}
    </section>
  );
}

/** What the label says after a map's figures: how it ended, or that these are the last figures seen. */
const ENDED: Readonly<Record<NonNullable<MapProgress["end"]> | "unknown", string>> = {
  done: " · done",
  cancelled: " · cancelled",
  failed: " · stopped by an error",
  unknown: " · last seen",
};

function MapProgressBar(props: { map: MapProgress; finished: boolean }): JSX.Element {
  const m = props.map;
  const frac = m.total ? Math.min(1, m.done / m.total) : null;
  return (
    <div
      className="tl-map"
      data-testid="tl-map-progress"
      data-running={props.finished ? "false" : "true"}
      data-end={m.end ?? ""}
    >
      <div className="tl-map-label">
        {props.finished ? "last map" : "map"} <b>{m.name}</b>: {m.done}
        {m.total !== null ? ` / ${m.total}` : ""} items
        {frac !== null ? ` (${Math.floor(frac * 100)}%)` : ""} · {rate(m.rate)}
        {m.failed ? ` · ${m.failed} failed` : ""}
        {props.finished ? ENDED[m.end ?? "unknown"] : ""}
      </div>
      <div className="tl-bar">
        <div className="tl-bar-fill" style={{ width: `${(frac ?? 0) * 100}%` }} />
      </div>
    </div>
  );
}
