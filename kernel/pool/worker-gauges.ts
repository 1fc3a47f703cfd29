/**
 * Each worker's real CPU time and heap, from Node's `worker.cpuUsage()` (22.19 / 24.6 and newer) and
 * `worker.getHeapStatistics()` (22.16 / 24.0). Busy time (stats.ts) says a worker holds a chunk; CPU time says
 * it computes: a worker busy at 100 % with 30 % CPU is starved (more compute threads than CPUs) or waiting
 * (I/O, a lock, `await`). Both calls answer asynchronously (a thread interrupt, ~1–5 ms even in a busy loop),
 * while the status is built synchronously at up to 4 Hz: each status starts the next reading and reports the
 * latest one, so figures are at most one status old. The heap changes slowly and its reading interrupts the
 * worker's isolate, so it is read at most once a second, not at the sidebar's 4 Hz. On an older Node both are
 * null, and the views say why.
 */
import { Worker } from "node:worker_threads";

type GaugedWorker = Worker & {
  cpuUsage?: () => Promise<{ user: number; system: number }>;
  getHeapStatistics?: () => Promise<{ used_heap_size: number }>;
};

export const WORKER_CPU_AVAILABLE = typeof (Worker.prototype as GaugedWorker).cpuUsage === "function";
export const WORKER_HEAP_AVAILABLE = typeof (Worker.prototype as GaugedWorker).getHeapStatistics === "function";

/** What a view prints when this Node has no per-worker CPU time. */
export const WORKER_CPU_UNAVAILABLE = `worker CPU time needs Node.js 22.19 / 24.6 or newer (this kernel runs ${process.version})`;

interface Reading {
  pending: boolean;
  /** CPU µs (user + system) and when it was read (ms), for the rate between two readings. */
  cpuUs?: number;
  at?: number;
  /** Fraction of one core between the last two readings. */
  cpu: number | null;
  heapMB: number | null;
  /** When the heap was last asked for (ms). */
  heapAt: number;
}

const HEAP_EVERY_MS = 1000;

const readings = new WeakMap<Worker, Reading>();

/** The latest figures for `worker`, and a new reading started unless one is under way. */
export function workerGauges(worker: Worker): { cpu: number | null; heapMB: number | null } {
  let r = readings.get(worker);
  if (!r) readings.set(worker, (r = { pending: false, cpu: null, heapMB: null, heapAt: -Infinity }));
  if ((WORKER_CPU_AVAILABLE || WORKER_HEAP_AVAILABLE) && !r.pending) startReading(worker as GaugedWorker, r);
  return { cpu: r.cpu, heapMB: r.heapMB };
}

function startReading(worker: GaugedWorker, r: Reading): void {
  r.pending = true;
  const cpu = worker.cpuUsage?.().then((u) => {
    const now = performance.now();
    const us = u.user + u.system;
    if (r.cpuUs !== undefined && r.at !== undefined && now > r.at)
      r.cpu = Math.round(Math.max(0, (us - r.cpuUs) / 1000 / (now - r.at)) * 100) / 100;
    r.cpuUs = us;
    r.at = now;
  });
  const now = performance.now();
  const heapDue = now - r.heapAt >= HEAP_EVERY_MS;
  if (heapDue) r.heapAt = now;
  const heap = (heapDue ? worker.getHeapStatistics?.() : undefined)?.then((h) => {
    r.heapMB = Math.round((h.used_heap_size / 2 ** 20) * 10) / 10;
  });
  // A worker that exits meanwhile rejects both: its figures simply stop.
  void Promise.allSettled([cpu, heap]).then(() => (r.pending = false));
}
