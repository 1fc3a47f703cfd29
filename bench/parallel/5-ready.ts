/**
 * Benchmark 5: pool ready time (spawn → every worker started and holding the model) for 1, 2, 4 workers and
 * 100 MB / 1 GB models, shared vs copied (the anchor: the model passed by structured clone). Goal ≤ 150 ms,
 * flat in model size.
 */
import { WorkerPool } from "../../kernel/pool";
import { share } from "../../kernel/share";
import { fn, fmt, median } from "./common";

async function readyMs(n: number, model: object): Promise<number> {
  const xs: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const pool = new WorkerPool({ size: n });
    const t = performance.now();
    await pool.preload(model);
    xs.push(performance.now() - t);
    await pool.close();
  }
  return median(xs);
}

async function copiedReadyMs(n: number, bytes: number): Promise<number> {
  const v = new Float32Array(bytes / 4).fill(1);
  const pool = new WorkerPool({ size: n });
  const t = performance.now();
  // By value: every worker gets its own clone with the function.
  await pool.map(
    Array.from({ length: n }, (_, i) => i),
    fn("(i) => V.length", { V: { kind: "value", value: v } }),
    { chunk: 1 },
  );
  const ms = performance.now() - t;
  await pool.close();
  return ms;
}

async function main() {
  const lines: string[] = [];
  for (const mb of [100, 1024]) {
    const model = share({ v: new Float32Array((mb * 2 ** 20) / 4).fill(1) });
    for (const n of [1, 2, 4]) {
      const shared = await readyMs(n, model);
      const copied = await copiedReadyMs(n, mb * 2 ** 20);
      const line = `5. ready, ${mb} MB model, ${n} worker${n > 1 ? "s" : ""}: copied ${fmt(copied)} ms · ours (shared) ${fmt(shared)} ms · ratio ${(shared / copied).toFixed(2)}× (goal ≤ 150 ms: ${shared <= 150 ? "met" : "NOT met"})`;
      console.log(line);
      lines.push(line);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
