/**
 * The pool's status (`pool.status()`: workers, queue, running maps, models, RSS) for `%parallel status` and
 * the sidebar, read from shared counters without messaging workers. Kept small (short
 * keys, rounded numbers): it is streamed at 4 Hz and must stay under 2 KB for 16 workers.
 */
import type { Worker } from "node:worker_threads";
import { modelRegistry } from "../share/registry";
import type { MapCounts } from "../map";
import type { MapJob } from "./map-job";
import { F, LIFECYCLE, type WorkerLifecycle } from "./stats";
import { workerGauges } from "./worker-gauges";

export interface WorkerStatus {
  /** Stats slot: stable for the worker's life, reused after it exits. */
  slot: number;
  state: WorkerLifecycle | "busy";
  /** Busy fraction since the previous status (0–1), or since the worker started for the first. */
  busy: number;
  items: number;
  chunks: number;
  /** Map of the chunk running or last run, 0 if none yet. */
  map: number;
  /** When the running chunk started (epoch ms), 0 when idle. */
  since: number;
  /** CPU time as a fraction of one core since the previous reading; null where Node has no worker.cpuUsage(). */
  cpu: number | null;
  /** V8 heap in use (MiB, one decimal); null where Node has no worker.getHeapStatistics(). */
  heapMB: number | null;
}

/** A running map in the status: its numbers are those of every view of a map (map/progress.ts). */
export interface MapStatus extends MapCounts {
  id: number;
  name: string;
}

export interface PoolStatus {
  v: 1;
  /** Epoch ms. */
  t: number;
  size: number;
  workers: WorkerStatus[];
  /** Chunks waiting for a worker (retries and read-ahead), excluding those in flight. */
  queue: number;
  inflight: number;
  maps: MapStatus[];
  models: { id: string; name: string; bytes: number }[];
  rssBytes: number;
}

interface StatusWorker {
  readonly worker: Worker;
  readonly slot: number;
  readonly state: WorkerLifecycle;
  readonly stats: Float64Array;
  readonly inflight: Map<number, unknown>;
}

const lastBusy = new WeakMap<Float64Array, { at: number; busy: number; spawnedAt: number }>();

export function buildStatus(
  workers: readonly StatusWorker[],
  jobs: readonly MapJob[],
  size: number,
  now: number,
): PoolStatus {
  let inflight = 0;
  const ws: WorkerStatus[] = workers.map((h) => {
    const s = h.stats;
    inflight += h.inflight.size;
    const running = s[F.chunkStart] > 0 ? now - s[F.chunkStart] : 0;
    const busyTotal = s[F.busyMs] + running;
    const prev = lastBusy.get(s);
    const since = prev && prev.spawnedAt === s[F.spawnedAt] ? prev : { at: s[F.spawnedAt], busy: 0 };
    lastBusy.set(s, { at: now, busy: busyTotal, spawnedAt: s[F.spawnedAt] });
    const dt = now - since.at;
    const busy = dt > 0 ? Math.min(1, Math.max(0, (busyTotal - since.busy) / dt)) : 0;
    const lifecycle = LIFECYCLE[s[F.state]] ?? h.state;
    return {
      slot: h.slot,
      state: lifecycle === "ready" && running > 0 ? "busy" : lifecycle,
      busy: Math.round(busy * 100) / 100,
      items: s[F.items],
      chunks: s[F.chunks],
      map: s[F.mapId],
      since: s[F.chunkStart],
      ...workerGauges(h.worker),
    };
  });
  return {
    v: 1,
    t: Math.round(now),
    size,
    workers: ws,
    queue: jobs.reduce((n, r) => n + r.retry.length, 0),
    inflight,
    maps: jobs.map((r) => {
      const p = r.progress();
      return { id: r.id, name: r.opts.name, done: p.done, total: p.total, failed: p.failed, rate: Math.round(p.rate) };
    }),
    models: modelRegistry.list(),
    rssBytes: process.memoryUsage.rss(),
  };
}
