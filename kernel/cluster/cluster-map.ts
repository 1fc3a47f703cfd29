/**
 * One map on the cluster, kernel side: cuts the input into batches, publishes them to the work queue with a
 * bounded number in flight, accepts each item's result once (JetStream delivers at least once), and ends with
 * the same report as a local map — or a clear error, never a silent wait.
 */
import type { NatsConnection, Subscription } from "@nats-io/nats-core";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import {
  AbortError,
  ChunkSizer,
  completedReport,
  epochMs,
  isModelFileSource,
  itemSource,
  progressState,
  rebuildError,
  rebuildItemError,
  type ChunkItems,
  type ItemFailureReport,
  type ItemSource,
  type MapReport,
  type ProgressState,
  type ResolvedMapOptions,
  type Slice,
  type SizerTuning,
} from "../map";
import type { ShippedFunction } from "../ship/types";
import { modelRegistry } from "../share";
import { share } from "../share/share";
import { logBatchChunks } from "./batch-chunks";
import { ClusterItemError, ClusterMapError } from "./errors";
import type { FunctionStore } from "./function-store";
import type { ClusterSubmission, NodeProgress } from "./map-backend";
import type { ModelPublisher } from "./model-store";
import type { NodeRegistry } from "./nodes";
import { BATCH_STREAM, subjects } from "./subjects";
import {
  decode,
  encode,
  WIRE_VERSION,
  type BatchMessage,
  type ItemFailureWire,
  type OutputMessage,
  type ResultMessage,
  sliceItems,
} from "./wire";

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
function batchSizing(t: ClusterTuning): SizerTuning {
  return { probe: t.batchProbe, targetMs: t.batchTargetMs, maxItems: t.maxBatchItems, maxUnknown: t.maxBatchItems };
}

interface Pending {
  readonly batch: number;
  readonly slice: Slice;
  readonly body: Uint8Array;
  readonly received: Uint8Array;
  got: number;
  publishedAt: number;
  /**
   * Offsets of the results whose chunks are in the timeline: once per batch or half of one (a redelivered batch
   * is split), though a result may come more than once.
   */
  chunksLogged?: Set<number>;
  /** Which node started which items (agents' `start` messages): the nodes to name if items kill agents. */
  readonly takers: { node: string; offset: number; count: number }[];
}

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

