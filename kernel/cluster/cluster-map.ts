/**
 * One map on the cluster, kernel side: cuts the input into batches, publishes them to the work queue with a
 * bounded number in flight, accepts each item's result once (JetStream delivers at least once), and ends with
 * the same report as a local map — or a clear error, never a silent wait.
 */
import type { NatsConnection, Subscription } from "@nats-io/nats-core";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import {
  epochMs,
  itemSource,
  MapRun,
  rebuildError,
  rebuildItemError,
  type MapReport,
  type ProgressState,
  type Slice,
} from "../map";
import { logBatchChunks } from "./batch-chunks";
import { ClusterItemError, ClusterMapError } from "./errors";
import type { FunctionStore } from "./function-store";
import type { ClusterSubmission, NodeProgress } from "./map-backend";
import type { ModelPublisher } from "./model-store";
import type { NodeRegistry } from "./nodes";
import { batchSizing, type ClusterTuning } from "./cluster-tuning";
import { publishMapInputs } from "./map-inputs";
import { blamed, startsAlone, wireItems, type Pending } from "./pending-batch";
import { BATCH_STREAM, subjects } from "./subjects";
import {
  decode,
  encode,
  WIRE_VERSION,
  type BatchMessage,
  type OutputMessage,
  type ResultMessage,
  sliceItems,
} from "./wire";

export interface ClusterMapDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  functions: FunctionStore;
  models: ModelPublisher;
  nodes: NodeRegistry;
  display: string;
  tuning: ClusterTuning;
  /** True while the connection to the server is down. */
  disconnectedSince: () => number | null;
}

/** A map on the cluster: its lifecycle and results are kernel/map/map-run.ts's, its batches and answers its own. */
export class ClusterMap extends MapRun {
  private readonly pending = new Map<number, Pending>();
  private readonly perNode = new Map<string, { done: number; busyMs: number; workers: number }>();
  private readonly subs: Subscription[] = [];
  private exhausted = false;
  private filling = false;
  private batches = 0;
  private largestBatch = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private noAgentsSince: number | null = null;
  private fnHash = "";
  private modelDigest: string | null = null;

  constructor(
    id: number,
    /** Unique across kernels: subjects and stream filters are per map. */
    readonly key: string,
    private readonly s: ClusterSubmission,
    private readonly d: ClusterMapDeps,
  ) {
    // The map's own sizer with the cluster's tuning (the deps' copy, so an override of it holds).
    super(id, s.options, itemSource(s.items as never), batchSizing(d.tuning));
  }

  start(): Promise<MapReport> {
    if (this.listen()) this.begin().catch((e) => this.fail(e instanceof Error ? e : new Error(String(e))));
    return this.promise;
  }

  private async begin(): Promise<void> {
    ({ fnHash: this.fnHash, modelDigest: this.modelDigest } = await publishMapInputs(
      this.s.fn,
      this.opts,
      this.d.functions,
      this.d.models,
    ));
    this.s.chunkLog?.nameClusterMap(this.id, this.opts.name);
    if (this.finished) return;
    this.subs.push(
      this.d.nc.subscribe(subjects.result(this.key), {
        callback: (err, m) => {
          if (err) return;
          try {
            this.onResult(decode<ResultMessage>(m.data, "result"));
          } finally {
            // Answered even for duplicates: the agent acks its batch once the kernel has the result.
            m.respond();
          }
        },
      }),
      this.d.nc.subscribe(subjects.output(this.key), {
        callback: (err, m) => {
          if (err || this.finished) return;
          try {
            this.onOutput(decode<OutputMessage>(m.data, "output"));
          } catch {
            // Output is best effort.
          }
        },
      }),
    );
    this.startProgress();
    this.watchdog = setInterval(() => this.check(), 250);
    this.watchdog.unref();
    if (this.d.nodes.liveWorkers(this.opts.workers) === 0) await this.d.nodes.refresh(300);
    this.fill();
  }

  private get maxInFlight(): number {
    // Every agent's workers busy plus one batch queued behind each, so no node waits for the kernel.
    return Math.max(2, 2 * this.d.nodes.liveWorkers(this.opts.workers) + 2);
  }

  private batchSize(): number {
    return this.sizer.next(this.d.nodes.liveWorkers(this.opts.workers));
  }

