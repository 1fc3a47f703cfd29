/**
 * Builds the sidebar's `update` message: the machine, the resolved pools with their sources, the worker
 * pool's live counters and what the sidebar itself set.
 *
 * Cost matters: updates stream at 4 Hz for as long as the panel is open. The pool part is read from shared
 * counters (cheap) on every update; the thread-pool part (reading /proc/self/maps, cgroup files and
 * resolving the configuration, ≈ 1–3 ms) is refreshed at most every 3 s, or at once after a limit
 * changes. Updates built within 50 ms of each other are the same object, so several panels on one kernel
 * share the work (and the pool's "busy since the previous status" is not split between them).
 *
 * @module
 */
import { basename } from "node:path";
import {
  MAX_CHUNK_TUPLES,
  PROTOCOL_VERSION,
  SLOW_UPDATE_FIELDS,
  type ChunkRecord,
  type ClusterState,
  type MapProgress,
  type ThreadPoolEntry,
  type PoolState,
  type Update,
  type UpdateMessage,
  type WorkerTuple,
} from "../../schema/sidebar";
import { WORKER_STATES, type ConfigSource } from "../../schema/vocabulary";
import type { ControllerInfo, LimitEntry, ParallelConfig } from "../threadpool";
import { checkOversubscription, type OversubscriptionCheck } from "../threadpool/oversubscription";
import { encodeChunks } from "./chunks";
import type { ChunkLogLike, ClusterStatusLike, PoolStatusLike, SidebarSources } from "./sources";

// Measured: the thread-pool part costs ≈ 3 ms (more with many threads mapped); at 1 Hz that alone was a third
// of the 1 %-of-a-core budget. Limit changes still show at once (invalidate on change).
const SLOW_REFRESH_MS = 3000;
const SHARE_WINDOW_MS = 50;
// A panel's first update fills its timeline with the last minute's chunks (merged to the same budget: the
// first update is also the one that carries the whole slow part).
const TIMELINE_WINDOW_MS = 60_000;

type Slow = Pick<Update, "cpus" | "config" | "threadpools" | "over">;

/** What one panel has been sent: where it is in the notebook's chunk log, and the slow part it holds. */
export interface ChunkCursor {
  seq: number;
  log?: ChunkLogLike;
  /** Chunks of lanes that did not fit its previous update (more lanes than the budget): sent next. */
  rest?: ChunkRecord[];
  slow?: object;
  /**
   * The cluster part this panel holds, as JSON ("" for none); undefined before its first update, and
   * `UNKNOWN_CLUSTER` after it subscribes again (it may hold one that has gone since).
   */
  cluster?: string;
}

/** A cursor's `cluster` when the panel's cluster part is not known: the next update says it, or null. */
export const UNKNOWN_CLUSTER = "?";

/** What the sidebar set, for the update's `sidebar` field. */
export interface SidebarSettings {
  workers: number | null;
  limits: Record<string, number>;
}

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + "…" : s);

export class UpdateBuilder {
  private slow: Slow | undefined;
  private slowKey = "";
  private lastLog: ChunkLogLike | undefined;
  private slowAt = 0;
  private last: Omit<Update, "seq"> | undefined;
  private clusterKey = "";
  private readonly off: (() => void) | undefined;

  constructor(
    private readonly sources: SidebarSources,
    private readonly sidebarSettings: () => SidebarSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.off = sources.threadpool.onBackendLimitsChanged?.(() => this.invalidate());
  }

  /** Forces the next update to re-read the thread pools (after the sidebar changed something). */
  invalidate(): void {
    this.slow = undefined;
    this.last = undefined;
  }

  dispose(): void {
    this.off?.();
  }

