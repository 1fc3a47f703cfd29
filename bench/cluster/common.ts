/** Shared bits of the cluster benchmarks: a local cluster (real nats-server, real agents) and its backend. */
import { ClusterBackend } from "../../kernel/cluster/backend";
import { LocalCluster } from "../../kernel/cluster/local";

export { fn, fmt, median, report } from "../parallel/common";

export async function startCluster(
  agents: number,
  workers: number,
): Promise<{ cluster: LocalCluster; backend: ClusterBackend; stop(): Promise<void> }> {
  const cluster = await LocalCluster.start({ agents, workers });
  const backend = await ClusterBackend.connect(cluster.url);
  const end = Date.now() + 20_000;
  while ((await backend.status()).nodes.length < agents) {
    if (Date.now() > end) throw new Error("agents did not come up");
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    cluster,
    backend,
    async stop() {
      await backend.close();
      await cluster.stop();
    },
  };
}

export function loadAverage(): string {
  return (require("node:os") as typeof import("node:os"))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(" ");
}

/** Runs a benchmark's main, exiting non-zero with its error. */
export function runBench(main: () => Promise<void>): void {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
