/**
 * DuckDB oversubscription made measurable, with tutorial 06's workload: per-origin queries over the
 * 3-million-row flights table of `vega-datasets` (Parquet), split over 2 worker_threads that each open their
 * own DuckDB. First with DuckDB's default `threads` (one per CPU in every instance: the anchor, what a Node
 * process does today), then with threadlab's limits — the worker calls `applyBackendLimits`, as threadlab's
 * pool workers do, so its instance gets the resolved backend threads (workers × threads ≤ CPUs). Same run,
 * alternating order; prints wall time, threads that computed, DuckDB's threads per instance, and the ratio.
 *
 * Run: npx tsc -p tsconfig.node.json && node dist/bench/threadpool/duckdb-groups.js [origins=24] [rounds=6]
 */
import { ticksByThread } from "./thread-ticks";
import { dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import * as threadpool from "../../kernel/threadpool";

const [origins, rounds] = [Number(process.argv[2] ?? 24), Number(process.argv[3] ?? 6)];
const FLIGHTS = join(dirname(require.resolve("vega-datasets")), "..", "data", "flights-3m.parquet");
const QUERY = (origin: string) =>
  `SELECT destination, count(*) AS n, avg(delay) AS mean_delay, quantile_cont(delay, 0.9) AS p90 ` +
  `FROM '${FLIGHTS}' WHERE origin = '${origin}' GROUP BY destination ORDER BY n DESC LIMIT 5`;

const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
if (workerData.limits) require(workerData.workerSide).applyBackendLimits(workerData.limits);
const { DuckDBInstance } = require(workerData.duckdb);
// One instance per worker, opened on its first run as a map body opens it (tutorial 06) and kept, so its
// threads stay alive and are counted: its threads are decided when it is created.
let db;
parentPort.on("message", async (sqls) => {
  db ??= await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  const threads = Number((await c.runAndReadAll("SELECT current_setting('threads')")).getRowsJS()[0][0]);
  for (const sql of sqls) await c.runAndReadAll(sql);
  c.disconnectSync();
  parentPort.postMessage(threads);
});
parentPort.postMessage("ready");`;

async function startWorkers(count: number, limits: unknown): Promise<Worker[]> {
  const workerData = {
    limits,
    workerSide: require.resolve("../../kernel/threadpool/worker-side"),
    duckdb: require.resolve("@duckdb/node-api"),
  };
  const ws = Array.from({ length: count }, () => new Worker(WORKER, { eval: true, workerData }));
  await Promise.all(ws.map((w) => new Promise((r) => w.once("message", r))));
  return ws;
}

interface Run {
  ms: number;
  /** Threads that took at least a quarter of the busiest one's CPU time. Queries run on libuv's pool (shared by
   * all workers) and hop between its threads, so this counts threads touched, not threads at once. */
  busy: number;
  /** The process's CPU time over wall time (process.cpuUsage: every thread): the cores used on average. */
  cores: number;
  threads: number;
}

async function run(ws: Worker[], groups: string[]): Promise<Run> {
  const shares = ws.map((_, i) => groups.filter((_, j) => j % ws.length === i).map(QUERY));
  const before = ticksByThread();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const threads = await Promise.all(
    ws.map(
      (w, i) =>
        new Promise<number>((r) => {
          w.once("message", r);
          w.postMessage(shares[i]);
        }),
    ),
  );
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const after = ticksByThread();
  const deltas = [...after].map(([tid, t]) => t - (before.get(tid) ?? 0));
  const max = Math.max(...deltas);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    ms,
    busy: deltas.filter((d) => d > 0 && d >= max / 4).length,
    cores: cpuMs / ms,
    threads: Math.max(...threads),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const workers = 2;
  // The limits threadlab's pool hands its workers: the per-worker backend default for `workers` workers.
  threadpool.setParallelConfig({ source: "api", workers });
  const limits = threadpool.backendLimitsForWorkers();
  const cfg = threadpool.config();
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const c = await (await DuckDBInstance.create(":memory:")).connect();
  const top = await c.runAndReadAll(
    `SELECT origin FROM '${FLIGHTS}' GROUP BY origin ORDER BY count(*) DESC LIMIT ${origins}`,
  );
  const groups = top.getRowsJS().map((r) => String(r[0]));
  c.disconnectSync();
  console.log(
    `CPUs ${cfg.cpus.value} · ${workers} workers · ${groups.length} origins of flights-3m.parquet · ${rounds} rounds`,
  );
  const anchorWs = await startWorkers(workers, undefined);
  const oursWs = await startWorkers(workers, limits);
  const anchor: Run[] = [];
  const ours: Run[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first: on a shared 2-core machine the order alone moves timings by tens of %.
    if (round % 2) ours.push(await run(oursWs, groups));
    anchor.push(await run(anchorWs, groups));
    if (round % 2 === 0) ours.push(await run(oursWs, groups));
  }
  const row = (name: string, xs: Run[]) => {
    const t = xs[0].threads;
    console.log(
      `${name.padEnd(30)} DuckDB threads ${String(t).padStart(2)} · wall ${median(xs.map((x) => x.ms))
        .toFixed(0)
        .padStart(6)} ms · ${median(xs.map((x) => x.cores)).toFixed(2)} cores busy · ` +
        `${median(xs.map((x) => x.busy))} threads computed ` +
        `(${workers} × ${t} = ${workers * t} wanted on ${cfg.cpus.value} CPUs)`,
    );
  };
  row("anchor (DuckDB default)", anchor);
  row("threadlab (resolved limits)", ours);
  const ratio = median(anchor.map((x) => x.ms)) / median(ours.map((x) => x.ms));
  console.log(`ratio anchor / threadlab wall time: ${ratio.toFixed(2)}× (>1 means the limit is faster)`);
  await Promise.all([...anchorWs, ...oursWs].map((w) => w.terminate()));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
