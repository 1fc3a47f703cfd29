/**
 * `threadlab agent`: one process per machine. It runs a WorkerPool sized for this node, pulls batches from the
 * cluster's work queue, runs each as a map on the pool (models shared by all its workers, fetched once) and
 * answers the kernel that published the batch with the results. Long synchronous work happens in worker threads
 * only, so this thread stays free for heartbeats, progress signals and cancels.
 */
import os from "node:os";
import v8 from "node:v8";
import { randomBytes } from "node:crypto";
import { NoRespondersError, type Msg, type NatsConnection } from "@nats-io/nats-core";
import { jetstream, type Consumer, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import { AbortError, PoisonItemError, range, WorkerPool, type MapItems } from "../pool";
import type { ChunkItems } from "../map";
import { modelIdOf } from "../share";
import type { ShippedFunction } from "../ship/types";
import * as threadpool from "../threadpool";
import {
  ClusterConnectError,
  connectCluster,
  ensureAgentConsumer,
  ensureBatchStream,
  hasCredentials,
  parseClusterUrl,
  type ClusterAuth,
  type ClusterTarget,
} from "../cluster/connection";
import { FunctionStore } from "../cluster/function-store";
import { ModelCache } from "../cluster/model-store";
import { AGENT_CONSUMER, BATCH_STREAM, subjects } from "../cluster/subjects";
import { restampChunks, splitResult } from "../cluster/result-parts";
import {
  decode,
  encode,
  WIRE_VERSION,
  sliceItems,
  wireError,
  type AgentStatus,
  type BatchMessage,
  type CancelMessage,
  type ItemFailureWire,
  type OutputMessage,
  type ResultMessage,
} from "../cluster/wire";
import { previewItem } from "../cluster/preview";
import { epochMs } from "../map";
import { BatchGate, type GateTicket } from "./batch-gate";
import { BatchChunkReport } from "./chunk-report";
import { MAIN_THREAD_SEMI_SPACE_FLAG, WORKER_SEMI_SPACE_MB } from "./supervisor";

export interface AgentOptions {
  cluster: string;
  auth?: ClusterAuth;
  /** Worker threads; default: this node's resolved THREADLAB_WORKERS or its CPUs. */
  workers?: number;
  /** Node name in status and errors; default: the host name. */
  name?: string;
  /** Accept a server that needs no credentials. */
  insecure?: boolean;
  /** Bytes of models kept for later maps (least recently used evicted). Default: half this node's memory. */
  modelCacheBytes?: number;
  heartbeatMs?: number;
  /** Redelivery timeout of the consumer, when this agent is the one creating it. */
  ackWaitMs?: number;
  /** How long SIGTERM waits for running batches before returning them to the queue. */
  stopGraceMs?: number;
  log?: (line: string) => void;
}

/** Batches pulled beyond one per worker, so a worker never waits for the next fetch. */
const EXTRA_BATCHES = 1;
/** How long an agent keeps retrying to hand a result to a kernel it cannot reach, before returning the batch. */
const RESULT_RETRY_MS = 60_000;
const CANCELLED_KEPT = 1024;
/**
 * How many times a single item is delivered, each time taking its agent process down, before it is reported as
 * the cause instead of run again. Not 2: one redelivery is often not the item's doing (an agent killed by its
 * operator or the OOM killer, a machine rebooting, a SIGTERM returning its batches); the same single item
 * taking down two agent processes in a row is.
 */
export const CRASH_DELIVERIES = 3;
/** A batch this agent could not split goes back to the queue for this long. */
const SPLIT_RETRY_MS = 2000;

interface Running {
  readonly map: string;
  readonly abort: AbortController;
  readonly msg: JsMsg;
}

export class Agent {
  readonly id = randomBytes(6).toString("hex");
  private running = true;
  private readonly inflight = new Set<Running>();
  private readonly cancelled = new Set<string>();
  private readonly slotWaiters: (() => void)[] = [];
  private itemsDone = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private readonly startedAt = Date.now();
  private readonly prepared = new Map<string, ShippedFunction>();
  private readonly chunkReport: BatchChunkReport;
  private readonly gate = new BatchGate(() => this.slotWaiters.shift()?.());

  private constructor(
    readonly name: string,
    readonly target: ClusterTarget,
    private readonly nc: NatsConnection,
    private readonly consumer: Consumer,
    private readonly js: JetStreamClient,
    private readonly ackWaitMs: number,
    private readonly pool: WorkerPool,
    private readonly functions: FunctionStore,
    private readonly models: ModelCache,
    private readonly o: AgentOptions,
  ) {
    this.chunkReport = new BatchChunkReport(pool.chunkLog);
  }

  static async start(o: AgentOptions): Promise<Agent> {
    const target = parseClusterUrl(o.cluster, o.auth);
    const name = o.name ?? os.hostname();
    if (!hasCredentials(target.auth) && !o.insecure)
      throw new ClusterConnectError(
        `an agent runs code sent through the cluster, so it needs credentials: pass nats://user:pass@host:port, nats://token@host:port, ` +
          "--user/--password, --token or --creds (or --insecure for a server without authentication that only you can reach)",
      );
    if (!o.insecure) await refuseOpenServer(target, name);
    const nc = await connectCluster(target, `threadlab-agent ${name}`);
    try {
      const jsm = await ensureBatchStream(nc, target.display);
      await ensureAgentConsumer(jsm, { ackWaitMs: o.ackWaitMs });
      const info = await jsm.consumers.info(BATCH_STREAM, AGENT_CONSUMER);
      const js = jetstream(nc);
      const consumer = await js.consumers.get(BATCH_STREAM, AGENT_CONSUMER);
      const functions = await FunctionStore.open(nc);
      const models = await ModelCache.open(nc, o.modelCacheBytes ?? Math.floor(os.totalmem() / 2));
      if (o.workers !== undefined) threadpool.setParallelConfig({ source: "api", workers: o.workers });
      if (process.execArgv.includes(MAIN_THREAD_SEMI_SPACE_FLAG))
        v8.setFlagsFromString(`--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`);
      const pool = new WorkerPool({
        size: threadpool.config().workers.value,
        workerSetup: {
          module: require.resolve("../threadpool/worker-side"),
          data: threadpool.backendLimitsForWorkers(),
        },
        onOutput: () => {},
      });
      await pool.ready();
      const agent = new Agent(
        name,
        target,
        nc,
        consumer,
        js,
        (info.config.ack_wait ?? 30e9) / 1e6,
        pool,
        functions,
        models,
        o,
      );
      agent.listen();
      return agent;
    } catch (e) {
      await nc.close().catch(() => {});
      throw e;
    }
  }

  get workers(): number {
    return this.pool.size;
  }

  private log(line: string) {
    (this.o.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(`[threadlab agent ${this.name}] ${line}`);
  }

  status(): AgentStatus {
    const workers = this.pool.status().workers;
    return {
      v: WIRE_VERSION,
      id: this.id,
      name: this.name,
      host: os.hostname(),
      pid: process.pid,
      workers: this.pool.size,
      cpus: threadpool.config().cpus.value,
      busy: this.inflight.size,
      itemsDone: this.itemsDone,
      util: workers.map((w) => Math.round(w.busy * 100)),
      workerItems: workers.reduce((n, w) => n + w.items, 0),
      models: this.models.list(),
      modelFetches: this.models.fetches,
      rssBytes: process.memoryUsage.rss(),
      startedAt: this.startedAt,
    };
  }

  private listen(): void {
    this.nc.subscribe(subjects.cancel, {
      callback: (err, m) => {
        if (err) return;
        try {
          this.cancel(decode<CancelMessage>(m.data, "cancel").map);
        } catch (e) {
          this.log(`ignored a cancel: ${(e as Error).message}`);
        }
      },
    });
    this.nc.subscribe(subjects.status, {
      callback: (err, m: Msg) => {
        if (!err) m.respond(encode(this.status()));
      },
    });
    const beat = () => this.nc.publish(subjects.heartbeat, encode(this.status()));
    beat();
    this.heartbeat = setInterval(beat, this.o.heartbeatMs ?? 1000);
    this.heartbeat.unref();
    this.loop = this.pull();
    this.log(`connected to ${this.target.display} with ${this.pool.size} workers`);
  }

  private cancel(map: string): void {
    this.cancelled.add(map);
    if (this.cancelled.size > CANCELLED_KEPT) this.cancelled.delete(this.cancelled.values().next().value!);
    for (const r of this.inflight) if (r.map === map) r.abort.abort(new AbortError(`map ${map} was cancelled`));
  }

  private get capacity(): number {
    return this.pool.size + EXTRA_BATCHES - this.inflight.size;
  }

  /** Pulls only what this node can start soon: batches wait in the queue, where another agent can take them. */
  private async pull(): Promise<void> {
    while (this.running) {
      if (this.capacity <= 0 || this.gate.closed) {
        await new Promise<void>((r) => this.slotWaiters.push(r));
        continue;
      }
      try {
        const msgs = await this.consumer.fetch({ max_messages: this.capacity, expires: 1000 });
        for await (const m of msgs) {
          if (!this.running) {
            m.nak();
            continue;
          }
          void this.runBatch(m);
        }
      } catch (e) {
        if (!this.running) break;
        // The server restarting, or a consumer being recreated: wait and pull again.
        this.log(`pulling batches failed (${(e as Error).message}); retrying`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private async runBatch(msg: JsMsg): Promise<void> {
    let b: BatchMessage;
    try {
      b = decode<BatchMessage>(msg.data, "batch");
    } catch (e) {
      this.log(`dropped a batch: ${(e as Error).message}`);
      msg.term();
      return;
    }
    if (this.cancelled.has(b.map)) {
      msg.term();
      return;
    }
    const deliveries = msg.info.deliveryCount;
    // Delivered before and never answered: the agent process that had it most likely died running it (a crash
    // of a worker thread is the pool's to handle, see execute). Halves instead of the whole, down to the item.
    if (deliveries > 1 && b.count > 1) {
      await this.split(b, msg, deliveries);
      return;
    }
    const r: Running = { map: b.map, abort: new AbortController(), msg };
    this.inflight.add(r);
    // A batch longer than the ack wait is still ours: tell the server so it is not redelivered.
    const working = setInterval(() => msg.working(), Math.max(100, this.ackWaitMs / 3));
    const pinned: string[] = [];
    let ticket: GateTicket | null = null;
    try {
      if (deliveries >= CRASH_DELIVERIES) {
        await this.deliver(b, agentDeathsResult(b, this.name, deliveries), msg, r.abort.signal);
        return;
      }
      let result: Omit<ResultMessage, "offset" | "count"> & { count: number };
      try {
        const fn = await this.prepare(b, pinned);
        let model: object | undefined;
        if (b.model) {
          model = await this.models.acquire(b.model);
          pinned.push(b.model);
        }
        const alone = deliveries > 1 || b.offset !== undefined;
        const mapLimit = b.workers !== undefined && b.workers < this.pool.size ? b.workers : undefined;
        ticket = await this.gate.enter(b.map, { alone, mapLimit }, r.abort.signal);
        if (!ticket) throw r.abort.signal.reason;
        await this.announceStart(b, alone);
        result = await this.execute(b, fn, model, r.abort.signal);
      } catch (e) {
        if (r.abort.signal.aborted || e instanceof AbortError) {
          msg.term();
          return;
        }
        result = {
          v: WIRE_VERSION,
          map: b.map,
          batch: b.batch,
          node: this.name,
          count: b.count,
          results: [],
          failures: [],
          busyMs: 0,
          fatal: wireError(e),
        };
      }
      await this.deliver(b, result, msg, r.abort.signal);
    } finally {
      clearInterval(working);
      if (ticket) this.gate.leave(ticket);
      for (const d of pinned) this.models.release(d);
      this.inflight.delete(r);
      this.slotWaiters.shift()?.();
    }
  }

  /**
   * Publishes a redelivered batch again as two halves (parts of the same kernel batch) and acks it. The message
   * ids carry the batch's stream sequence: if this agent dies before its ack, the next split lands once.
   */
  private async split(b: BatchMessage, msg: JsMsg, deliveries: number): Promise<void> {
    const at = b.offset ?? 0;
    const mid = Math.ceil(b.count / 2);
    try {
      for (const [from, to] of [
        [0, mid],
        [mid, b.count],
      ]) {
        const half: BatchMessage = { ...b, offset: at + from, count: to - from, items: sliceItems(b.items, from, to) };
        await this.js.publish(subjects.batch(b.map), encode(half), {
          msgID: `${b.map}.${b.batch}.${msg.seq}.${from}`,
          timeout: 5000,
        });
      }
      msg.ack();
      this.log(
        `items ${at}–${at + b.count - 1} of batch ${b.batch} (map ${b.map}) were delivered ${deliveries} times: split in two`,
      );
    } catch (e) {
      // It comes back (and is split) again; not at once, or a refusal (e.g. a permission) would spin.
      this.log(`could not split a redelivered batch: ${(e as Error).message}`);
      msg.nak(SPLIT_RETRY_MS);
    }
  }

  /**
   * Tells the kernel which items this node is about to run, so that if they take this process down the kernel
   * can name the node, and tell an item that ran alone each time it was delivered from one that died beside
   * another. Flushed for suspects: their items may kill the process before the client's buffer would go out.
   */
  private async announceStart(b: BatchMessage, suspect: boolean): Promise<void> {
    this.publish(b.map, {
      v: WIRE_VERSION,
      t: "start",
      node: this.name,
      agent: this.id,
      batch: b.batch,
      offset: b.offset ?? 0,
      count: b.count,
    });
    if (suspect) await this.nc.flush().catch(() => {});
  }

  /** The batch's function with its model references turned into this node's shared models. */
  private async prepare(b: BatchMessage, pinned: string[]): Promise<ShippedFunction> {
    const fn = await this.functions.get(b.fn);
    const local: Record<string, string> = {};
    for (const [name, v] of Object.entries(fn.scope)) {
      if (v.kind !== "model") continue;
      const root = await this.models.acquire(v.id);
      pinned.push(v.id);
      local[name] = modelIdOf(root)!;
    }
    if (Object.keys(local).length === 0) return fn;
    // Stable objects per (function, local ids): the pool keeps a function compiled per object.
    const key = `${b.fn}:${Object.values(local).join(",")}`;
    let out = this.prepared.get(key);
    if (!out) {
      const scope = { ...fn.scope };
      for (const [name, id] of Object.entries(local)) scope[name] = { kind: "model", id };
      out = { ...fn, scope };
      this.prepared.set(key, out);
      if (this.prepared.size > 64) this.prepared.delete(this.prepared.keys().next().value!);
    }
    return out;
  }

  /** Runs the batch on the pool; an item that kills its worker is named and the rest of the batch still runs. */
  private async execute(b: BatchMessage, fn: ShippedFunction, model: object | undefined, signal: AbortSignal) {
    const results: unknown[] = new Array(b.count).fill(null);
    const failures: ItemFailureWire[] = [];
    const t0 = performance.now();
    let lastProgress = 0;
    // The pool maps this batch ran as (more than one when an item killed its worker), for its chunk report.
    const poolMaps: number[] = [];
    const run = async (from: number, to: number): Promise<void> => {
      if (to <= from) return;
      const items = itemsOf(b.items, from, to);
      const { id, done } = this.pool.submit(items, fn, {
        model,
        errors: "collect",
        signal,
        name: fn.name,
        workers: b.workers !== undefined && b.workers < this.pool.size ? 1 : this.pool.size,
        maxHeapMB: b.maxHeapMB,
        // Enforced by this node's pool, which replaces the worker; the item comes back as a failure that the
        // kernel reports through the map's errors mode (failures are collected here whatever that mode is).
        timeout: b.timeout,
        progress: true,
        onProgress: (p) => {
          const now = Date.now();
          if (p.finished || now - lastProgress < 500) return;
          lastProgress = now;
          this.chunkReport.collect();
          this.publish(b.map, { v: WIRE_VERSION, t: "progress", node: this.name, batch: b.batch, done: from + p.done });
        },
        onOutput: (stream, text) => this.publish(b.map, { v: WIRE_VERSION, t: "out", node: this.name, stream, text }),
      });
      this.chunkReport.watch(id);
      poolMaps.push(id);
      try {
        const report = await done;
        const failed = new Set(report.failures.map((f) => f.index));
        for (let i = 0; i < report.results.length; i++) if (!failed.has(i)) results[from + i] = report.results[i];
        for (const f of report.failures)
          failures.push({
            offset: from + f.index,
            error: wireError(f.error),
            preview: previewItem(itemAt(b.items, from + f.index)),
          });
      } catch (e) {
        if (!(e instanceof PoisonItemError)) throw e;
        const at = from + e.index;
        failures.push({
          offset: at,
          error: { name: "PoisonItemError", message: e.message },
          preview: e.itemPreview,
          poison: true,
        });
        await run(from, at);
        await run(at + 1, to);
      }
    };
    try {
      await run(0, b.count);
    } catch (e) {
      this.chunkReport.forget(poolMaps);
      throw e;
    }
    this.itemsDone += b.count;
    return {
      v: WIRE_VERSION,
      map: b.map,
      batch: b.batch,
      node: this.name,
      count: b.count,
      results,
      failures,
      busyMs: performance.now() - t0,
      chunks: this.chunkReport.take(poolMaps),
    };
  }

  private publish(map: string, m: OutputMessage): void {
    try {
      this.nc.publish(subjects.output(map), encode(m));
    } catch {
      // Output and progress are best effort: a lost line must not fail the batch.
    }
  }

  /**
   * Hands the result to the kernel (a request it answers once stored), then acks the batch. No kernel listening
   * means the map ended (finished, failed or the kernel died): the batch is dropped. A kernel unreachable for long
   * gets the batch back in the queue instead.
   */
  private async deliver(
    b: BatchMessage,
    result: Omit<ResultMessage, "offset" | "count"> & { count: number },
    msg: JsMsg,
    signal: AbortSignal,
  ): Promise<void> {
    const encodedAt = epochMs();
    // Every answer names its agent by id too: the kernel's timeline keys lanes by it (wire.ts, `agent`).
    const parts = splitResult(
      { ...result, agent: this.id },
      (this.nc.info?.max_payload ?? 1 << 20) - 4096,
      b.offset ?? 0,
    );
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
          if (
            (await unlessAborted(this.nc.request(subjects.result(b.map), part, { timeout: 5000 }), signal)) === ABORTED
          ) {
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
          if (Date.now() > deadline || !this.running) {
            msg.nak();
            return;
          }
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    }
    msg.ack();
  }

  /** SIGTERM: no new batches; running ones finish within the grace, the rest go back to the queue at once. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.heartbeat);
    for (const w of this.slotWaiters.splice(0)) w();
    const graceEnd = Date.now() + (this.o.stopGraceMs ?? 10_000);
    while (this.inflight.size > 0 && Date.now() < graceEnd) await new Promise((r) => setTimeout(r, 50));
    for (const r of this.inflight) {
      r.msg.nak();
      r.abort.abort(new AbortError("the agent is stopping"));
    }
    await this.loop?.catch(() => {});
    await this.pool.close();
    await this.nc.drain().catch(() => this.nc.close());
    this.log("stopped");
  }
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

/** An agent must not serve a server that anyone can reach without credentials: they could run code here. */
async function refuseOpenServer(target: ClusterTarget, name: string): Promise<void> {
  let nc: NatsConnection | undefined;
  try {
    nc = await connectCluster(target, `threadlab-agent ${name} (credentials check)`, false);
  } catch (e) {
    if (e instanceof ClusterConnectError && /requires credentials/.test(e.message)) return;
    throw e;
  }
  await nc.close().catch(() => {});
  throw new ClusterConnectError(
    `the NATS server at ${target.display} accepts connections without credentials, so anyone who can reach it could run code on ` +
      "this machine through this agent. Require authentication on the server (authorization { users = […] } in its config), " +
      "or pass --insecure if only you can reach it",
  );
}

function itemsOf(items: ChunkItems, from: number, to: number): MapItems {
  switch (items.kind) {
    case "range":
      return range(items.first + from * items.step, items.first + to * items.step, items.step);
    case "typed":
      return (items.data as unknown as { subarray(a: number, b: number): ArrayBufferView }).subarray(from, to);
    case "array":
      return from === 0 && to === items.data.length ? items.data : items.data.slice(from, to);
  }
}

/** The answer for a single item that took down the agent process each time it ran: a failure, not a retry. */
function agentDeathsResult(b: BatchMessage, node: string, deliveries: number) {
  return {
    v: WIRE_VERSION,
    map: b.map,
    batch: b.batch,
    node,
    count: 1,
    results: [null],
    failures: [
      {
        offset: 0,
        error: {
          name: "AgentCrashError",
          message: `it took down the threadlab agent process that ran it (delivered ${deliveries} times on its own, never answered)`,
        },
        preview: previewItem(itemAt(b.items, 0)),
        agentDeaths: deliveries - 1,
      },
    ],
    busyMs: 0,
  };
}

function itemAt(items: ChunkItems, i: number): unknown {
  return items.kind === "range" ? items.first + i * items.step : items.data[i];
}
