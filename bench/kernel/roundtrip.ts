/**
 * Kernel latency, threadlab vs tslab 1.0.22's own kernel, same machine, same run:
 *   1. start → kernel_info_reply, and start → first result of `1 + 1` (a fresh process each time);
 *   2. trivial execute_request round trip (request sent → execute_reply received), median of N;
 *   3. the same round trip on a threadlab subshell (JEP 91), alternating with its main shell's.
 * Run: npm run bench:kernel   (options: --runs 50 --starts 5; --baseline DIR adds the threadlab kernel built in
 * another checkout, e.g. main's, as "baseline": its main-shell round trip beside this one's, same run)
 */
import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { RawClient, repoRoot } from "../../test/kernel/client";
import { createSubshell, submitOn } from "../../test/kernel/subshell-client";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const RUNS = opt("runs", 50);
const STARTS = opt("starts", 5);
// A notebook directory of its own, with @types/node beside it so that tslab (which cannot find it
// otherwise) compiles against the same declarations as threadlab.
const notebookDir = mkdtempSync(join(tmpdir(), "threadlab-bench-"));
mkdirSync(join(notebookDir, "node_modules", "@types"), { recursive: true });
symlinkSync(join(repoRoot, "node_modules", "@types", "node"), join(notebookDir, "node_modules", "@types", "node"));

interface Kernel {
  name: string;
  argv?: (file: string) => string[];
  env?: Record<string, string>;
}

