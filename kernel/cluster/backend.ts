/**
 * `%parallel map … --cluster`: the map backend that runs maps on `threadlab agent` processes through a NATS
 * JetStream server. One connection per kernel and URL; maps share it.
 */
import { randomBytes } from "node:crypto";
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstream, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { resolveMapOptions, type MapItems, type MapOptions, type MapReport, type StartedMap } from "../map";
import { ChunkLog } from "../timeline";
import type { ShippedFunction } from "../ship/types";
import { ClusterMap } from "./cluster-map";
import { CLUSTER_TUNING, type ClusterTuning } from "./cluster-tuning";
import { connectCluster, ensureBatchStream, parseClusterUrl, type ClusterAuth, type ClusterTarget } from "./connection";
import { FunctionStore } from "./function-store";
import type { ClusterSubmission, MapBackend } from "./map-backend";
import { ModelPublisher } from "./model-store";
import { NodeRegistry, type NodeStatus } from "./nodes";

export interface ClusterBackendOptions {
  auth?: ClusterAuth;
  tuning?: Partial<ClusterTuning>;
}

export interface ClusterStatus {
  url: string;
  connected: boolean;
  nodes: NodeStatus[];
  /** Maps running on the cluster from this kernel. */
  maps: number;
}

export class ClusterBackend implements MapBackend<ShippedFunction> {
  readonly kind = "cluster" as const;
  private readonly session = randomBytes(4).toString("hex");
  // Ids and names of maps submitted without the notebook's timeline (tests, benchmarks): a log of its own.
  private readonly ownLog = new ChunkLog();
  private readonly running = new Set<ClusterMap>();
  private disconnectedAt: number | null = null;
  private closed = false;

  private constructor(
    readonly target: ClusterTarget,
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly functions: FunctionStore,
    private readonly models: ModelPublisher,
    readonly nodes: NodeRegistry,
    private readonly tuning: ClusterTuning,
  ) {
    void this.watchStatus();
  }

  /** Connects to the cluster at `url` (nats://user:pass@host:port, nats://token@host:port, tls://…). */
  static async connect(url: string, o: ClusterBackendOptions = {}): Promise<ClusterBackend> {
    const target = parseClusterUrl(url, o.auth);
    const nc = await connectCluster(target, "threadlab-kernel");
    try {
      const jsm = await ensureBatchStream(nc, target.display);
      const functions = await FunctionStore.open(nc);
      const models = await ModelPublisher.open(nc);
      const nodes = new NodeRegistry(nc);
      return new ClusterBackend(target, nc, jetstream(nc), jsm, functions, models, nodes, {
        ...CLUSTER_TUNING,
        ...o.tuning,
      });
    } catch (e) {
      await nc.close().catch(() => {});
      throw e;
    }
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === "disconnect" || s.type === "reconnecting") this.disconnectedAt ??= Date.now();
      else if (s.type === "reconnect") this.disconnectedAt = null;
    }
  }

  submit(s: ClusterSubmission): StartedMap {
    if (this.closed)
      throw new Error(`the connection to the cluster at ${this.target.display} was closed; connect again`);
    const chunkLog = s.chunkLog ?? this.ownLog;
    const id = s.mapId ?? chunkLog.openMap(s.options.name);
    const map = new ClusterMap(
      id,
      `${this.session}-${id}`,
      { ...s, chunkLog },
      {
        nc: this.nc,
        js: this.js,
        jsm: this.jsm,
        functions: this.functions,
        models: this.models,
        nodes: this.nodes,
        display: this.target.display,
        tuning: this.tuning,
        disconnectedSince: () => (this.nc.isClosed() ? 0 : this.disconnectedAt),
      },
    );
    this.running.add(map);
    const done = map.start().finally(() => this.running.delete(map));
    return { id, done, live: () => map };
  }

  /** Like `WorkerPool.run`, for code that holds the backend itself (tests, benchmarks). */
  run(
    items: MapItems,
    fn: ShippedFunction,
    options: MapOptions & { onOutput?: ClusterSubmission["onOutput"] } = {},
  ): Promise<MapReport> {
    return this.submit({
      items,
      fn,
      options: resolveMapOptions({ name: fn.name, ...options }),
      onOutput: options.onOutput,
    }).done;
  }

  /** For `%parallel cluster status` and the sidebar: every agent with its workers, models and load. */
  async status(refresh = true): Promise<ClusterStatus> {
    if (refresh && !this.closed) await this.nodes.refresh();
    return this.currentStatus();
  }

  /** The status from the heartbeats heard so far, without asking the agents (the sidebar reads it at 4 Hz). */
  currentStatus(): ClusterStatus {
    return {
      url: this.target.display,
      connected: !this.closed && this.disconnectedAt === null,
      nodes: this.nodes.list(),
      maps: this.running.size,
    };
  }

  /** Cancels this kernel's running maps and closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const m of this.running)
      m.fail(new Error(`the connection to the cluster at ${this.target.display} was closed`));
    this.nodes.close();
    await this.nc.drain().catch(() => this.nc.close());
  }
}