  /**
   * The update numbered `seq`. With a cursor (one per panel) it carries the chunks finished since the
   * cursor's last one, and leaves out the slow part when the panel already has it.
   */
  build(seq: number, cursor?: ChunkCursor): UpdateMessage {
    const now = this.now();
    if (!this.last || now - this.last.t >= SHARE_WINDOW_MS) {
      if (!this.slow || now - this.slowAt >= SLOW_REFRESH_MS) {
        const slow = this.readThreadpools();
        // Kept as the same object while its content is the same, so a panel that holds it is not sent it again.
        const key = JSON.stringify(slow);
        if (!this.slow || key !== this.slowKey) this.slow = slow;
        this.slowKey = key;
        this.slowAt = now;
      }
      const pool = this.sources.pool();
      let poolState: PoolState | null = null;
      let rss: number | undefined;
      this.lastLog = this.sources.chunkLog?.() ?? pool?.chunkLog;
      if (pool) {
        const s = pool.status();
        poolState = toPoolState(s, pool.chunkLog?.lastEnded, now);
        rss = s.rssBytes;
      }
      this.last = {
        v: PROTOCOL_VERSION,
        type: "update",
        t: Math.round(now),
        ...this.slow,
        pool: poolState,
        c: [],
        rss: rss ?? process.memoryUsage.rss(),
        sidebar: this.sidebarSettings(),
      };
      const cluster = this.readCluster();
      if (cluster) this.last.cluster = cluster;
      this.clusterKey = cluster ? JSON.stringify(cluster) : "";
    }
    const update: UpdateMessage = { ...this.last, seq };
    if (cursor) {
      const { c, r, legend } = this.chunksFor(cursor, update.t);
      update.c = c;
      if (r) update.r = r;
      if (legend) update.legend = legend;
      if (cursor.slow === this.slow) for (const f of SLOW_UPDATE_FIELDS) delete update[f];
      cursor.slow = this.slow;
      // Like the slow parts: sent when it changed for this panel (heartbeats change it about once a second while
      // agents work); null tells a panel that held one that the cluster is gone.
      if (cursor.cluster === this.clusterKey) delete update.cluster;
      else if (!this.clusterKey && cursor.cluster !== undefined) update.cluster = null;
      cursor.cluster = this.clusterKey;
    }
    return update;
  }

  private readCluster(): ClusterState | null {
    let s: ClusterStatusLike | null | undefined;
    try {
      s = this.sources.cluster?.();
    } catch {
      // A cluster connection being torn down must not stop the panel's updates; it shows as not connected.
      s = null;
    }
    return s ? toClusterState(s) : null;
  }

  private chunksFor(cursor: ChunkCursor, t: number): Pick<UpdateMessage, "c" | "r" | "legend"> {
    // The log as of the update being sent: looked up once per built update, not per panel.
    const log = this.lastLog;
    if (!log) return { c: [] };
    if (cursor.log !== log) {
      // A new log (or the first update): start from what is in it.
      cursor.log = log;
      cursor.seq = 0;
      cursor.rest = undefined;
    }
    const notBefore = t - TIMELINE_WINDOW_MS;
    const { records, seq } = log.since(cursor.seq, notBefore);
    cursor.seq = seq;
    const waiting = cursor.rest?.filter((r) => r.t1 >= notBefore) ?? [];
    const out = encodeChunks(
      waiting.length ? [...waiting, ...records] : records,
      t,
      MAX_CHUNK_TUPLES,
      (id) => log.clusterMapName?.(id),
      log.running?.() ?? [],
    );
    cursor.rest = out.rest.length ? out.rest : undefined;
    const { c, r, legend } = out;
    return { c, ...(r ? { r } : {}), ...(legend ? { legend } : {}) };
  }

  private readThreadpools(): Slow {
    const tp = this.sources.threadpool;
    const cpu = tp.cpuReport();
    const config = tp.config();
    const infos = tp.info();
    const sources = tp.limitSources();
    const workerEntries = tp.backendLimitsForWorkers().entries;
    const knob = (k: { value: number; source: ConfigSource; detail: string }) => ({
      n: k.value,
      src: k.source,
      d: clip(k.detail, 60),
    });
    // One count of backend threads per worker for the banner, the total and the tree: the oversubscription check's.
    let check: OversubscriptionCheck | undefined;
    let over: Slow["over"];
    try {
      check = checkOversubscription(infos, config, workerEntries);
      over = {
        threads: check.poolThreads,
        cpus: check.cpus,
        backend: knob(backendKnob(check.backend, config, sources)),
        warn: check.warnings[0] ? clip(check.warnings[0], 320) : null,
      };
    } catch (e) {
      over = {
        threads: 0,
        cpus: config.cpus.value,
        backend: knob(config.backendThreads),
        warn: clip(String((e as Error)?.message ?? e), 320),
      };
    }
    const threadpools = infos.map((i) => poolEntry(i, sources.get(i.id) ?? "default", check?.perWorker.get(i.id)));
    return {
      cpus: {
        n: cpu.effective,
        src: cpu.effectiveSource,
        logical: cpu.logical,
        affinity: cpu.affinity,
        cgroup: cpu.cgroupQuota ? Math.round(cpu.cgroupQuota.cpus * 100) / 100 : null,
        max: cpu.maxCpusEnv,
        physical: cpu.physical,
      },
      config: { workers: knob(config.workers), threads: knob(config.threads), backend: knob(config.backendThreads) },
      threadpools,
      over,
    };
  }
}

