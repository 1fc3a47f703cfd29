/**
 * Oversubscription made measurable. Two worker_threads each run OpenBLAS (pthreads) `cblas_sgemm` through
 * koffi at the same time, first with BLAS threads at the library default (the anchor: what a Node process
 * does today), then under threadlab's resolved limit (workers × backend threads ≤ CPUs). Prints wall time,
 * threads alive, threads that computed, and the ratio; then the cost of `info()` and of applying a limit.
 *
 * Run: npx tsc -p tsconfig.node.json && node dist/bench/threadpool/oversubscription.js [n=1024] [reps=12] [rounds=6]
 * Needs Debian's libopenblas0-pthread.
 */
import { ticksByThread } from "./thread-ticks";
import { Worker } from "node:worker_threads";
import koffi = require("koffi");
import * as threadpool from "../../kernel/threadpool";

const OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0";
const [n, reps, rounds] = [
  Number(process.argv[2] ?? 1024),
  Number(process.argv[3] ?? 12),
  Number(process.argv[4] ?? 6),
];

const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const koffi = require(${JSON.stringify(require.resolve("koffi"))});
const lib = koffi.load(workerData.path);
const sgemm = lib.func("void cblas_sgemm(int, int, int, int, int, int, float, float *, int, float *, int, float, float *, int)");
const n = workerData.n;
const a = new Float32Array(n * n).fill(0.5), b = new Float32Array(n * n).fill(0.25), c = new Float32Array(n * n);
parentPort.on("message", (reps) => {
  for (let r = 0; r < reps; r++) sgemm(101, 111, 111, n, n, n, 1, a, n, b, n, 0, c, n);
  parentPort.postMessage("done");
});
parentPort.postMessage("ready");`;

async function startWorkers(count: number): Promise<Worker[]> {
  const ws = Array.from({ length: count }, () => new Worker(WORKER, { eval: true, workerData: { path: OPENBLAS, n } }));
  await Promise.all(ws.map((w) => new Promise((r) => w.once("message", r))));
  return ws;
}

async function run(ws: Worker[]): Promise<{ ms: number; alive: number; busy: number }> {
  const before = ticksByThread();
  const t0 = process.hrtime.bigint();
  await Promise.all(
    ws.map(
      (w) =>
        new Promise((r) => {
          w.once("message", r);
          w.postMessage(reps);
        }),
    ),
  );
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const after = ticksByThread();
  const deltas = [...after].map(([tid, t]) => t - (before.get(tid) ?? 0));
  const max = Math.max(...deltas);
  return { ms, alive: after.size, busy: deltas.filter((d) => d > 0 && d >= max / 4).length };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function microseconds(f: () => void, times: number): number {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = process.hrtime.bigint();
    f();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  return median(samples);
}

async function main(): Promise<void> {
  const blas = koffi.load(OPENBLAS);
  const getBlas = blas.func("int openblas_get_num_threads(void)");
  const defaultThreads = getBlas();
  const workers = 2;
  const ws = await startWorkers(workers);
  const cfg = threadpool.config();
  console.log(`CPUs ${cfg.cpus.value} · ${workers} workers · sgemm ${n}×${n} × ${reps} per worker · ${rounds} rounds`);

  const anchor: { ms: number; alive: number; busy: number }[] = [];
  const ours: typeof anchor = [];
  let ourThreads = 0;
  const pool = { size: workers, applyConfiguredSize() {} };
  const runOurs = async () => {
    // Ours: the pool's owner lets the threadpool side find it; process-wide BLAS gets max(CPUs // workers, 1) while it exists.
    threadpool.setWorkerPoolLookup(() => pool);
    ourThreads = getBlas();
    ours.push(await run(ws));
    threadpool.setWorkerPoolLookup(() => undefined);
  };
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first: on a shared 2-core machine the order alone moves timings by tens of %.
    if (round % 2) await runOurs();
    // Anchor: the library's default, as any Node process that loads OpenBLAS in workers gets it.
    anchor.push(await run(ws));
    if (round % 2 === 0) await runOurs();
  }
  const row = (name: string, xs: typeof anchor, blasThreads: number) =>
    console.log(
      `${name.padEnd(28)} BLAS threads ${String(blasThreads).padStart(2)} · wall ${median(xs.map((x) => x.ms))
        .toFixed(0)
        .padStart(6)} ms ` +
        `· threads alive ${median(xs.map((x) => x.alive))} · computing ${median(xs.map((x) => x.busy))} ` +
        `(${workers} × ${blasThreads} = ${workers * blasThreads} wanted on ${cfg.cpus.value} CPUs)`,
    );
  row("anchor (library default)", anchor, defaultThreads);
  row("threadlab (resolved limit)", ours, ourThreads);
  const ratio = median(anchor.map((x) => x.ms)) / median(ours.map((x) => x.ms));
  console.log(`ratio anchor / threadlab wall time: ${ratio.toFixed(2)}× (>1 means the limit is faster)`);

  const infoUs = microseconds(() => threadpool.info(), 300);
  const limitUs = microseconds(() => threadpool.limits({ blas: 1 }).restore(), 300);
  const setUs = microseconds(() => blas.func("void openblas_set_num_threads(int)")(1), 300);
  console.log(
    `info(): ${infoUs.toFixed(0)} µs · limits({blas: 1}) + restore(): ${limitUs.toFixed(0)} µs · ` +
      `anchor: raw openblas_set_num_threads through koffi ${setUs.toFixed(1)} µs (ratio ${(limitUs / setUs).toFixed(0)}×)`,
  );
  await Promise.all(ws.map((w) => w.terminate()));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
