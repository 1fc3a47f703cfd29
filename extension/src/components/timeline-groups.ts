/**
 * How the task timeline lays out its lanes: the kernel's pool's lanes as they are, then one group per cluster
 * node. Plain data, so it is tested without a DOM; timeline.tsx only renders it.
 *
 * At the panel's default width (300 px) a lane per worker stays readable for a few nodes, not for 8 nodes × 8
 * workers (64 lanes would push everything below off screen). So nodes start expanded — a lane per worker —
 * while the cluster has at most EXPANDED_LANES worker lanes, and otherwise collapsed to one lane per node with
 * its workers' bars overlaid; a click on a node's name expands it, and the lanes scroll past a height limit.
 *
 * @module
 */
import { NODE_LANE, type ChunkBar, type Lane } from "../recent-updates";

/** Cluster worker lanes shown expanded by default: 2 nodes × 8 workers, 4 × 4, … */
export const EXPANDED_LANES = 16;

export interface NodeLanes {
  node: string;
  /** One per worker that ran something in the window, by slot; first the node's running batches, if any. */
  lanes: Lane[];
  /** Workers among `lanes`. */
  workers: number;
  /** Items in its bars. */
  items: number;
  /** All its workers' bars, by start: the node's lane while collapsed. */
  bars: ChunkBar[];
}

export interface TimelineGroups {
  local: Lane[];
  nodes: NodeLanes[];
  /** Whether nodes start expanded. */
  expand: boolean;
}

/** Groups `lanes` (in `RecentUpdates.timeline()` order: local first, then by node and slot). */
export function groupLanes(lanes: readonly Lane[]): TimelineGroups {
  const local: Lane[] = [];
  const nodes = new Map<string, NodeLanes>();
  let clusterLanes = 0;
  for (const lane of lanes) {
    if (lane.node === undefined) {
      local.push(lane);
      continue;
    }
    let g = nodes.get(lane.node);
    if (!g) nodes.set(lane.node, (g = { node: lane.node, lanes: [], workers: 0, items: 0, bars: [] }));
    g.lanes.push(lane);
    if (lane.slot !== NODE_LANE) {
      g.workers++;
      clusterLanes++;
    }
    for (const b of lane.bars) {
      g.items += b.items;
      g.bars.push(b);
    }
  }
  for (const g of nodes.values()) g.bars.sort((a, b) => a.t0 - b.t0);
  return { local, nodes: [...nodes.values()], expand: clusterLanes <= EXPANDED_LANES };
}