export class ClusterMap {
  readonly promise: Promise<MapReport>;
  private resolve!: (r: MapReport) => void;
  private reject!: (e: Error) => void;
  readonly opts: ResolvedMapOptions;
  private readonly source: ItemSource;
  readonly results: unknown[];
  readonly failures: ItemFailureReport[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly perNode = new Map<string, { done: number; busyMs: number; workers: number }>();
  private readonly subs: Subscription[] = [];
  readonly startedAt = performance.now();
  finished = false;
  private exhausted = false;
  private filling = false;
  private batches = 0;
  done = 0;
  private written = 0;
  private largestBatch = 0;
  private readonly sizer: ChunkSizer;
  private progressTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private noAgentsSince: number | null = null;
  private fnHash = "";
  private modelDigest: string | null = null;
  private readonly onAbort = () =>
    this.fail(
      new AbortError(`${this.opts.name} was cancelled after ${this.done} items`, { cause: this.opts.signal?.reason }),
    );

  constructor(
    readonly id: number,
    /** Unique across kernels: subjects and stream filters are per map. */
    readonly key: string,
    private readonly s: ClusterSubmission,
    private readonly d: ClusterMapDeps,
  ) {
    this.opts = s.options;
    this.promise = new Promise<MapReport>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    this.source = itemSource(s.items as never);
    this.results = this.source.total !== null ? new Array(this.source.total) : [];
    // The map's own sizer with the cluster's tuning (the deps' copy, so an override of it holds).
    this.sizer = new ChunkSizer(this.opts.chunk, this.source.total, batchSizing(d.tuning));
  }

  start(): Promise<MapReport> {
    if (this.opts.signal?.aborted) {
      this.onAbort();
      return this.promise;
    }
    this.opts.signal?.addEventListener("abort", this.onAbort, { once: true });
    this.begin().catch((e) => this.fail(e instanceof Error ? e : new Error(String(e))));
    return this.promise;
  }

  private async begin(): Promise<void> {
    // The function refers to models by digest, so every node resolves them to its own copy.
    const scope: Record<string, ShippedFunction["scope"][string]> = { ...this.s.fn.scope };
    for (const [name, v] of Object.entries(scope)) {
      if (v.kind !== "model") continue;
      const e = modelRegistry.get(v.id);
      if (!e)
        throw new Error(
          `${this.opts.name}: shared model ${v.id} was released or never shared; share it again before the map`,
        );
      scope[name] = { kind: "model", id: await this.d.models.publish(e.root) };
    }
    // A file every node can read: each agent loads it itself, nothing goes through the Object Store.
    if (isModelFileSource(this.opts.model)) this.modelDigest = this.opts.model;
    else if (this.opts.model !== undefined) {
      if (typeof this.opts.model !== "object" || this.opts.model === null)
        throw new TypeError(`model must be an object or typed array, got ${typeof this.opts.model}`);
      this.modelDigest = await this.d.models.publish(share(this.opts.model));
    }
    this.fnHash = await this.d.functions.put({ ...this.s.fn, scope });
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
    if (this.opts.progress && this.opts.onProgress) {
      this.progressTimer = setInterval(() => this.emitProgress(), 100);
      this.progressTimer.unref();
    }
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
        const error = rebuildItemError(f.error, p.slice.start + off, f.preview);
        this.failures.push({ index: p.slice.start + off, error, node: blamed(p, f, r.node) });
        this.results[at] = error;
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

  fail(error: Error): void {
    this.finish(error);
  }

  private finish(error: Error | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.s.chunkLog?.clusterMapEnded(this.id);
    clearInterval(this.progressTimer);
    clearInterval(this.watchdog);
    this.opts.signal?.removeEventListener("abort", this.onAbort);
    this.source.close();
    for (const s of this.subs) s.unsubscribe();
    if (error) {
      // Every node stops this map's batches; those still queued are removed from the stream.
      try {
        this.d.nc.publish(subjects.cancel, encode({ v: WIRE_VERSION, map: this.key }));
      } catch {
        // The connection is gone: agents find no kernel to answer and drop the batches.
      }
      void this.d.jsm.streams.purge(BATCH_STREAM, { filter: subjects.batch(this.key) }).catch(() => {});
      this.reject(error);
      return;
    }
    if (this.opts.progress) this.emitProgress();
    this.resolve(
      completedReport(
        this,
        [...this.perNode.values()].reduce((n, x) => n + x.workers, 0),
        this.largestBatch,
      ),
    );
  }

  progress(): ProgressState & { nodes: NodeProgress[] } {
    const busy = this.d.nodes.list().reduce((n, x) => n + Math.min(x.busy, x.workers), 0);
    const p = progressState(
      { done: this.done, failed: this.failures.length, startedAt: this.startedAt, finished: this.finished },
      this.source.total,
      busy,
    );
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

  private emitProgress(): void {
    try {
      this.opts.onProgress?.(this.progress());
    } catch {
      // A broken progress display must not break the map.
    }
  }
}

/** How many times the item at `offset` was started on its own (each such start that never answered killed its agent). */
function startsAlone(p: Pending, offset: number): number {
  return p.takers.filter((t) => t.count === 1 && t.offset === offset).length;
}

/**
 * The node a failure is reported on: the one that ran the item, or for an item that took agent processes down,
 * those that started it (they died; the node reporting it did not run it).
 */
function blamed(p: Pending, f: ItemFailureWire, reporter: string): string {
  if (!f.agentDeaths) return reporter;
  const nodes = new Set(
    p.takers.filter((t) => f.offset >= t.offset && f.offset < t.offset + t.count).map((t) => t.node),
  );
  return nodes.size ? [...nodes].join(", ") : "unknown";
}

/** A slice's items as they travel in a batch; typed arrays over shared memory are copied (v8 cannot serialize those). */
function wireItems(source: ItemSource, slice: Slice): ChunkItems {
  const { items } = source.payload(slice);
  if (items.kind === "typed") {
    const data = items.data as unknown as ArrayBufferView & { slice(): ArrayBufferView };
    if (data.buffer instanceof SharedArrayBuffer)
      return { kind: "typed", data: data.slice() as unknown as ArrayLike<unknown> };
  }
  return items;
}
