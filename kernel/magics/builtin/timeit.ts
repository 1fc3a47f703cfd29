import { performance } from "node:perf_hooks";
import { errorFromOutcome } from "../outcome";
import { parseArgs } from "../parse";
import { Magic, MagicContext, MagicError, MagicOption } from "../types";
import { formatSeconds } from "./timing";

const options: MagicOption[] = [
  { name: "n", type: "number", description: "loops per run (default: the smallest power of 10 taking ≥ 0.2 s)" },
  { name: "r", type: "number", description: "number of runs (default 7)" },
];

let counter = 0;

/**
 * IPython's %timeit: the statement is compiled once into a function, then called n times per run, r runs;
 * n grows through 1, 2, 5, 10, 20, 50, … until one run takes at least 0.2 s (IPython's autorange).
 */
async function timeit(code: string, n: number | undefined, r: number, ctx: MagicContext) {
  if (!code.trim()) throw new MagicError("%timeit: nothing to time. Usage: %timeit [-n N] [-r R] STATEMENT");
  const isAsync = /\bawait\b/.test(code);
  // No leading underscores: TypeScript escapes `__x` identifiers, and tslab then cannot find the name.
  const name = `threadlab_timeit_${counter++}`;
  const def = await ctx.evaluate(`const ${name} = ${isAsync ? "async " : ""}() => {\n${code}\n};`);
  if (def.status === "error") throw errorFromOutcome(def);
  const fn = ctx.locals[name] as () => unknown;
  delete ctx.locals[name];
  const once = async (loops: number) => {
    const t0 = performance.now();
    if (isAsync) for (let i = 0; i < loops; i++) await fn();
    else for (let i = 0; i < loops; i++) fn();
    return (performance.now() - t0) / 1000;
  };
  let loops = n ?? 0;
  if (!n) {
    outer: for (let scale = 1; ; scale *= 10) {
      for (const m of [1, 2, 5]) {
        loops = m * scale;
        if ((await once(loops)) >= 0.2 || ctx.signal.aborted) break outer;
      }
    }
  }
  const perLoop: number[] = [];
  for (let i = 0; i < r; i++) {
    if (ctx.signal.aborted) throw new MagicError("%timeit: interrupted");
    perLoop.push((await once(loops)) / loops);
  }
  const mean = perLoop.reduce((a, b) => a + b, 0) / perLoop.length;
  const std = Math.sqrt(perLoop.reduce((a, b) => a + (b - mean) ** 2, 0) / perLoop.length);
  const plural = (k: number, w: string) => `${k.toLocaleString("en-US")} ${w}${k === 1 ? "" : "s"}`;
  ctx.write("stdout", `${formatSeconds(mean)} ± ${formatSeconds(std)} per loop (mean ± std. dev. of ${plural(r, "run")}, ${plural(loops, "loop")} each)\n`);
  return { hasValue: true, value: { mean, std, runs: r, loops, all: perLoop } };
}

/** Options come first; everything after them is the statement (so `-` in code is never read as an option). */
function splitOptions(raw: string): { opts: string; code: string } {
  const m = /^((?:\s*-[nr]\s*\d+)*)\s*([\s\S]*)$/.exec(raw)!;
  return { opts: m[1], code: m[2] };
}

function parse(raw: string) {
  const { opts, code } = splitOptions(raw);
  const a = parseArgs("timeit", opts, options);
  const n = a.n as number | undefined;
  const r = (a.r as number | undefined) ?? 7;
  if (n !== undefined && (!Number.isInteger(n) || n < 1)) throw new MagicError("%timeit: -n must be a whole number ≥ 1");
  if (!Number.isInteger(r) || r < 1) throw new MagicError("%timeit: -r must be a whole number ≥ 1");
  return { n, r, code };
}

export const timeitMagic: Magic = {
  name: "timeit",
  summary: "Time a statement over many loops and runs (IPython's autorange).",
  usage: [
    "%timeit [-n N] [-r R] STATEMENT",
    "%%timeit [-n N] [-r R]   (the cell body is the statement)",
    "",
    "Runs the statement N times per run, R runs, and prints mean ± std. dev. per loop. Without -n, N is the",
    "first of 1, 2, 5, 10, 20, 50, … for which one run takes at least 0.2 s. The value is",
    "{ mean, std, runs, loops, all } in seconds per loop.",
    "",
    "Options:",
    "  -n N   loops per run",
    "  -r R   runs (default 7)",
  ].join("\n"),
  args: "raw",
  options,
  line(_a, raw, ctx) {
    const { n, r, code } = parse(raw);
    return timeit(code, n, r, ctx);
  },
  cell(_a, raw, body, ctx) {
    const { n, r, code } = parse(raw);
    if (code.trim()) throw new MagicError(`%%timeit: unexpected ${JSON.stringify(code.trim())} after the options; the statement is the cell body`);
    return timeit(body, n, r, ctx);
  },
};
