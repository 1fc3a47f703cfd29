import * as React from "react";
import { NODE_LANE, type ChunkBar, type Lane, type RecentUpdates } from "../recent-updates";
import { count } from "./format";
import { StretchedSvg } from "./stretched-svg";
import { groupLanes } from "./timeline-groups";

const WIDTH = 240;
const MIN_RANGE_MS = 10_000;

/** Start of the drawn time range: the last 60 s, or less while fewer updates have arrived (at least 10 s). */
export function windowStart(recent: RecentUpdates, t1: number): number {
  const first = recent.span?.t0 ?? t1;
  return Math.min(t1 - MIN_RANGE_MS, Math.max(t1 - recent.windowMs, first));
}

interface Range {
  t0: number;
  t1: number;
}

/**
 * Lanes with a bar per chunk (or per merged run of chunks), coloured by map, like Dask's task stream: the kernel's
 * pool's workers, then each cluster node's (see timeline-groups.ts for how nodes are grouped).
 */
export function Timeline(props: { recent: RecentUpdates }): JSX.Element {
  const { recent } = props;
  // Nodes the user expanded or collapsed, by name; the rest follow the default for this cluster's size.
  const [toggled, setToggled] = React.useState<Readonly<Record<string, boolean>>>({});
  const lanes = recent.timeline();
  const span = recent.span;
  const empty = !span || lanes.every((l) => l.bars.length === 0);
  const groups = groupLanes(lanes);
  const range = span ? { t0: windowStart(recent, span.t1), t1: span.t1 } : null;
  return (
    <section className="tl-section" data-section="timeline">
      <h3>
        Task timeline <span className="tl-muted">(last 60 s, a bar per chunk)</span>
      </h3>
      {empty || !range ? (
        <div className="tl-muted">Nothing ran in the last minute.</div>
      ) : (
        <div className="tl-timeline-lanes">
          {groups.local.length && groups.nodes.length ? <div className="tl-muted tl-lane-head">this kernel</div> : null}
          {groups.local.length ? (
            <LaneChart lanes={groups.local} range={range} recent={recent} laneH={10} testId="tl-timeline" />
          ) : null}
          {groups.nodes.map((g) => {
            const open = toggled[g.node] ?? groups.expand;
            return (
              <div key={g.node} className="tl-lane-group" data-node={g.node} data-expanded={open ? "true" : "false"}>
                <button
                  className="tl-lane-head"
                  aria-expanded={open}
                  title={open ? "Show this node as one lane" : "Show a lane per worker"}
                  onClick={() => setToggled({ ...toggled, [g.node]: !open })}
                >
                  <span aria-hidden="true">{open ? "▾" : "▸"}</span> <span className="tl-name">{g.node}</span>{" "}
                  <span className="tl-muted">
                    {g.workers} worker{g.workers === 1 ? "" : "s"} · {count(g.items)} items
                  </span>
                </button>
                {open ? (
                  <LaneChart lanes={g.lanes} range={range} recent={recent} laneH={8} labels testId="tl-node-lanes" />
                ) : (
                  <LaneChart
                    lanes={[{ node: g.node, slot: -1, bars: g.bars }]}
                    range={range}
                    recent={recent}
                    laneH={8}
                    overlaid
                    testId="tl-node-lane"
                  />
                )}
              </div>
            );
          })}
        </div>
      )}
    </section>
  );
}

/**
 * One SVG of lanes. `labels` puts the worker's number before each lane (HTML beside the SVG: text inside a
 * stretched SVG would stretch too); `overlaid` draws several workers' bars on one lane, translucent.
 */
function LaneChart(props: {
  lanes: Lane[];
  range: Range;
  recent: RecentUpdates;
  laneH: number;
  labels?: boolean;
  overlaid?: boolean;
  testId: string;
}): JSX.Element {
  const { lanes, range, recent, laneH } = props;
  const height = lanes.length * (laneH + 2);
  const svg = (
    <StretchedSvg className="tl-timeline" w={WIDTH} h={height} data-testid={props.testId}>
      {lanes.map((lane, i) =>
        lane.bars
          .filter((b) => b.t1 >= range.t0)
          .map((b, j) => (
            <ChunkRect
              key={`${i}-${j}`}
              bar={b}
              y={i * (laneH + 2)}
              h={laneH}
              range={range}
              name={recent.mapName(b.map)}
              overlaid={props.overlaid}
            />
          )),
      )}
    </StretchedSvg>
  );
  if (!props.labels) return svg;
  return (
    <div className="tl-lane-rows">
      <div className="tl-lane-labels" style={{ gridTemplateRows: `repeat(${lanes.length}, ${laneH + 2}px)` }}>
        {lanes.map((l) => (
          <span
            key={l.slot}
            className="tl-muted"
            title={l.slot === NODE_LANE ? "batches running on this node" : undefined}
          >
            {l.slot === NODE_LANE ? "▶" : `#${l.slot}`}
          </span>
        ))}
      </div>
      {svg}
    </div>
  );
}

function ChunkRect(props: {
  bar: ChunkBar;
  y: number;
  h: number;
  range: Range;
  name: string | undefined;
  overlaid?: boolean;
}): JSX.Element {
  const { bar: b, range } = props;
  const span = range.t1 - range.t0;
  const x = Math.max(0, ((b.t0 - range.t0) / span) * WIDTH);
  // A hair's gap between neighbouring chunks keeps their boundaries visible; a bar never vanishes.
  const w = Math.max(0.6, ((b.t1 - Math.max(b.t0, range.t0)) / span) * WIDTH - 0.3);
  const cls =
    `tl-chunk${b.running ? " tl-chunk-running" : ""}${b.failed || b.crashed ? " tl-chunk-failed" : ""}` +
    (b.rerun ? " tl-chunk-rerun" : "") +
    (props.overlaid ? " tl-chunk-overlaid" : "");
  // Cluster maps are numbered apart from local ones: their hues are turned so map 1 here and there differ.
  const hue = (b.map * 67 + (b.node !== undefined ? 31 : 0)) % 360;
  return (
    <rect
      className={cls}
      x={x}
      y={props.y}
      width={w}
      height={props.h}
      data-testid="tl-chunk"
      data-slot={b.slot}
      data-node={b.node}
      data-map={b.map}
      data-chunks={b.chunks}
      data-items={b.items}
      data-running={b.running ? "true" : "false"}
      data-rerun={b.rerun ? "true" : "false"}
      style={{ fill: `hsl(${hue} 60% 50%)` }}
    >
      <title>{describeBar(b, props.name)}</title>
    </rect>
  );
}

function describeBar(b: ChunkBar, name: string | undefined): string {
  const map = name ? `${name} (map ${b.map})` : `map ${b.map}`;
  const who =
    b.node === undefined ? `worker #${b.slot}` : b.slot === NODE_LANE ? b.node : `${b.node}, worker #${b.slot}`;
  const ms = Math.round(b.t1 - b.t0);
  if (b.running && b.slot === NODE_LANE) return `${who}: ${map}, batches running for ${ms} ms`;
  if (b.running) return `${who}: ${map}, chunk running for ${ms} ms`;
  const what = b.chunks === 1 ? "chunk" : `${b.chunks} chunks`;
  const failed = b.crashed ? " · the worker crashed in it" : b.failed ? ` · ${b.failed} failed` : "";
  const rerun = b.rerun ? " · a re-run: items answered before by another run are not counted" : "";
  return `${who}: ${map}, ${what} of ${b.items} item${b.items === 1 ? "" : "s"} in ${ms} ms${failed}${rerun}`;
}
