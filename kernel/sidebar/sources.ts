/**
 * What the sidebar reads and changes in the kernel, behind narrow interfaces so that the pool and thread-pool
 * modules can change independently and tests can pass stand-ins. The defaults are the real modules.
 *
 * @module
 */
import type { ChunkRecord, MapProgress } from "../../schema/sidebar";
import type { ConfigSource } from "../../schema/vocabulary";
import type { ClusterStatus } from "../cluster/backend";
import type { NodeStatus } from "../cluster/nodes";
import type { EndedMap, RunningOnNode } from "../timeline";
import { POOL_TUNING, type MapStatus } from "../pool";
import type { MapCounts } from "../map";
import type { ControllerInfo, CpuReport, LimitEntry, LimitSpec, ParallelConfig, ThreadpoolLimits } from "../threadpool";

/** The `%threadpool` API, as far as the sidebar uses it. */
export interface ThreadpoolSource {
  info(): ControllerInfo[];
  config(): ParallelConfig;
  cpuReport(): CpuReport;
  limits(spec: LimitSpec, options: { source: "sidebar" }): ThreadpoolLimits;
  activeLimitEntries(): LimitEntry[];
  /** Where each pool's current limit comes from, by controller id (kernel/threadpool/limits.ts decides). */
  limitSources(): Map<string, ConfigSource>;
  /** Limits each pool worker applies in its own thread (`entries`). */
  backendLimitsForWorkers(): { entries: LimitEntry[] };
  /** Called on every limit change; the sidebar uses it to refresh the slow part of its update early. */
  onBackendLimitsChanged?(cb: () => void): () => void;
  /** Undoes every `%threadpool limit` (the sidebar's Reset also clears them); returns how many. */
  resetMagicLimits?(): number;
}

/** One worker in the pool's own status (kernel/pool/status.ts). */
export interface PoolWorkerLike {
  slot: number;
  state: string;
  /** Busy fraction 0–1 since the previous status. */
  busy: number;
  items: number;
  chunks: number;
  map: number;
  /** When the running chunk started (epoch ms), 0 when idle. */
  since?: number;
  /** Fraction of one core; null where the Node has no per-worker CPU time. */
  cpu?: number | null;
  heapMB?: number | null;
}

/** The record of finished chunks and of the last local map to end (kernel/timeline/chunk-log.ts). */
export interface ChunkLogLike {
  readonly seq: number;
  since(seq: number, notBefore?: number): { records: ChunkRecord[]; seq: number };
  readonly lastEnded?: EndedMap;
  /** A map's name (the timeline names every map), for the legend of the chunks that refer to it. */
  mapName?(id: number): string | undefined;
  /** What cluster nodes are running now, for running bars. */
  running?(): RunningOnNode[];
}

/** The `%parallel` pool's status, as far as the sidebar reads it. */
export interface PoolStatusLike {
  size: number;
  workers: PoolWorkerLike[];
  queue: number;
  inflight: number;
  maps: MapStatus[];
  models: { bytes: number }[];
  rssBytes?: number;
}

// The sidebar schema declares a map's numbers again, in zod, because schema/ imports no kernel folder (the
// extension imports it). This holds that declaration to the one in kernel/map/progress.ts, both ways, at compile
// time: a field added, removed or retyped on either side fails the build here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const mapCountsMatchSchema: Same<MapCounts, Omit<MapProgress, "id" | "name" | "end">> &
  Same<Pick<MapStatus, "id" | "name">, Pick<MapProgress, "id" | "name">> = true;
void mapCountsMatchSchema;

/** The `%parallel` worker pool, read only (its size is written through `PoolSizeControl`): `WorkerPool` satisfies this. */
export interface SidebarPool {
  readonly size: number;
  status(): PoolStatusLike;
  /** Finished chunks for the task timeline; without it the timeline shows only running chunks. */
  readonly chunkLog?: ChunkLogLike;
}

