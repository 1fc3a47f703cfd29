/**
 * Cluster benchmark 1: per-item overhead of a trivial 100k-item map (x => x + 1), on 2 agents × 1 worker vs the
 * local 2-worker pool, both in this run. Goal ≤ 10 µs/item amortized on the cluster. Context (published, not
 * run here: Python only): Ray ≈ 124 µs per task with tasks in flight, Dask 200 µs–1 ms per task.
 */
import { range, WorkerPool } from "../../kernel/pool";
import { fn, fmt, loadAverage, report, startCluster, runBench, median } from "./common";

const N = Number(process.env.ITEMS ?? 100_000);
const REPS = 5;

async function main() {
  const inc = fn("(x) => x + 1");
  const check = (r: unknown[]) => {
    if (r.length !== N || r[N - 1] !== N) throw new Error("wrong results");
  };
  const pool = new WorkerPool({ size: 2 });
  const c = await startCluster(2, 1);
  try {
    const local: number[] = [];
    const cluster: number[] = [];
    await pool.map(range(N), inc);
    check((await c.backend.run(range(N), inc)).results);
    for (let i = 0; i < REPS; i++) {
      let t = performance.now();
      check(await pool.map(range(N), inc));
      local.push(performance.now() - t);
      t = performance.now();
      check((await c.backend.run(range(N), inc)).results);
      cluster.push(performance.now() - t);
    }
    const usLocal = (median(local) * 1000) / N;
    const usCluster = (median(cluster) * 1000) / N;
    console.log(
      `load average ${loadAverage()}; ${N} items, median of ${REPS}: local ${fmt(median(local))} ms, cluster ${fmt(median(cluster))} ms`,
    );
    report("per-item overhead, trivial map", "local 2-worker pool", usLocal, usCluster, "µs/item");
    console.log(
      `  cluster ${fmt(usCluster)} µs/item (goal ≤ 10: ${usCluster <= 10 ? "met" : "NOT met"}); published anchors: Ray ≈ 124 µs/task in flight, Dask 200–1000 µs/task`,
    );
  } finally {
    await pool.close();
    await c.stop();
  }
}

runBench(main);
