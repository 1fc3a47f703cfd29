/** The cluster's tunables: measured trade-offs, kept together; `ClusterBackend.connect` takes overrides of any. */
import type { SizerTuning } from "../map";

export interface ClusterTuning {
  /** How long a map waits for a first agent before failing. */
  noAgentsMs: number;
  /** How long a map survives without its NATS server before failing. */
  serverLostMs: number;
  /** Target agent-side time per batch, for batch size "auto". */
  batchTargetMs: number;
  /** Items per batch before any timing is known. */
  batchProbe: number;
  maxBatchItems: number;
  /**
   * A batch no agent has answered after this long while agents are idle is published again (its results are
   * accepted once, so a duplicate costs only work): covers a batch lost with a server that lost its store.
   */
  republishMs: number;
}

export const CLUSTER_TUNING: ClusterTuning = {
  noAgentsMs: 10_000,
  serverLostMs: 30_000,
  batchTargetMs: 50,
  batchProbe: 64,
  maxBatchItems: 50_000,
  republishMs: 60_000,
};

/** The cluster's batches as the shared chunk sizer sees them. */
export function batchSizing(t: ClusterTuning): SizerTuning {
  return { probe: t.batchProbe, targetMs: t.batchTargetMs, maxItems: t.maxBatchItems, maxUnknown: t.maxBatchItems };
}
