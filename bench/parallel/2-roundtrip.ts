/** Benchmark 2: single-item round-trip latency (one map of one item, awaited) vs Piscina's `run`. Goal ≤ 0.7×. */
import path from "node:path";
import { Piscina } from "piscina";
import { WorkerPool } from "../../kernel/pool";
import { fn, fmt, report } from "./common";

const ROUNDS = 3000;

async function perCallUs(call: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 300; i++) await call(i);
  const xs: number[] = [];
  for (let rep = 0; rep < 5; rep++) {
    const t = performance.now();
    for (let i = 0; i < ROUNDS; i++) await call(i);
    xs.push(((performance.now() - t) * 1000) / ROUNDS);
  }
  return xs.sort((a, b) => a - b)[2];
}

async function main() {
  const pool = new WorkerPool({ size: 2 });
  await pool.ready();
  const inc = fn("(x) => x + 1");
  const ours = await perCallUs((i) => pool.map([i], inc));
  await pool.close();
  let best = { us: Infinity, label: "" };
  for (const atomics of ["sync", "async", "disabled"] as const) {
    const pis = new Piscina({
      filename: path.join(__dirname, "piscina-handler.js"),
      minThreads: 2,
      maxThreads: 2,
      atomics,
    });
    const us = await perCallUs((i) => pis.run({ x: i }));
    console.log(`  piscina atomics=${atomics}: ${fmt(us)} µs`);
    if (us < best.us) best = { us, label: `atomics=${atomics}` };
    await pis.destroy();
  }
  console.log(`  ours: ${fmt(ours)} µs`);
  report("2. single-item round trip, µs", `Piscina 5 (${best.label})`, best.us, ours, "µs", {
    ratio: 0.7,
    lowerIsBetter: true,
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
