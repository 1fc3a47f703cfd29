/**
 * Every NATS name threadlab uses, in one place: a shared server's permissions (docs/cluster.md) are written
 * against these, so they must not be spelled anywhere else.
 */
export const PREFIX = "threadlab";

/** Work-queue stream of batches: each message is consumed by one agent, redelivered if it is not acked in time. */
export const BATCH_STREAM = "THREADLAB_BATCHES";
/** The one durable pull consumer every agent shares (a work-queue stream allows one consumer per subject). */
export const AGENT_CONSUMER = "threadlab-agents";
/** Key-value bucket of shipped functions by content hash. */
export const FUNCTION_BUCKET = "threadlab_functions";
/** Object Store bucket of models by content digest. */
export const MODEL_BUCKET = "threadlab_models";

export const subjects = {
  /** A map's batches: `threadlab.batch.<map>`; a cancel purges this subject from the stream. */
  batch: (map: string) => `${PREFIX}.batch.${map}`,
  batchAll: `${PREFIX}.batch.>`,
  /** An agent's result for a batch, a request the kernel answers once it has the result. */
  result: (map: string) => `${PREFIX}.result.${map}`,
  /** Worker console output and in-batch progress for a map. */
  output: (map: string) => `${PREFIX}.out.${map}`,
  /** Cancel a map on every agent. */
  cancel: `${PREFIX}.cancel`,
  /** Agents announce themselves on this every heartbeat. */
  heartbeat: `${PREFIX}.agents.heartbeat`,
  /** A request every agent answers with its status (scatter-gather). */
  status: `${PREFIX}.agents.status`,
} as const;
