/**
 * Benchmark 1: a trivial 1M-item map (x => x + 1) with default options, µs per item, against Piscina 5 with
 * its best settings found here (chunk size and transport swept; results assembled by index the same way).
 * Goal: ≤ 0.5× Piscina.
 */
import path from "node:path";
import { Piscina } from "piscina";
import { WorkerPool } from "../../kernel/pool";
import { defaultPoolSize } from "../../kernel/pool/options";
import { fn, fmt, medianMs, report } from "./common";

const N = 1_000_000;
const REPS = 7;

async function piscinaBest(items: number[], workers: number): Promise<{ ms: number; label: string }> {
  let best = { ms: Infinity, label: "" };
  for (const atomics of ["sync", "disabled"] as const) {
    const pool = new Piscina({
      filename: path.join(__dirname, "piscina-handler.js"),
      minThreads: workers,
      maxThreads: workers,
      atomics,
      idleTimeout: 60_000,
    });
    for (const chunk of [1_000, 10_000, 100_000]) {
      for (const transport of ["array", "f64"] as const) {
        const ms = await medianMs(REPS, 2, async () => {
          const out = new Array(N);
          const tasks: Promise<void>[] = [];
          for (let s = 0; s < N; s += chunk) {
            const e = Math.min(N, s + chunk);
            if (transport === "f64") {
              const f64 = new Float64Array(e - s);
              for (let i = 0; i < f64.length; i++) f64[i] = items[s + i];
              tasks.push(
                pool.run({ f64 }, { transferList: [f64.buffer] }).then((r: Float64Array) => {
                  for (let i = 0; i < r.length; i++) out[s + i] = r[i];
                }),
              );
            } else {
              tasks.push(
                pool.run({ items: items.slice(s, e) }).then((r: number[]) => {
                  for (let i = 0; i < r.length; i++) out[s + i] = r[i];
                }),
              );
            }
          }
          await Promise.all(tasks);
          if (out[N - 1] !== N) throw new Error("piscina result wrong");
        });
        console.log(`  piscina atomics=${atomics} chunk=${chunk} ${transport}: ${fmt((ms * 1000) / N)} µs/item`);
        if (ms < best.ms) best = { ms, label: `atomics=${atomics} chunk=${chunk} ${transport}` };
      }
    }
    await pool.destroy();
  }
  return best;
}

async function main() {
  const workers = defaultPoolSize();
  const items = Array.from({ length: N }, (_, i) => i);
  const inc = fn("(x) => x + 1");
  const pool = new WorkerPool();
  await pool.ready();
  const ours = await medianMs(REPS, 2, async () => {
    const r = await pool.map(items, inc);
    if (r[N - 1] !== N) throw new Error("pool result wrong");
  });
  await pool.close();
  const serial = await medianMs(REPS, 2, () => items.map((x) => x + 1));
  console.log(`  main-thread items.map (for scale): ${fmt((serial * 1000) / N)} µs/item`);
  const best = await piscinaBest(items, workers);
  console.log(`  ours (default options, ${workers} workers): ${fmt((ours * 1000) / N)} µs/item`);
  report(
    `1. trivial 1M map, ${workers} workers, µs/item`,
    `Piscina 5 (${best.label})`,
    (best.ms * 1000) / N,
    (ours * 1000) / N,
    "µs/item",
    { ratio: 0.5, lowerIsBetter: true },
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