const kernels: Kernel[] = [
  {
    name: "tslab",
    argv: (f) => [
      process.execPath,
      join(repoRoot, "node_modules", "tslab", "bin", "tslab"),
      "kernel",
      "--config-path",
      f,
    ],
  },
  { name: "threadlab" },
];
const baselineAt = args.indexOf("--baseline");
if (baselineAt >= 0) {
  const dir = args[baselineAt + 1];
  kernels.push({
    name: "baseline",
    argv: (f) => [process.execPath, join(dir, "bin", "threadlab.js"), "kernel", "--connection-file", f],
    // No startup snapshot of its own to build in the background while the round trips are timed.
    env: { THREADLAB_SNAPSHOT: "0" },
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

async function firstOutput(k: RawClient, msgId: string): Promise<number> {
  for (;;) {
    const out = k.iopubMessages.find(
      (m) => m.parent_header.msg_id === msgId && ["execute_result", "stream"].includes(m.header.msg_type),
    );
    if (out) return performance.now();
    await new Promise((r) => setImmediate(r));
  }
}

async function startOne(kernel: Kernel): Promise<{ ready: number; first: number }> {
  const k = await RawClient.start({ argv: kernel.argv, env: kernel.env, cwd: notebookDir, readyTimeoutMs: 60000 });
  try {
    const { msgId, reply } = await k.submit("1 + 1", {}, 60000);
    const t = await firstOutput(k, msgId);
    await reply;
    return { ready: k.readyAt - k.startedAt, first: t - k.startedAt };
  } finally {
    await k.close();
  }
}

async function oneRoundTrip(k: RawClient, subshellId: string | null = null): Promise<number> {
  // Timed from the request's signing and sending (in submit) to its reply, as a client sees it.
  const t0 = performance.now();
  const { msgId, reply } = subshellId === null ? await k.submit("1 + 1") : await submitOn(k, subshellId, "1 + 1");
  await reply;
  const dt = performance.now() - t0;
  await k.outputsOf(msgId);
  return dt;
}

async function main() {
  // As after `threadlab install`: the kernel starts from its startup snapshot (kernel/snapshot/). Built here
  // when missing, so that no kernel of the run builds one in the background.
  const { buildSnapshot, snapshotPath } =
    require("../../kernel/snapshot/launch") as typeof import("../../kernel/snapshot/launch");
  if (process.env.THREADLAB_SNAPSHOT !== "0" && !existsSync(snapshotPath())) {
    const r = buildSnapshot();
    console.log(r.ok ? `built the startup snapshot ${r.blob}` : `no startup snapshot: ${r.message}`);
  }
  // The two kernels alternate in every phase, so a change in machine load hits both alike.
  const starts: Record<string, { ready: number[]; first: number[] }> = {};
  for (const kernel of kernels) starts[kernel.name] = { ready: [], first: [] };
  for (let i = 0; i < STARTS; i++) {
    for (const kernel of i % 2 ? [...kernels].reverse() : kernels) {
      const r = await startOne(kernel);
      starts[kernel.name].ready.push(r.ready);
      starts[kernel.name].first.push(r.first);
    }
  }
  const clients = await Promise.all(
    kernels.map((kernel) =>
      RawClient.start({ argv: kernel.argv, env: kernel.env, cwd: notebookDir, readyTimeoutMs: 60000 }),
    ),
  );
  const trips: Record<string, number[]> = {};
  const threadlab = clients[kernels.findIndex((k) => k.name === "threadlab")];
  const subTrips: number[] = [];
  try {
    for (const k of clients) {
      await k.execute("1 + 1", {}, 60000); // the compiler's first run
      for (let i = 0; i < 5; i++) await k.execute("1 + 1");
    }
    const subshell = await createSubshell(threadlab);
    for (let i = 0; i < 5; i++) await oneRoundTrip(threadlab, subshell);
    kernels.forEach((kernel) => (trips[kernel.name] = []));
    for (let i = 0; i < RUNS; i++) {
      for (let j = 0; j < clients.length; j++) trips[kernels[j].name].push(await oneRoundTrip(clients[j]));
      subTrips.push(await oneRoundTrip(threadlab, subshell));
    }
  } finally {
    await Promise.all(clients.map((k) => k.close()));
  }
  for (const kernel of kernels) {
    const s = starts[kernel.name];
    console.log(
      `${kernel.name.padEnd(10)} start→kernel_info ${median(s.ready).toFixed(0)} ms, start→first result ${median(s.first).toFixed(0)} ms, execute round trip median ${median(trips[kernel.name]).toFixed(2)} ms (p95 ${p95(trips[kernel.name]).toFixed(2)} ms)`,
    );
  }
  const ratio = (f: (name: string) => number) => (f("threadlab") / f("tslab")).toFixed(2);
  const rt = (n: string) => median(trips[n]);
  const rd = (n: string) => median(starts[n].ready);
  const fr = (n: string) => median(starts[n].first);
  console.log("");
  console.log(
    `round trip (median of ${RUNS}): tslab ${rt("tslab").toFixed(2)} ms, threadlab ${rt("threadlab").toFixed(2)} ms, ratio ${ratio(rt)}× (goal ≤ 1.0×)`,
  );
  if (trips.baseline)
    console.log(
      `main-shell round trip (median of ${RUNS}): baseline ${rt("baseline").toFixed(2)} ms, this checkout ${rt("threadlab").toFixed(2)} ms, ratio ${(rt("threadlab") / rt("baseline")).toFixed(2)}×`,
    );
  console.log(
    `threadlab subshell round trip (median of ${RUNS}): ${median(subTrips).toFixed(2)} ms (p95 ${p95(subTrips).toFixed(2)} ms), main shell ${rt("threadlab").toFixed(2)} ms, ratio ${(median(subTrips) / rt("threadlab")).toFixed(2)}×`,
  );
  console.log(
    `start→kernel_info (median of ${STARTS}): tslab ${rd("tslab").toFixed(0)} ms, threadlab ${rd("threadlab").toFixed(0)} ms, ratio ${ratio(rd)}×`,
  );
  console.log(
    `start→first result (median of ${STARTS}): tslab ${fr("tslab").toFixed(0)} ms, threadlab ${fr("threadlab").toFixed(0)} ms, ratio ${ratio(fr)}× (goal ≤ 0.8×)`,
  );
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
