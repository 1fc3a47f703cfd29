/**
 * `threadlab agent`: one process per machine. It runs a WorkerPool sized for this node, pulls batches from the
 * cluster's work queue, runs each as a map on the pool (models shared by all its workers, fetched once) and
 * answers the kernel that published the batch with the results. Long synchronous work happens in worker threads
 * only, so this thread stays free for heartbeats, progress signals and cancels.
 */
import os from "node:os";
import v8 from "node:v8";
import { randomBytes } from "node:crypto";
import type { Msg, NatsConnection } from "@nats-io/nats-core";
import { jetstream, type Consumer, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import { AbortError, WorkerPool } from "../pool";
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
import {
  decode,
  encode,
  WIRE_VERSION,
  wireError,
  type AgentStatus,
  type BatchMessage,
  type CancelMessage,
  type OutputMessage,
} from "../cluster/wire";
import { BatchFunctions } from "./batch-function";
import { splitRedelivered } from "./redelivery";
import { agentDeathsResult, runBatchOnPool, type BatchResult, type BatchRunHost } from "./batch-run";
import { refuseOpenServer } from "./open-server";
import { deliverResult, type DeliveryHost } from "./result-delivery";
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
const CANCELLED_KEPT = 1024;
/**
 * How many times a single item is delivered, each time taking its agent process down, before it is reported as
 * the cause instead of run again. Not 2: one redelivery is often not the item's doing (an agent killed by its
 * operator or the OOM killer, a machine rebooting, a SIGTERM returning its batches); the same single item
 * taking down two agent processes in a row is.
 */
export const CRASH_DELIVERIES = 3;

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
  private readonly chunkReport: BatchChunkReport;
  private readonly gate = new BatchGate(() => this.slotWaiters.shift()?.());
  private readonly batchHost: BatchRunHost;
  private readonly delivery: DeliveryHost;
  private readonly batchFunctions: BatchFunctions;

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
    this.batchHost = {
      pool,
      node: name,
      chunkReport: this.chunkReport,
      publish: (map, m) => this.publish(map, m),
    };
    this.delivery = { nc, agentId: this.id, running: () => this.running };
    this.batchFunctions = new BatchFunctions(functions, models);
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
      await splitRedelivered(this.js, b, msg, deliveries, (l) => this.log(l));
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
        await deliverResult(this.delivery, b, agentDeathsResult(b, this.name, deliveries), msg, r.abort.signal);
        return;
      }
      let result: BatchResult;
      try {
        const fn = await this.batchFunctions.get(b, pinned);
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
        result = await runBatchOnPool(this.batchHost, b, fn, model, r.abort.signal);
        this.itemsDone += b.count;
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
      await deliverResult(this.delivery, b, result, msg, r.abort.signal);
    } finally {
      clearInterval(working);
      if (ticket) this.gate.leave(ticket);
      for (const d of pinned) this.models.release(d);
      this.inflight.delete(r);
      this.slotWaiters.shift()?.();
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

  private publish(map: string, m: OutputMessage): void {
    try {
      this.nc.publish(subjects.output(map), encode(m));
    } catch {
      // Output and progress are best effort: a lost line must not fail the batch.
    }
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