/**
 * The backend threads per worker the oversubscription count used, with where they came from: the limit that
 * gives a worker that many, or the pool's own process-wide value.
 */
function backendKnob(
  b: OversubscriptionCheck["backend"],
  config: ParallelConfig,
  sources: ReadonlyMap<string, ConfigSource>,
) {
  if (!b.pool) {
    return {
      value: b.threads,
      source: "default" as const,
      detail: `no BLAS/OpenMP loaded (would be ${config.backendThreads.value})`,
    };
  }
  const name = b.pool.internalApi;
  if (!b.entry)
    return { value: b.threads, source: sources.get(b.pool.id) ?? "default", detail: `${name}, process-wide` };
  // The per-worker default (order 0) is the configured knob; any other entry is a limit someone set.
  const detail =
    b.entry.order === 0
      ? `${name}: ${config.backendThreads.detail}`
      : `${name}: limit ${b.entry.selector}=${b.entry.threads}`;
  return { value: b.threads, source: b.entry.source, detail };
}

function poolEntry(
  i: ControllerInfo,
  src: ConfigSource,
  perWorker: { threads: number; entry?: LimitEntry } | undefined,
): ThreadPoolEntry {
  const entry: ThreadPoolEntry = {
    id: i.id,
    api: i.userApi,
    impl: i.internalApi,
    n: i.numThreads,
    scope: i.scope,
    set: i.settable && i.scope !== "startup",
    src,
  };
  if (!entry.set)
    entry.ro = clip(
      i.notes?.[0] ?? (i.scope === "startup" ? "fixed when the kernel process started" : "read-only"),
      90,
    );
  // As the oversubscription check counts it: the workers' limit, or the pool's own process-wide value.
  if (perWorker) entry.per = { n: perWorker.threads, src: perWorker.entry?.source ?? src };
  if (i.filepath) entry.lib = basename(i.filepath);
  if (i.version !== undefined) entry.ver = i.version === null ? null : clip(String(i.version), 24);
  return entry;
}

function toPoolState(s: PoolStatusLike, ended: MapProgress | undefined, now: number): PoolState {
  const states = WORKER_STATES as readonly string[];
  return {
    size: s.size,
    queue: s.queue,
    inflight: s.inflight,
    w: s.workers.map((w): WorkerTuple => [
      w.slot,
      (states.includes(w.state) ? w.state : "ready") as WorkerTuple[1],
      Math.round(Math.min(1, Math.max(0, w.busy)) * 100),
      w.items,
      w.chunks,
      w.map,
      w.since ? Math.max(0, Math.round(now - w.since)) : 0,
      w.cpu === undefined || w.cpu === null ? null : Math.round(w.cpu * 100),
      w.heapMB ?? null,
    ]),
    maps: [...s.maps, ...(ended ? [ended] : [])].map((m) => ({
      ...m,
      name: clip(m.name, 40),
      rate: Math.round(m.rate),
    })),
    models: { n: s.models.length, bytes: s.models.reduce((n, m) => n + m.bytes, 0) },
  };
}

function toClusterState(s: ClusterStatusLike): ClusterState {
  return {
    url: clip(s.url, 80),
    connected: s.connected,
    maps: s.maps,
    nodes: s.nodes.map((n) => ({
      name: clip(n.name, 40),
      host: clip(n.host, 40),
      workers: n.workers,
      cpus: n.cpus,
      batches: n.busy,
      util: n.util.map((u) => Math.round(Math.min(100, Math.max(0, u)))),
      items: n.itemsDone,
      rate: Math.round(n.itemsPerSec * 10) / 10,
      models: n.models.map((m) => ({ name: clip(m.name, 40), bytes: m.bytes })),
      rss: n.rssBytes,
    })),
  };
}
