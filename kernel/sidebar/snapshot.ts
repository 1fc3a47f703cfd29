/**
 * Builds the sidebar's `snapshot` message: the machine, the resolved pools with their sources, the worker
 * pool's live counters and what the sidebar itself set.
 *
 * Cost matters: snapshots stream at 4 Hz for as long as the panel is open. The pool part is read from shared
 * counters (cheap) on every snapshot; the thread-pool part (reading /proc/self/maps, cgroup files and
 * resolving the configuration, ≈ 1–3 ms) is refreshed at most every 3 s, or at once after a limit
 * changes. Snapshots taken within 50 ms of each other are the same object, so several panels on one kernel
 * share the work (and the pool's "busy since the previous snapshot" is not split between them).
 *
 * @module
 */
import { basename } from "node:path";
import { MAX_CHUNK_TUPLES, PROTOCOL_VERSION, SLOW_SNAPSHOT_FIELDS, type ChunkTuple, type SnapshotMessage, type PoolEntry, type PoolState, type Snapshot, type Source, type WorkerTuple, WORKER_STATES } from "../../schema/protocol";
import type { ControllerInfo, LimitEntry } from "../threadpool";
import { checkOversubscription } from "../threadpool/oversubscription";
import { winningEntry } from "../threadpool/limit-state";
import { encodeChunks } from "./chunks";
import type { ChunkLogLike, PoolSnapshotLike, SidebarSources } from "./sources";

// Measured: the thread-pool part costs ≈ 3 ms (more with many threads mapped); at 1 Hz that alone was a third
// of the 1 %-of-a-core budget. Limit changes still show at once (invalidate on change).
const SLOW_REFRESH_MS = 3000;
const SHARE_WINDOW_MS = 50;
// A panel's first snapshot fills its timeline with the last minute's chunks (merged to the same budget: the
// first snapshot is also the one that carries the whole slow part).
const TIMELINE_WINDOW_MS = 60_000;
const BACKEND_APIS = new Set(["blas", "openmp"]);

/** Environment variables that set a pool's size before start, by internal_api. */
const ENV_OF: Readonly<Record<string, readonly string[]>> = {
  openblas: ["OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"],
  mkl: ["MKL_NUM_THREADS", "OMP_NUM_THREADS"],
  blis: ["BLIS_NUM_THREADS", "OMP_NUM_THREADS"],
  flexiblas: ["FLEXIBLAS_NUM_THREADS", "OMP_NUM_THREADS"],
  openmp: ["OMP_NUM_THREADS"],
  libuv: ["UV_THREADPOOL_SIZE"],
};

type Slow = Pick<Snapshot, "cpus" | "config" | "pools" | "over">;

/** What the sidebar set, for the snapshot's `sidebar` field. */
/** What one panel has been sent: where it is in the pool's chunk log, and the slow part it holds. */
export interface ChunkCursor {
  seq: number;
  log?: ChunkLogLike;
  slow?: object;
}

export interface SidebarState {
  workers: number | null;
  limits: Record<string, number>;
}

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + "…" : s);

export class SnapshotBuilder {
  private slow: Slow | undefined;
  private slowKey = "";
  private lastLog: ChunkLogLike | undefined;
  private slowAt = 0;
  private last: Omit<Snapshot, "seq"> | undefined;
  private readonly off: (() => void) | undefined;

  constructor(private readonly sources: SidebarSources, private readonly sidebarState: () => SidebarState,
              private readonly now: () => number = Date.now) {
    this.off = sources.threadpool.onBackendLimitsChanged?.(() => this.invalidate());
  }

  /** Forces the next snapshot to re-read the thread pools (after the sidebar changed something). */
  invalidate(): void {
    this.slow = undefined;
    this.last = undefined;
  }

  dispose(): void {
    this.off?.();
  }

