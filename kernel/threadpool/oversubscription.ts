/**
 * Oversubscription: more compute threads than CPUs. The pool part is what a `%parallel map` can run at once
 * (workers × explicit threads × backend threads per worker); the kernel thread's own BLAS/OpenMP threads
 * come on top only if it computes while a map runs, so they are reported as a note, not a warning. libuv and
 * V8 platform threads are listed but not counted: they mostly wait on I/O and GC, and counting them would
 * flag every default setup on a small machine.
 *
 * Data tools count too. DuckDB instances and onnxruntime sessions opened in a worker get that worker's backend
 * threads, so they are backends like BLAS. Polars has one pool for the whole process, shared by the kernel and
 * every worker and fixed when it starts: a worker calling Polars waits for that pool, so a map can run
 * workers × threads × backend threads plus Polars' threads minus the one waiting caller.
 *
 * @module
 */
import type { ControllerInfo } from "./controller";
import type { ParallelConfig } from "./config";
import { winningEntry, type LimitEntry } from "./limit-state";

export interface OversubscriptionCheck {
  cpus: number;
  /** Compute threads a running map can use. */
  poolThreads: number;
  /**
   * Each loaded BLAS/OpenMP pool's threads per worker as counted, by controller id, with the limit entry that
   * gives them (none when the pool's own process-wide value counts).
   */
  perWorker: Map<string, { threads: number; entry?: LimitEntry }>;
  /** The backend threads per worker in `poolThreads` — the most of `perWorker` — and its pool; 1 with none loaded. */
  backend: { threads: number; pool?: ControllerInfo; entry?: LimitEntry };
  /** Compute threads of the kernel thread's own native pools. */
  kernelThreads: number;
  /** How the numbers were made, one line each. */
  breakdown: string[];
  warnings: string[];
  notes: string[];
}

const BACKEND_APIS = new Set(["blas", "openmp", "duckdb", "onnxruntime"]);
/** The limit each backend's users reach for first, for the warning. */
const KNOB: Record<string, (n: number) => string> = {
  duckdb: (n) => `\`%threadpool limit duckdb=${n}\``,
  onnxruntime: (n) => `\`%threadpool limit onnxruntime=${n}\``,
  openmp: (n) => `\`%threadpool limit openmp=${n}\``,
};

/**
 * Checks the pools in `infos` (from the kernel thread) against `config`'s CPUs. `workerEntries` are the
 * limits workers apply (from `backendLimitsForWorkers()`), used for per-thread pools such as OpenMP.
 */
export function checkOversubscription(
  infos: readonly ControllerInfo[],
  config: ParallelConfig,
  workerEntries: readonly LimitEntry[],
): OversubscriptionCheck {
  const cpus = config.cpus.value;
  const pool = infos.find((i) => i.userApi === "threadlab");
  const workers = pool?.numThreads ?? config.workers.value;
  const threads = config.threads.value;
  const backends = infos.filter((i) => BACKEND_APIS.has(i.userApi));
  // Per-thread pools get the workers' limit in each worker; process-wide ones get it from the kernel thread
  // only once a pool exists, so before that the number to use is the one they will get.
  const perWorkerOf = new Map<string, { threads: number; entry?: LimitEntry }>();
  let backend: OversubscriptionCheck["backend"] = { threads: 1 };
  for (const i of backends) {
    // Per-thread pools and per-object ones (DuckDB, onnxruntime) get the workers' limit in each worker.
    const entry = i.scope !== "process" || !pool ? winningEntry(i, workerEntries) : undefined;
    const counted = { threads: entry?.threads ?? i.numThreads ?? 1, entry };
    perWorkerOf.set(i.id, counted);
    if (!backend.pool || counted.threads > backend.threads) backend = { ...counted, pool: i };
  }
  const perWorker = backend.threads;
  const polars = infos.find((i) => i.userApi === "polars");
  const polarsThreads = polars?.numThreads ?? 0;
  const polarsExtra = polars ? Math.max(polarsThreads - 1, 0) : 0;
  const poolThreads = workers * threads * perWorker + polarsExtra;
  const kernelThreads = backends.length ? Math.max(...backends.map((i) => i.numThreads ?? 1)) : 1;
  const breakdown = [
    `${workers} worker${workers === 1 ? "" : "s"}${pool ? "" : " (if %parallel starts now)"} × ${threads} thread` +
      `${threads === 1 ? "" : "s"} × ${perWorker} backend thread${perWorker === 1 ? "" : "s"}` +
      (polars ? ` + ${polarsThreads} Polars − 1 waiting caller` : "") +
      ` = ${poolThreads}`,
    ...backends.map(
      (i) =>
        `${i.internalApi} (${i.prefix}, ${i.scope}): ${perWorkerOf.get(i.id)!.threads} per worker, ` +
        `${i.numThreads ?? "?"} on the kernel thread`,
    ),
    ...(polars ? [`polars (rayon, process-wide, shared by the kernel and all workers): ${polarsThreads}`] : []),
    ...infos
      .filter((i) => i.scope === "startup" && i !== polars)
      .map((i) => `${i.userApi}: ${i.numThreads} (not counted: mostly idle)`),
  ];
  const warnings: string[] = [];
  const notes: string[] = [];
  const withoutPolars = poolThreads - polarsExtra;
  if (polars && poolThreads > cpus && withoutPolars <= cpus) {
    const fit = Math.max(cpus - withoutPolars + 1, 1);
    warnings.push(
      `Oversubscribed by Polars: its process-wide pool has ${polarsThreads} threads, fixed when it started, so a ` +
        `map can run ${poolThreads} compute threads on ${cpus} CPUs (${breakdown[0]}). Start the kernel with ` +
        `POLARS_MAX_THREADS=${fit} (threadlab sets it for child processes and, before Polars first runs, for the ` +
        `kernel), or run the map on fewer workers (\`%%parallel map --workers ${Math.max(cpus - polarsThreads + 1, 1)}\`).`,
    );
  } else if (poolThreads > cpus) {
    const api = backend.pool?.userApi ?? "blas";
    const fitN = Math.max(Math.floor(cpus / (workers * threads)), 1);
    warnings.push(
      `Oversubscribed: a map can run ${poolThreads} compute threads on ${cpus} CPUs ` +
        `(${breakdown[0]}${backend.pool ? `; most per worker: ${backend.pool.internalApi}` : ""}). Limit it with ` +
        `${(KNOB[api] ?? ((n: number) => `\`%threadpool limit blas=${n}\``))(fitN)}, ` +
        `or set THREADLAB_BACKEND_THREADS / THREADLAB_WORKERS.`,
    );
  } else if (!pool && kernelThreads > cpus) {
    warnings.push(
      `The kernel thread's native pools may run ${kernelThreads} threads on ${cpus} CPUs; ` +
        `\`%threadpool limit ${cpus}\` fits them to the machine.`,
    );
  }
  if (poolThreads <= cpus && poolThreads + kernelThreads > cpus) {
    notes.push(
      `If the kernel thread computes while a map runs, up to ${poolThreads + kernelThreads} threads ` +
        `compete for ${cpus} CPUs.`,
    );
  }
  return { cpus, poolThreads, perWorker: perWorkerOf, backend, kernelThreads, breakdown, warnings, notes };
}
