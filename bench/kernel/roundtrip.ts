/**
 * Kernel latency, threadlab vs tslab 1.0.22's own kernel, same machine, same run:
 *   1. start → kernel_info_reply, and start → first result of `1 + 1` (a fresh process each time);
 *   2. trivial execute_request round trip (request sent → execute_reply received), median of N.
 * Run: npm run bench:kernel   (options: --runs 50 --starts 5)
 */
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { RawClient, repoRoot } from "../../test/kernel/client";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const RUNS = opt("runs", 50);
const STARTS = opt("starts", 5);

interface Kernel {
  name: string;
  argv?: (file: string) => string[];
}

const kernels: Kernel[] = [
  { name: "tslab", argv: (f) => [process.execPath, join(repoRoot, "node_modules", "tslab", "bin", "tslab"), "kernel", "--config-path", f] },
  { name: "threadlab" },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

async function firstOutput(k: RawClient, msgId: string): Promise<number> {
  for (;;) {
    const out = k.iopubMessages.find((m) => m.parent_header.msg_id === msgId && ["execute_result", "stream"].includes(m.header.msg_type));
    if (out) return performance.now();
    await new Promise((r) => setImmediate(r));
  }
}

async function startup(kernel: Kernel) {
  const ready: number[] = [];
  const first: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const k = await RawClient.start({ argv: kernel.argv, cwd: repoRoot, readyTimeoutMs: 60000 });
    const msg = k.message("execute_request", { code: "1 + 1", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
    const reply = k.replyTo(msg.header.msg_id, 60000);
    await k.send("shell", msg);
    const t = await firstOutput(k, msg.header.msg_id);
    await reply;
    ready.push(k.readyAt - k.startedAt);
    first.push(t - k.startedAt);
    await k.close();
  }
  return { ready: median(ready), first: median(first) };
}

async function roundtrip(kernel: Kernel) {
  const k = await RawClient.start({ argv: kernel.argv, cwd: repoRoot, readyTimeoutMs: 60000 });
  try {
    await k.execute("1 + 1", {}, 60000); // warm-up: the compiler's first run
    for (let i = 0; i < 5; i++) await k.execute("1 + 1");
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const msg = k.message("execute_request", { code: "1 + 1", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
      const reply = k.replyTo(msg.header.msg_id);
      const t0 = performance.now();
      await k.send("shell", msg);
      await reply;
      times.push(performance.now() - t0);
      await k.outputsOf(msg.header.msg_id);
    }
    return { median: median(times), p95: p95(times) };
  } finally {
    await k.close();
  }
}

async function main() {
  const results: Record<string, { ready: number; first: number; median: number; p95: number }> = {};
  for (const kernel of kernels) {
    const s = await startup(kernel);
    const r = await roundtrip(kernel);
    results[kernel.name] = { ...s, ...r };
    console.log(`${kernel.name.padEnd(10)} start→kernel_info ${s.ready.toFixed(0)} ms, start→first result ${s.first.toFixed(0)} ms, execute round trip median ${r.median.toFixed(2)} ms (p95 ${r.p95.toFixed(2)} ms)`);
  }
  const a = results.tslab;
  const o = results.threadlab;
  console.log("");
  console.log(`round trip (median of ${RUNS}): tslab ${a.median.toFixed(2)} ms, threadlab ${o.median.toFixed(2)} ms, ratio ${(o.median / a.median).toFixed(2)}× (goal ≤ 1.0×)`);
  console.log(`start→kernel_info (median of ${STARTS}): tslab ${a.ready.toFixed(0)} ms, threadlab ${o.ready.toFixed(0)} ms, ratio ${(o.ready / a.ready).toFixed(2)}×`);
  console.log(`start→first result (median of ${STARTS}): tslab ${a.first.toFixed(0)} ms, threadlab ${o.first.toFixed(0)} ms, ratio ${(o.first / a.first).toFixed(2)}× (goal ≤ 0.8×)`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
