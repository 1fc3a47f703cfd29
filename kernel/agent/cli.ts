/** `threadlab agent` and `threadlab cluster local` as processes: signals, logs, exit codes. */
import os from "node:os";
import { clusterUrlFromEnv } from "../cluster/env";
import { terminateWithParentFromEnv } from "../process/parent-watch";
import type { AgentOptions } from "./agent";
import { superviseAgent, SUPERVISED_ENV, type ReadyMessage } from "./supervisor";

export interface AgentCliOptions {
  cluster?: string;
  workers?: string;
  name?: string;
  user?: string;
  password?: string;
  token?: string;
  creds?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecure?: boolean;
  modelCacheMb?: string;
  ackWait?: string;
  /** false with --no-supervisor: run the agent in this process (a supervisor such as systemd restarts it). */
  supervisor?: boolean;
}

function positiveInt(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${what} must be a positive whole number, got ${JSON.stringify(v)}`);
  return n;
}

export async function runAgent(o: AgentCliOptions): Promise<void> {
  // Started by `threadlab cluster local` (LocalCluster): end with it. The supervised child follows the
  // supervisor through its IPC channel instead (below), so the variable is consumed here.
  terminateWithParentFromEnv();
  const cluster = o.cluster ?? clusterUrlFromEnv();
  if (!cluster) throw new Error("no cluster: pass --cluster nats://user:pass@host:port or set THREADLAB_CLUSTER");
  const options: AgentOptions = {
    cluster,
    auth: {
      user: o.user,
      pass: o.password,
      token: o.token,
      creds: o.creds,
      tlsCa: o.tlsCa,
      tlsCert: o.tlsCert,
      tlsKey: o.tlsKey,
    },
    workers: positiveInt(o.workers, "--workers"),
    name: o.name,
    insecure: o.insecure,
    modelCacheBytes:
      o.modelCacheMb === undefined ? undefined : positiveInt(o.modelCacheMb, "--model-cache-mb")! * 2 ** 20,
    ackWaitMs: positiveInt(o.ackWait, "--ack-wait"),
  };
  // Options are checked above, once, in the supervisor too: a typo fails at once instead of in a restart loop.
  if (o.supervisor !== false && !process.env[SUPERVISED_ENV]) {
    superviseAgent(process.argv.slice(3), options.name ?? os.hostname());
    return;
  }
  if (process.env[SUPERVISED_ENV]) {
    // The supervisor is gone (killed with -9): nobody would restart or stop this process; end like it did.
    process.on("disconnect", () => process.exit(1));
  }
  const { Agent } = await import("./agent");
  const agent = await Agent.start(options);
  process.send?.({ t: "ready" } satisfies ReadyMessage);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    agent.stop().then(
      () => process.exit(0),
      (e) => {
        console.error(`threadlab agent: stopping failed: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

export async function runLocalCluster(o: { agents?: string; workers?: string }): Promise<void> {
  const { LocalCluster } = await import("../cluster/local");
  const cluster = await LocalCluster.start({
    agents: positiveInt(o.agents, "--agents") ?? 2,
    workers: positiveInt(o.workers, "--workers") ?? 1,
    onAgentLog: (name, line) => console.error(line),
  });
  console.log(
    `NATS server and ${cluster.agents.length} agents running. In a notebook:\n\n  %parallel cluster connect ${cluster.url}\n\nor set THREADLAB_CLUSTER=${cluster.url}\nCtrl-C stops them.`,
  );
  const stop = () => void cluster.stop().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // A closed terminal: stop as on Ctrl-C (a kill -9 is covered by the server's tether and the agents' watch).
  process.on("SIGHUP", stop);
}
