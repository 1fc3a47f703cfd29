/**
 * Cluster benchmark 2: kNN top-10 over a shared model (20k × 256 float32 items), 2 agents × 1 worker on this
 * 2-core machine vs the local 2-worker pool, alternating in one run. Goal ≥ 0.9× the local pool's throughput.
 */
import { range, WorkerPool } from "../../kernel/pool";
import { share } from "../../kernel/share";
import { KNN_TOP10, knnModel } from "../parallel/knn";
import { fn, fmt, loadAverage, report, startCluster, runBench, median } from "./common";

const USERS = Number(process.env.USERS ?? 400);
const REPS = 3;

async function main() {
  const model = share(knnModel(20_000, 256, USERS), { name: "knn" });
  const score = fn(KNN_TOP10, {}, "knn");
  const pool = new WorkerPool({ size: 2 });
  const c = await startCluster(2, 1);
  try {
    const local = (await pool.map(range(USERS), score, { model })) as Int32Array[];
    const remote = (await c.backend.run(range(USERS), score, { model })).results as Int32Array[];
    for (let u = 0; u < USERS; u++)
      if (local[u].join() !== remote[u].join()) throw new Error(`user ${u}: cluster result differs`);
    const l: number[] = [];
    const r: number[] = [];
    for (let i = 0; i < REPS; i++) {
      let t = performance.now();
      await pool.map(range(USERS), score, { model });
      l.push(performance.now() - t);
      t = performance.now();
      await c.backend.run(range(USERS), score, { model });
      r.push(performance.now() - t);
    }
    const lt = (USERS * 1000) / median(l);
    const rt = (USERS * 1000) / median(r);
    console.log(
      `load average ${loadAverage()}; ${USERS} users, median of ${REPS}: local ${fmt(median(l))} ms, cluster ${fmt(median(r))} ms`,
    );
    report("kNN top-10 throughput", "local 2-worker pool", lt, rt, "users/s", { ratio: 0.9, lowerIsBetter: false });
  } finally {
    await pool.close();
    await c.stop();
  }
}

runBench(main);
