/**
 * The kernel side of agents' chunk reports: a batch's chunks, as its agent sent them with the result
 * (wire.ts `ChunkWire`: times relative to the sending), placed on the kernel's clock by when the result arrived
 * and logged in the notebook's chunk log on the lane (agent, worker slot).
 *
 * @module
 */
import type { ChunkLog } from "../timeline";
import { epochMs } from "../map";
import { MAX_BATCH_CHUNKS, type ChunkWire, type ResultMessage } from "./wire";

/**
 * Logs `chunks` of cluster map `map` run by the agent that sent `from` (its lane is the agent's id, its label
 * the agent's name). What comes from the cluster is data only, and checked:
 * an entry that is not six finite numbers is skipped, and no batch logs more than MAX_BATCH_CHUNKS. `fresh`: how
 * many of the part's items were answered here first.
 */
export function logBatchChunks(
  log: ChunkLog,
  from: Pick<ResultMessage, "node" | "agent">,
  map: number,
  chunks: readonly ChunkWire[],
  receivedAt = epochMs(),
  fresh?: number,
): void {
  if (!Array.isArray(chunks)) return;
  const lane = log.node(from.node, from.agent);
  const valid = chunks
    .slice(0, MAX_BATCH_CHUNKS)
    .filter((c) => Array.isArray(c) && c.length === 6 && c.every((x) => typeof x === "number" && Number.isFinite(x)));
  // Some of these items were answered before (`fresh` of them were not): the chunks are a re-run, and their items
  // count only the fresh ones, handed out in order — which chunk ran which item the report does not say.
  const ran = valid.reduce((n, c) => n + c[3], 0);
  const rerun = fresh !== undefined && fresh < ran;
  let left = rerun ? fresh : Infinity;
  for (const [slot, ago, ms, items, failed, crashed] of valid) {
    const t0 = receivedAt - ago;
    const counted = Math.min(items, left);
    left -= counted;
    log.record(slot, map, t0, t0 + Math.max(0, ms), counted, failed, crashed === 1, lane, rerun);
  }
}
