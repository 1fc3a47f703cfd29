/**
 * Benchmark 4: extra process RSS per worker holding a 1 GB model, shared vs copied (structured clone into
 * each worker). Slope of VmRSS from 1 to 3 workers, each worker reading every page. Goal ≤ 10 MB shared.
 */
import { range, WorkerPool } from "../../kernel/pool";
import { share } from "../../kernel/share";
import { fn, fmt, report, vmRssBytes } from "./common";

const MB = Number(process.env.MODEL_MB ?? 1024);
const TOUCH = "(w, m) => { let s = 0; for (let i = 0; i < m.v.length; i += 1024) s += m.v[i]; return s; }";

async function slopeMB(run: (pool: WorkerPool, n: number) => Promise<unknown>): Promise<number> {
  const pool = new WorkerPool({ size: 1 });
  await run(pool, 1);
  const r1 = vmRssBytes();
  pool.resize(3);
  await run(pool, 3);
  const r3 = vmRssBytes();
  await pool.close();
  return (r3 - r1) / 2 / 2 ** 20;
}

async function main() {
  const model = share({ v: new Float32Array((MB * 2 ** 20) / 4).fill(1) }, { name: "1GB" });
  const shared = await slopeMB((pool, n) => pool.map(range(n), fn(TOUCH), { model, chunk: 1, workers: n }));
  const copy = new Float32Array((MB * 2 ** 20) / 4).fill(1);
  const copiedFn = fn(TOUCH.replace("(w, m)", "(w)").replaceAll("m.v", "V"), { V: { kind: "value", value: copy } });
  const copied = await slopeMB((pool, n) => pool.map(range(n), copiedFn, { chunk: 1, workers: n }));
  console.log(`  ${MB} MB model: shared +${fmt(shared)} MB/worker, copied +${fmt(copied)} MB/worker`);
  report(`4. extra RSS per worker, ${MB} MB model, MB`, "copied", copied, shared, "MB/worker");
  console.log(`  goal: shared ≤ 10 MB/worker: ${shared <= 10 ? "met" : "NOT met"}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
