/**
 * Handing a batch's result to the kernel that published it, in parts that fit a NATS message, retried while the
 * kernel is unreachable; then the batch is acked (or dropped, or returned to the queue).
 */
import { NoRespondersError, type NatsConnection } from "@nats-io/nats-core";
import type { JsMsg } from "@nats-io/jetstream";
import { epochMs } from "../map";
import { restampChunks, splitResult } from "../cluster/result-parts";
import { subjects } from "../cluster/subjects";
import type { BatchMessage } from "../cluster/wire";
import type { BatchResult } from "./batch-run";

/** How long an agent keeps retrying to hand a result to a kernel it cannot reach, before returning the batch. */
const RESULT_RETRY_MS = 60_000;

/** What delivering needs from its agent. */
export interface DeliveryHost {
  readonly nc: NatsConnection;
  /** The agent's unique id, named in every answer. */
  readonly agentId: string;
  /** False once the agent is stopping: a result it cannot deliver goes back to the queue at once. */
  running(): boolean;
}

/**
 * Hands the result to the kernel (a request it answers once stored), then acks the batch. No kernel listening
 * means the map ended (finished, failed or the kernel died): the batch is dropped. A kernel unreachable for long
 * gets the batch back in the queue instead.
 */
export async function deliverResult(
  h: DeliveryHost,
  b: BatchMessage,
  result: BatchResult,
  msg: JsMsg,
  signal: AbortSignal,
): Promise<void> {
  const encodedAt = epochMs();
  // Every answer names its agent by id too: the kernel's timeline keys lanes by it (wire.ts, `agent`).
  const parts = splitResult({ ...result, agent: h.agentId }, (h.nc.info?.max_payload ?? 1 << 20) - 4096, b.offset ?? 0);
  const deadline = Date.now() + RESULT_RETRY_MS;
  for (let i = 0; i < parts.length; i++) {
    let part = parts[i];
    for (let attempt = 0; ; attempt++) {
      // The chunks' times are relative to the sending: a retry sends them as late as it is.
      if (i === 0 && attempt > 0 && result.chunks?.length) part = restampChunks(parts[0], epochMs() - encodedAt);
      if (signal.aborted) {
        msg.term();
        return;
      }
      try {
        // A map cancelled while its result is on the way: the kernel may have dropped the request with the
        // map's subscription, and waiting out the timeout would keep this node busy with a cancelled map for
        // 5 s (the interrupt test's "every node idle within 2 s" failed once in CI).
        if ((await unlessAborted(h.nc.request(subjects.result(b.map), part, { timeout: 5000 }), signal)) === ABORTED) {
          msg.term();
          return;
        }
        break;
      } catch (e) {
        if (
          e instanceof NoRespondersError ||
          (e as { code?: string }).code === "503" ||
          /no responders/i.test((e as Error).message)
        ) {
          msg.term();
          return;
        }
        if (Date.now() > deadline || !h.running()) {
          msg.nak();
          return;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
  msg.ack();
}

const ABORTED = Symbol("aborted");

/** The promise's value, or ABORTED as soon as `signal` aborts (the promise then settles unobserved). */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal.aborted) {
    p.catch(() => {});
    return Promise.resolve(ABORTED);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      p.catch(() => {});
      resolve(ABORTED);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
