/**
 * A batch delivered again without an answer: the agent process that had it most likely died running it. It is
 * published again as two halves, down to the single item that takes agents down (agent.ts reports that one).
 */
import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import { subjects } from "../cluster/subjects";
import { encode, sliceItems, type BatchMessage } from "../cluster/wire";

/** A batch this agent could not split goes back to the queue for this long. */
const SPLIT_RETRY_MS = 2000;

/**
 * Publishes a redelivered batch again as two halves (parts of the same kernel batch) and acks it. The message
 * ids carry the batch's stream sequence: if this agent dies before its ack, the next split lands once.
 */
export async function splitRedelivered(
  js: JetStreamClient,
  b: BatchMessage,
  msg: JsMsg,
  deliveries: number,
  log: (line: string) => void,
): Promise<void> {
  const at = b.offset ?? 0;
  const mid = Math.ceil(b.count / 2);
  try {
    for (const [from, to] of [
      [0, mid],
      [mid, b.count],
    ]) {
      const half: BatchMessage = { ...b, offset: at + from, count: to - from, items: sliceItems(b.items, from, to) };
      await js.publish(subjects.batch(b.map), encode(half), {
        msgID: `${b.map}.${b.batch}.${msg.seq}.${from}`,
        timeout: 5000,
      });
    }
    msg.ack();
    log(
      `items ${at}–${at + b.count - 1} of batch ${b.batch} (map ${b.map}) were delivered ${deliveries} times: split in two`,
    );
  } catch (e) {
    // It comes back (and is split) again; not at once, or a refusal (e.g. a permission) would spin.
    log(`could not split a redelivered batch: ${(e as Error).message}`);
    msg.nak(SPLIT_RETRY_MS);
  }
}
