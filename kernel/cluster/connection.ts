/**
 * Connecting to a cluster's NATS server: the URL forms NATS users know (`nats://user:pass@host:port`,
 * `nats://token@host:port`, `tls://…`), credentials files, and errors that say what to do. The stream, consumer
 * and buckets are created here on first use, by whichever of kernel or agent comes first.
 */
import fs from "node:fs";
import { connect, type NodeConnectionOptions } from "@nats-io/transport-node";
import { AuthorizationError, ConnectionError, credsAuthenticator, type NatsConnection } from "@nats-io/nats-core";
import {
  AckPolicy,
  DeliverPolicy,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
} from "@nats-io/jetstream";
import { AGENT_CONSUMER, BATCH_STREAM, subjects } from "./subjects";

export interface ClusterAuth {
  user?: string;
  pass?: string;
  token?: string;
  /** Path of a NATS credentials file (JWT + nkey seed), as `nsc` writes them. */
  creds?: string;
  /** CA file to verify the server's certificate; `tls://` URLs or a CA turn TLS on. */
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export interface ClusterTarget {
  /** host:port list for the client. */
  servers: string[];
  auth: ClusterAuth;
  tls: boolean;
  /** The URL without secrets, for messages and status. */
  display: string;
}

export class ClusterConnectError extends Error {
  override name = "ClusterConnectError";
}

/** Parses a cluster URL (or a comma-separated list of them); credentials in the URL win over `auth`'s. */
export function parseClusterUrl(url: string, auth: ClusterAuth = {}): ClusterTarget {
  if (typeof url !== "string" || url.trim() === "")
    throw new ClusterConnectError("no cluster URL: pass nats://user:pass@host:port (or set THREADLAB_CLUSTER)");
  const servers: string[] = [];
  const out: ClusterAuth = { ...auth };
  let tls = !!auth.tlsCa || !!auth.tlsCert;
  const shown: string[] = [];
  for (const part of url
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    let u: URL;
    try {
      u = new URL(part.includes("://") ? part : `nats://${part}`);
    } catch (e) {
      throw new ClusterConnectError(
        `cluster URL ${JSON.stringify(part)} is not a URL; write it as nats://host:port or nats://user:pass@host:port`,
        { cause: e },
      );
    }
    if (!["nats:", "tls:"].includes(u.protocol))
      throw new ClusterConnectError(
        `cluster URL ${JSON.stringify(part)} has scheme ${u.protocol.replace(":", "")}; use nats:// or tls://`,
      );
    if (u.protocol === "tls:") tls = true;
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    if (user && pass) {
      out.user = user;
      out.pass = pass;
    } else if (user) out.token = user;
    servers.push(`${u.hostname}:${u.port || "4222"}`);
    shown.push(`${u.protocol}//${user ? (pass ? `${user}:***@` : "***@") : ""}${u.hostname}:${u.port || "4222"}`);
  }
  if (servers.length === 0) throw new ClusterConnectError(`cluster URL ${JSON.stringify(url)} names no server`);
  return { servers, auth: out, tls, display: shown.join(",") };
}

export function hasCredentials(a: ClusterAuth): boolean {
  return !!(a.user || a.token || a.creds);
}

function connectionOptions(t: ClusterTarget, name: string, withAuth: boolean): NodeConnectionOptions {
  const o: NodeConnectionOptions = {
    servers: t.servers,
    name,
    timeout: 5000,
    // A server restart must not end a map or an agent: reconnect forever; callers decide when to give up.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    pingInterval: 10_000,
  };
  if (t.tls) {
    o.tls = {
      caFile: t.auth.tlsCa,
      certFile: t.auth.tlsCert,
      keyFile: t.auth.tlsKey,
    };
  }
  if (!withAuth) return o;
  if (t.auth.creds) {
    let text: Uint8Array;
    try {
      text = fs.readFileSync(t.auth.creds);
    } catch (e) {
      throw new ClusterConnectError(`cannot read the NATS credentials file ${t.auth.creds}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    o.authenticator = credsAuthenticator(text);
  } else if (t.auth.user) {
    o.user = t.auth.user;
    o.pass = t.auth.pass;
  } else if (t.auth.token) o.token = t.auth.token;
  return o;
}

/** Connects, turning the client's errors into ones that say what was wrong and what to do. */
export async function connectCluster(t: ClusterTarget, name: string, withAuth = true): Promise<NatsConnection> {
  try {
    return await connect(connectionOptions(t, name, withAuth));
  } catch (e) {
    throw explainConnectError(e, t, withAuth);
  }
}

export function explainConnectError(e: unknown, t: ClusterTarget, withAuth = true): Error {
  if (e instanceof ClusterConnectError) return e;
  const err = e as Error;
  if (e instanceof AuthorizationError || /authorization/i.test(err?.message ?? "")) {
    const had = withAuth && hasCredentials(t.auth);
    return new ClusterConnectError(
      had
        ? `the NATS server at ${t.display} refused the credentials (${err.message}); check the user and password (nats://user:pass@host:port), token (nats://token@host:port) or --creds file`
        : `the NATS server at ${t.display} requires credentials (${err.message}); pass them in the URL (nats://user:pass@host:port or nats://token@host:port) or with --user/--password, --token or --creds`,
      { cause: e },
    );
  }
  if (e instanceof ConnectionError || /refused|timeout|ENOTFOUND|EAI_AGAIN/i.test(err?.message ?? "")) {
    const detail = (err.cause as Error | undefined)?.message ?? err.message;
    return new ClusterConnectError(
      `cannot reach the NATS server at ${t.display} (${detail}); check the host and port, and that nats-server runs with JetStream (nats-server -js). ` +
        "For a server and agents on this machine: npm run cluster:local",
      { cause: e },
    );
  }
  return new ClusterConnectError(`connecting to the NATS server at ${t.display} failed: ${err?.message ?? e}`, {
    cause: e,
  });
}

export interface InfrastructureOptions {
  /** How long an agent may hold a batch without acking or signalling progress before it is redelivered. */
  ackWaitMs?: number;
}

const nanos = (ms: number) => ms * 1_000_000;

/** Creates the batch stream when missing (idempotent); explains a server without JetStream. */
export async function ensureBatchStream(nc: NatsConnection, display: string): Promise<JetStreamManager> {
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc, { timeout: 5000 });
  } catch (e) {
    throw new ClusterConnectError(
      `the NATS server at ${display} has no JetStream (${(e as Error).message}); start it with JetStream on: nats-server -js (or jetstream {} in its config)`,
      { cause: e },
    );
  }
  try {
    await jsm.streams.info(BATCH_STREAM);
  } catch {
    await jsm.streams
      .add({
        name: BATCH_STREAM,
        subjects: [subjects.batchAll],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
      })
      .catch(async (e) => {
        // Another process created it meanwhile.
        if (
          !(await jsm.streams.info(BATCH_STREAM).then(
            () => true,
            () => false,
          ))
        )
          throw e;
      });
  }
  return jsm;
}

/**
 * The agents' shared consumer, created by the first agent: its redelivery timeout is the agents' concern (they
 * signal progress at a third of it), so a kernel never creates it.
 */
export async function ensureAgentConsumer(jsm: JetStreamManager, o: InfrastructureOptions = {}): Promise<void> {
  try {
    await jsm.consumers.info(BATCH_STREAM, AGENT_CONSUMER);
  } catch {
    await jsm.consumers
      .add(BATCH_STREAM, {
        durable_name: AGENT_CONSUMER,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(o.ackWaitMs ?? 30_000),
        max_deliver: -1,
        max_ack_pending: 10_000,
      })
      .catch(async (e) => {
        if (
          !(await jsm.consumers.info(BATCH_STREAM, AGENT_CONSUMER).then(
            () => true,
            () => false,
          ))
        )
          throw e;
      });
  }
}