/** The sidebar's pool size: a setting with source "sidebar" in the pool's one size policy (kernel/parallel/notebook-pool.ts). */
export interface PoolSizeControl {
  /** Sets it with source "sidebar" and applies the policy to a running pool; throws MapOptionError("size") out of range. */
  set(n: number): void;
  /** Removes the sidebar's setting, back to what the configuration says now; false if there was none. */
  clear(): boolean;
  /** What the sidebar set, while it stands. */
  current(): number | undefined;
}

/**
 * The connected cluster's status, as far as the sidebar reads it. The fields are the cluster's own
 * (kernel/cluster/backend.ts `ClusterStatus`, kernel/cluster/nodes.ts `NodeStatus`); only their types are
 * imported, so the sidebar still loads no cluster code.
 */
export type ClusterStatusLike = Pick<ClusterStatus, "url" | "connected" | "maps"> & {
  nodes: (Pick<
    NodeStatus,
    "name" | "host" | "workers" | "cpus" | "busy" | "itemsDone" | "itemsPerSec" | "util" | "rssBytes"
  > & { models: Pick<NodeStatus["models"][number], "name" | "bytes">[] })[];
};

export interface SidebarSources {
  threadpool: ThreadpoolSource;
  /** The kernel's worker pool, if one exists now. */
  pool: () => SidebarPool | undefined;
  poolSize: PoolSizeControl;
  /** Largest pool size the pool accepts (its owner is POOL_TUNING.maxWorkers; `hello` reports it). */
  maxWorkers: number;
  /** The connected cluster from its heartbeats, null when none is open; without it the update has no cluster. */
  cluster?: () => ClusterStatusLike | null;
  /**
   * The notebook's chunk log (local and cluster chunks: kernel/parallel/notebook-pool.ts); without it the
   * timeline reads the pool's own.
   */
  chunkLog?: () => ChunkLogLike | undefined;
}

function isSidebarPool(x: unknown): x is SidebarPool {
  const p = x as Partial<SidebarPool> | undefined;
  return !!p && typeof p.status === "function" && typeof p.size === "number";
}

/** The real modules. Loaded lazily: the sidebar must not load the thread-pool code before a panel opens. */
export function defaultSources(overrides: Partial<Pick<SidebarSources, "threadpool">> = {}): SidebarSources {
  const tp = require("../threadpool") as typeof import("../threadpool");
  const threadpool: ThreadpoolSource = overrides.threadpool ?? {
    info: () => tp.info(),
    config: () => tp.config(),
    cpuReport: () => tp.cpuReport(),
    limits: (spec, options) => tp.limits(spec, options),
    activeLimitEntries: () => tp.activeLimitEntries(),
    limitSources: () => (require("../threadpool/limits") as typeof import("../threadpool/limits")).limitSources(),
    backendLimitsForWorkers: () => tp.backendLimitsForWorkers(),
    onBackendLimitsChanged: (cb) => tp.onBackendLimitsChanged(() => cb()),
    resetMagicLimits: () =>
      (require("../threadpool/magic") as typeof import("../threadpool/magic")).resetPersistentLimits(),
  };
  // The notebook's pool, reached the one way %parallel and the API reach it.
  const np = () => require("../parallel/notebook-pool") as typeof import("../parallel/notebook-pool");
  const registered = () => {
    const p = np().existingPool();
    return isSidebarPool(p) ? p : undefined;
  };
  const poolSize: PoolSizeControl = {
    set: (n) => np().setPoolSize(n, "sidebar"),
    clear: () => np().clearPoolSize("sidebar"),
    current: () => np().poolSizeSetting("sidebar"),
  };
  // The cluster code (and the NATS client) is loaded only by a cluster map or `%parallel cluster`; until then no
  // connection can be open, and the sidebar must not be the one to load it.
  const clusterModule = require.resolve("../cluster/session");
  const cluster = () =>
    require.cache[clusterModule]
      ? (require(clusterModule) as typeof import("../cluster/session")).openClusterStatus()
      : null;
  return {
    threadpool,
    pool: registered,
    poolSize,
    maxWorkers: POOL_TUNING.maxWorkers,
    cluster,
    chunkLog: () => np().notebookChunkLog(),
  };
}
