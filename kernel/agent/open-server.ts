/** The agent's refusal to serve a NATS server that accepts anyone. */
import type { NatsConnection } from "@nats-io/nats-core";
import { ClusterConnectError, connectCluster, type ClusterTarget } from "../cluster/connection";

/** An agent must not serve a server that anyone can reach without credentials: they could run code here. */
export async function refuseOpenServer(target: ClusterTarget, name: string): Promise<void> {
  let nc: NatsConnection | undefined;
  try {
    nc = await connectCluster(target, `threadlab-agent ${name} (credentials check)`, false);
  } catch (e) {
    if (e instanceof ClusterConnectError && /requires credentials/.test(e.message)) return;
    throw e;
  }
  await nc.close().catch(() => {});
  throw new ClusterConnectError(
    `the NATS server at ${target.display} accepts connections without credentials, so anyone who can reach it could run code on ` +
      "this machine through this agent. Require authentication on the server (authorization { users = […] } in its config), " +
      "or pass --insecure if only you can reach it",
  );
}