  /**
   * The snapshot numbered `seq`. With a cursor (one per panel) it carries the chunks finished since the
   * cursor's last one, and leaves out the slow part when the panel already has it.
   */
  build(seq: number, cursor?: ChunkCursor): SnapshotMessage {
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
      this.lastLog = pool?.chunkLog;
      if (pool) {
        const s = pool.status();
        poolState = toPoolState(s, now);
        rss = s.rssBytes;
      }
      this.last = {
        v: PROTOCOL_VERSION, type: "snapshot", t: Math.round(now), ...this.slow, pool: poolState,
        rss: rss ?? process.memoryUsage.rss(), sidebar: this.sidebarState(),
      };
    }
    const snap: SnapshotMessage = { ...this.last, seq };
    if (cursor) {
      if (snap.pool) snap.pool = { ...snap.pool, c: this.chunksFor(cursor, snap.t) };
      if (cursor.slow === this.slow) for (const f of SLOW_SNAPSHOT_FIELDS) delete snap[f];
      cursor.slow = this.slow;
    }
    return snap;
  }

  private chunksFor(cursor: ChunkCursor, t: number): ChunkTuple[] {
    // The pool's log as of the snapshot being sent: looked up once per built snapshot, not per panel.
    const log = this.lastLog;
    if (!log) return [];
    if (cursor.log !== log) {
      // A new pool (or the first snapshot): start from what is in its log.
      cursor.log = log;
      cursor.seq = 0;
    }
    const { records, seq } = log.since(cursor.seq, t - TIMELINE_WINDOW_MS);
    cursor.seq = seq;
    return encodeChunks(records, t, MAX_CHUNK_TUPLES);
  }

  private readThreadpools(): Slow {
    const tp = this.sources.threadpool;
    const cpu = tp.cpuReport();
    const config = tp.config();
    const infos = tp.info();
    const active = tp.activeLimitEntries();
    const workerEntries = tp.backendLimitsForWorkers().entries;
    const poolRegistered = infos.some((i) => i.userApi === "threadlab");
    const pools = infos.map((i) => poolEntry(i, active, workerEntries, poolRegistered, config.backendThreads.source, config.workers.source));
    let over: Slow["over"];
    try {
      const check = checkOversubscription(infos, config, workerEntries);
      over = { threads: check.poolThreads, cpus: check.cpus, warn: check.warnings[0] ? clip(check.warnings[0], 320) : null };
    } catch (e) {
      over = { threads: 0, cpus: config.cpus.value, warn: clip(String((e as Error)?.message ?? e), 320) };
    }
    const knob = (k: { value: number; source: Source; detail: string }) => ({ n: k.value, src: k.source, d: clip(k.detail, 60) });
    return {
      cpus: {
        n: cpu.effective, src: cpu.effectiveSource, logical: cpu.logical, affinity: cpu.affinity,
        cgroup: cpu.cgroupQuota ? Math.round(cpu.cgroupQuota.cpus * 100) / 100 : null, max: cpu.maxCpusEnv, physical: cpu.physical,
      },
      config: { workers: knob(config.workers), threads: knob(config.threads), backend: knob(config.backendThreads) },
      pools,
      over,
    };
  }
}

function poolEntry(i: ControllerInfo, active: readonly LimitEntry[], workerEntries: readonly LimitEntry[],
                   poolRegistered: boolean, backendSource: Source, workersSource: Source): PoolEntry {
  const win = winningEntry(i, active);
  let src: Source;
  if (win) src = win.source;
  else if (i.userApi === "threadlab") src = workersSource;
  // While a pool exists, process-wide backends get the per-worker backend default from the kernel thread.
  else if (poolRegistered && i.scope === "process" && BACKEND_APIS.has(i.userApi)) src = backendSource;
  else src = (ENV_OF[i.internalApi] ?? []).some((v) => process.env[v] !== undefined && process.env[v] !== "") ? "env" : "default";
  const entry: PoolEntry = {
    id: i.id, api: i.userApi, impl: i.internalApi, n: i.numThreads, scope: i.scope,
    set: i.settable && i.scope !== "startup", src,
  };
  if (!entry.set) entry.ro = clip(i.notes?.[0] ?? (i.scope === "startup" ? "fixed when the kernel process started" : "read-only"), 90);
  if (BACKEND_APIS.has(i.userApi)) {
    const w = winningEntry(i, workerEntries);
    if (w) entry.per = { n: w.threads, src: w.source };
  }
  if (i.filepath) entry.lib = basename(i.filepath);
  if (i.version !== undefined) entry.ver = i.version === null ? null : clip(String(i.version), 24);
  return entry;
}

function toPoolState(s: PoolSnapshotLike, now: number): PoolState {
  const states = WORKER_STATES as readonly string[];
  return {
    size: s.size,
    queue: s.queue,
    inflight: s.inflight,
    w: s.workers.map((w): WorkerTuple => [
      w.slot, (states.includes(w.state) ? w.state : "ready") as WorkerTuple[1], Math.round(Math.min(1, Math.max(0, w.busy)) * 100),
      w.items, w.chunks, w.map, w.since ? Math.max(0, Math.round(now - w.since)) : 0,
    ]),
    c: [],
    maps: s.maps.map((m) => ({ ...m, name: clip(m.name, 40), rate: Math.round(m.rate) })),
    models: { n: s.models.length, bytes: s.models.reduce((n, m) => n + m.bytes, 0) },
  };
}