  /** Publishes batches until the in-flight bound; called again as results come back. */
  private fill(): void {
    if (this.filling || this.finished) return;
    this.filling = true;
    void (async () => {
      try {
        while (!this.finished && !this.exhausted && this.pending.size < this.maxInFlight) {
          let slice = this.source.take(this.batchSize());
          if (slice instanceof Promise) slice = await slice;
          if (this.finished) return;
          if (!slice) {
            this.exhausted = true;
            break;
          }
          await this.publish(slice);
        }
      } catch (e) {
        this.fail(
          new ClusterMapError(
            `${this.opts.name}: publishing a batch to ${this.d.display} failed: ${(e as Error).message}`,
            { cause: e },
          ),
        );
      } finally {
        this.filling = false;
      }
      // Results that arrived while publishing could not call fill() or finish the map: look again.
      if (!this.exhausted && this.pending.size < this.maxInFlight) this.fill();
      else this.checkComplete();
    })();
  }

  private async publish(slice: Slice): Promise<void> {
    const batch = this.batches++;
    const m: BatchMessage = {
      v: WIRE_VERSION,
      map: this.key,
      batch,
      start: slice.start,
      count: slice.count,
      items: wireItems(this.source, slice),
      fn: this.fnHash,
      model: this.modelDigest,
      name: this.opts.name,
      maxHeapMB: this.opts.maxHeapMB,
      workers: this.opts.workers,
      timeout: this.opts.timeout,
    };
    const p: Pending = {
      batch,
      slice,
      body: encode(m),
      received: new Uint8Array(slice.count),
      got: 0,
      publishedAt: Date.now(),
      takers: [],
    };
    this.pending.set(batch, p);
    if (slice.count > this.largestBatch) this.largestBatch = slice.count;
    await this.send(p);
  }

