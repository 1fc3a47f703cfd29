import fs from "node:fs";
import { LocalCluster, type LocalClusterOptions } from "../../kernel/cluster/local";
import { ClusterBackend, type ClusterBackendOptions } from "../../kernel/cluster/backend";
import type { NodeStatus } from "../../kernel/cluster/nodes";
import type { ShippedFunction } from "../../kernel/ship/types";

export { LocalCluster, ClusterBackend };

/** A shipped function built by hand, as the ship helper would hand it to a backend. */
export function fn(code: string, scope: ShippedFunction["scope"] = {}, name = "f"): ShippedFunction {
  return { name, code, scope, resolveDir: process.cwd() };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Agent logs go to the test's stderr only when THREADLAB_TEST_LOG is set: they explain failures. */
export function startCluster(o: LocalClusterOptions = {}): Promise<LocalCluster> {
  return LocalCluster.start({
    onAgentLog: process.env.THREADLAB_TEST_LOG ? (n, l) => console.error(`${n}: ${l}`) : undefined,
    ...o,
  });
}

/** Waits until `n` agents send heartbeats (they start in ~1 s). */
export async function waitForAgents(b: ClusterBackend, n: number, ms = 20_000): Promise<NodeStatus[]> {
  const end = Date.now() + ms;
  for (;;) {
    const nodes = (await b.status()).nodes;
    if (nodes.length >= n) return nodes;
    if (Date.now() > end) throw new Error(`only ${nodes.length} of ${n} agents came up within ${ms} ms`);
    await sleep(200);
  }
}

export async function connect(c: LocalCluster, o: ClusterBackendOptions = {}): Promise<ClusterBackend> {
  return ClusterBackend.connect(c.url, o);
}

export function rssOfPid(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m![1]) * 1024;
}

/**
 * A cluster and a connected backend for one describe block: started before its tests (with `agents` agents
 * heard from), stopped after. Read `.cluster` and `.backend` inside tests.
 */
export function useCluster(
  o: LocalClusterOptions & { agents: number },
  backendOptions: ClusterBackendOptions = {},
): { cluster: LocalCluster; backend: ClusterBackend } {
  const { before, after } = require("node:test") as typeof import("node:test");
  const ctx = {} as { cluster: LocalCluster; backend: ClusterBackend };
  before(async () => {
    ctx.cluster = await startCluster(o);
    ctx.backend = await connect(ctx.cluster, backendOptions);
    await waitForAgents(ctx.backend, o.agents);
  });
  after(async () => {
    await ctx.backend?.close();
    await ctx.cluster?.stop();
  });
  return ctx;
}
