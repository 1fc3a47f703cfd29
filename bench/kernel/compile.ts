/**
 * Per-cell compile time of a 50-line cell: tslab 1.0.22's converter (its TypeScript 5.0.4 fork: what compiled
 * cells before issue 12) against threadlab's (kernel/execution/converter/, TypeScript 6), in one process,
 * alternating, each cell a little different so that nothing is served from the previous build.
 * Run: npm run build:kernel && node dist/bench/kernel/compile.js   (options: --runs 40)
 */
import { performance } from "node:perf_hooks";
import { repoRoot } from "../../test/kernel/client";

const args = process.argv.slice(2);
const i = args.indexOf("--runs");
const RUNS = i >= 0 ? Number(args[i + 1]) : 40;

/** 50 lines of what a notebook cell holds: types, a class, generics, loops, a closure, the last value. */
function cell(n: number): string {
  return `interface Point { x: number; y: number; label?: string }
type Metric = (a: Point, b: Point) => number;
const euclid: Metric = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);
const manhattan: Metric = (a, b) => Math.abs(a.x - b.x) + Math.abs(a.y - b.y);
class Grid<T extends Point> {
  private readonly items: T[] = [];
  constructor(readonly cell: number) {}
  add(p: T): this {
    this.items.push(p);
    return this;
  }
  near(q: Point, r: number, metric: Metric = euclid): T[] {
    return this.items.filter((p) => metric(p, q) <= r);
  }
  get size(): number {
    return this.items.length;
  }
}
function centroid(ps: readonly Point[]): Point {
  let x = 0;
  let y = 0;
  for (const p of ps) {
    x += p.x;
    y += p.y;
  }
  return { x: x / ps.length, y: y / ps.length };
}
function groupBy<T, K extends string>(xs: T[], key: (x: T) => K): Record<K, T[]> {
  const out = {} as Record<K, T[]>;
  for (const x of xs) (out[key(x)] ??= []).push(x);
  return out;
}
const seed = ${n};
let state = seed;
const rand = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
const grid = new Grid<Point>(10);
for (let i = 0; i < 200; i++) grid.add({ x: rand() * 100, y: rand() * 100, label: i % 2 ? "odd" : "even" });
const groups = groupBy(grid.near({ x: 50, y: 50 }, 30), (p) => (p.label === "odd" ? "odd" : "even"));
const summary = Object.entries(groups).map(([k, ps]) => ({ k, n: ps.length, c: centroid(ps) }));
const origin: Point = { x: 0, y: 0 };
const far = grid.near(origin, 40, manhattan).length;
async function later(ms: number): Promise<number> {
  await new Promise((r) => setTimeout(r, ms));
  return ms;
}
const labels = new Set(summary.map((s) => s.k));
const report = { size: grid.size, far, labels: [...labels].sort(), cells: summary.length };
const text = JSON.stringify(report);
void later;
text;
`;
}

interface Conv {
  convert(prevDecl: string, src: string): { output?: string; diagnostics: unknown[] };
  close(): void;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function main(): void {
  // The notebook directory: the repository, whose node_modules/@types/node both converters find.
  process.chdir(repoRoot);
  const lines = cell(0).split("\n").length - 1;
  const make: Record<string, () => Conv> = {
    "tslab (TypeScript 5.0.4 fork)": () =>
      (require("tslab/dist/converter") as { createConverter(o: object): Conv }).createConverter({
        isJS: false,
        isBrowser: false,
      }),
    [`threadlab (TypeScript ${require("typescript").version})`]: () =>
      (
        require("../../kernel/execution/converter/converter") as typeof import("../../kernel/execution/converter/converter")
      ).createConverter({ isJS: false, isBrowser: false }),
  };
  const names = Object.keys(make);
  const convs: Record<string, Conv> = {};
  const first: Record<string, number> = {};
  for (const name of names) {
    const t0 = performance.now();
    convs[name] = make[name]();
    const r = convs[name].convert("", cell(-1));
    first[name] = performance.now() - t0;
    if (!r.output || r.diagnostics.length)
      throw new Error(`${name}: the bench cell does not compile: ${JSON.stringify(r.diagnostics)}`);
  }
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const name of run % 2 ? [...names].reverse() : names) {
      const t0 = performance.now();
      const r = convs[name].convert("", cell(run));
      times[name].push(performance.now() - t0);
      if (!r.output) throw new Error(`${name}: no output`);
    }
  }
  for (const name of names) convs[name].close();
  for (const name of names) {
    console.log(
      `${name.padEnd(32)} first conversion (program creation) ${first[name].toFixed(0)} ms, ${lines}-line cell median ${median(times[name]).toFixed(1)} ms (min ${Math.min(...times[name]).toFixed(1)})`,
    );
  }
  const [before, after] = names.map((n) => median(times[n]));
  console.log(
    `\nper-cell compile of a ${lines}-line cell (median of ${RUNS}): before ${before.toFixed(1)} ms, after ${after.toFixed(1)} ms, ratio ${(after / before).toFixed(2)}×`,
  );
}

main();