  /**
   * JetStream publish, retried while the server is away or restarting (a restarted server answers "jetstream
   * is not enabled" until its store is loaded); the message id makes a retry land once. Gives up after
   * `serverLostMs` of failures.
   */
  private async send(p: Pending): Promise<void> {
    const giveUpAt = Date.now() + this.d.tuning.serverLostMs;
    for (;;) {
      try {
        await this.d.js.publish(subjects.batch(this.key), p.body, {
          msgID: `${this.key}.${p.batch}.${p.publishedAt}`,
          timeout: 5000,
        });
        return;
      } catch (e) {
        if (this.finished) return;
        if (Date.now() > giveUpAt) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  private onResult(r: ResultMessage): void {
    if (this.finished) return;
    const log = this.s.chunkLog;
    log?.batchAnswered(this.id, log.node(r.node, r.agent), r.batch, r.offset, r.count);
    const p = this.pending.get(r.batch);
    if (!p) return;
    if (r.fatal) {
      const e = rebuildError(r.fatal);
      this.fail(
        new ClusterMapError(`${this.opts.name}: node ${r.node} could not run the map: ${e.name}: ${e.message}`, {
          cause: e,
        }),
      );
      return;
    }
    // An item reported for taking agents down that did not run alone each time died beside another: run it again.
    const bystanders = r.failures.filter((f) => f.agentDeaths && startsAlone(p, f.offset) < f.agentDeaths);
    if (bystanders.length) {
      for (const f of bystanders) void this.republishItem(p, f.offset);
      return;
    }
    const node = this.nodeStats(r.node);
    const failed = new Map(r.failures.map((f) => [f.offset, f]));
    if (this.opts.errors === "raise") {
      for (const f of r.failures) {
        if (p.received[f.offset]) continue;
        const index = p.slice.start + f.offset;
        const error = rebuildItemError(f.error, index, f.preview);
        this.fail(new ClusterItemError(this.opts.name, index, f.preview, error, blamed(p, f, r.node)));
        return;
      }
    }
    let fresh = 0;
    for (let i = 0; i < r.count; i++) {
      const off = r.offset + i;
      if (p.received[off]) continue;
      p.received[off] = 1;
      fresh++;
      const at = this.opts.unordered ? this.written++ : p.slice.start + off;
      const f = failed.get(off);
      if (f) {
        const index = p.slice.start + off;
        this.collectFailure(index, at, rebuildItemError(f.error, index, f.preview), blamed(p, f, r.node));
      } else this.results[at] = r.results[i];
    }
    this.logChunks(r, p, fresh);
    p.got += fresh;
    this.done += fresh;
    node.done += fresh;
    if (p.got === p.slice.count) {
      this.pending.delete(r.batch);
      node.busyMs += r.busyMs;
      this.sizer.record(p.slice.count, r.busyMs);
      this.fill();
    }
    this.checkComplete();
  }

  /** The timeline: a batch's chunks come with the result part that brought its first items, logged once. */
  private logChunks(r: ResultMessage, p: Pending, fresh: number): void {
    if (!r.chunks || fresh === 0 || !this.s.chunkLog) return;
    p.chunksLogged ??= new Set();
    if (p.chunksLogged.has(r.offset)) return;
    p.chunksLogged.add(r.offset);
    // A part some of whose items were answered already (its batch ran twice): logged as a re-run, each item once.
    logBatchChunks(this.s.chunkLog, r, this.id, r.chunks, undefined, fresh < r.count ? fresh : undefined);
  }

  /** One item of a batch as a fresh message (delivered once so far), for an item wrongly suspected. */
  private async republishItem(p: Pending, offset: number): Promise<void> {
    const b = decode<BatchMessage>(p.body, "batch");
    const one: BatchMessage = { ...b, offset, count: 1, items: sliceItems(b.items, offset, offset + 1) };
    try {
      await this.d.js.publish(subjects.batch(this.key), encode(one), { timeout: 5000 });
    } catch (e) {
      this.fail(
        new ClusterMapError(`${this.opts.name}: publishing item ${p.slice.start + offset} again failed`, { cause: e }),
      );
    }
  }

  private nodeStats(name: string) {
    let n = this.perNode.get(name);
    if (!n) {
      const all = this.d.nodes.list().find((x) => x.name === name)?.workers ?? 0;
      const workers = Math.min(all, this.opts.workers ?? all);
      this.perNode.set(name, (n = { done: 0, busyMs: 0, workers }));
    }
    return n;
  }

  private onOutput(m: OutputMessage): void {
    if (m.t === "start") {
      const p = this.pending.get(m.batch);
      p?.takers.push({ node: m.node, offset: m.offset, count: m.count });
      // Drawn as running until answered; a start that comes after its answer (another subject) is not.
      const log = this.s.chunkLog;
      if (p && !p.received[m.offset] && !this.finished)
        log?.batchStarted(this.id, log.node(m.node, m.agent), m.batch, m.offset, epochMs());
      return;
    }
    if (m.t !== "out") return;
    if (this.s.onOutput) this.s.onOutput(m.stream, m.text);
    else process[m.stream].write(m.text);
  }

  /** The watchdog: a map ends with a clear error rather than waiting forever. */
  private check(): void {
    if (this.finished) return;
    const now = Date.now();
    const lost = this.d.disconnectedSince();
    if (lost !== null && now - lost > this.d.tuning.serverLostMs) {
      this.fail(
        new ClusterMapError(
          `${this.opts.name}: lost the NATS server at ${this.d.display} for over ${Math.round(this.d.tuning.serverLostMs / 1000)} s ` +
            `(${this.done} items were done); check that nats-server runs, then run the map again`,
        ),
      );
      return;
    }
    if (lost === null && this.d.nodes.liveWorkers(this.opts.workers) === 0) {
      this.noAgentsSince ??= now;
      if (now - this.noAgentsSince > this.d.tuning.noAgentsMs) {
        this.fail(
          new ClusterMapError(
            `${this.opts.name}: no threadlab agents are connected to ${this.d.display} (waited ${Math.round(this.d.tuning.noAgentsMs / 1000)} s, ` +
              `${this.done} items were done); start one on each machine with: threadlab agent --cluster nats://user:pass@host:port`,
          ),
        );
        return;
      }
    } else this.noAgentsSince = null;
    // Batches lost with a server that lost its store would otherwise be waited for forever.
    if (lost === null) {
      for (const p of this.pending.values()) {
        if (p.got === 0 && now - p.publishedAt > this.d.tuning.republishMs) {
          p.publishedAt = now;
          void this.send(p);
        }
      }
    }
  }

  private checkComplete(): void {
    if (this.finished || !this.exhausted || this.filling || this.pending.size > 0) return;
    this.finish(undefined);
  }

  protected ended(error: Error | undefined): void {
    this.s.chunkLog?.clusterMapEnded(this.id);
    clearInterval(this.watchdog);
    for (const s of this.subs) s.unsubscribe();
    if (!error) return;
    // Every node stops this map's batches; those still queued are removed from the stream.
    try {
      this.d.nc.publish(subjects.cancel, encode({ v: WIRE_VERSION, map: this.key }));
    } catch {
      // The connection is gone: agents find no kernel to answer and drop the batches.
    }
    void this.d.jsm.streams.purge(BATCH_STREAM, { filter: subjects.batch(this.key) }).catch(() => {});
  }

  protected reportShape() {
    return { workers: [...this.perNode.values()].reduce((n, x) => n + x.workers, 0), chunkSize: this.largestBatch };
  }

  progress(): ProgressState & { nodes: NodeProgress[] } {
    const busy = this.d.nodes.list().reduce((n, x) => n + Math.min(x.busy, x.workers), 0);
    const p = this.progressFigures(busy);
    return {
      ...p,
      nodes: [...this.perNode].map(([name, n]) => ({
        name,
        done: n.done,
        rate: p.elapsedMs > 0 ? (n.done * 1000) / p.elapsedMs : 0,
        workers: n.workers,
      })),
    };
  }
}
