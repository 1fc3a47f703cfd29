/**
 * docs/cluster.md's "shared server" permissions, on a real nats-server: a kernel user and an agent user with
 * exactly the documented subjects run a map, and each is refused what the split keeps from it. The
 * authorization block is read from the doc, so the doc cannot drift from what is tested.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Kvm } from "@nats-io/kv";
import { natsServerBinary } from "../../kernel/cluster/local";
import { connectCluster, parseClusterUrl } from "../../kernel/cluster/connection";
import { FUNCTION_BUCKET, subjects } from "../../kernel/cluster/subjects";
import { ClusterBackend, fn, waitForAgents } from "./helpers";

const ROOT = path.join(__dirname, "..", "..", "..");
const BIN = path.join(ROOT, "bin", "threadlab.js");

/** The ```-fenced block of docs/cluster.md that starts with `authorization {`. */
function documentedAuthorization(): string {
  const doc = fs.readFileSync(path.join(ROOT, "docs", "cluster.md"), "utf8");
  const m = /```\n(\s*authorization \{[\s\S]*?)```/.exec(doc);
  assert.ok(m, "docs/cluster.md has an authorization block");
  return m[1].replace(/"…"/g, '"secret"');
}

/** Starts a nats-server with `conf`; resolves with its port once ready. */
function startServer(conf: string): Promise<{ server: ChildProcess; port: number }> {
  const server = spawn(natsServerBinary(), ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let log = "";
    server.stderr!.setEncoding("utf8").on("data", (s: string) => {
      log += s;
      const m = /Listening for client connections on [\d.]+:(\d+)/.exec(log);
      if (m && /Server is ready/.test(log)) resolve({ server, port: Number(m[1]) });
    });
    server.once("exit", (code) => reject(new Error(`nats-server exited (${code}):\n${log}`)));
  });
}

describe("the documented permissions for a shared server", () => {
  let dir: string;
  let server: ChildProcess;
  let port: number;
  const agents: ChildProcess[] = [];
  let backend: ClusterBackend;
  const url = (user: string) => `nats://${user}:secret@127.0.0.1:${port}`;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "threadlab-perms-"));
    const conf = path.join(dir, "nats.conf");
    fs.writeFileSync(
      conf,
      [
        'listen: "127.0.0.1:-1"',
        `jetstream { store_dir: ${JSON.stringify(path.join(dir, "store"))} }`,
        documentedAuthorization(),
      ].join("\n"),
    );
    ({ server, port } = await startServer(conf));
    for (const name of ["p1", "p2"]) {
      const a = spawn(process.execPath, [BIN, "agent", "--cluster", url("agent"), "--name", name, "--workers", "1"], {
        stdio: ["ignore", "ignore", process.env.THREADLAB_TEST_LOG ? "inherit" : "ignore"],
      });
      agents.push(a);
    }
    backend = await ClusterBackend.connect(url("kernel"));
    await waitForAgents(backend, 2);
  });
  after(async () => {
    await backend?.close();
    await Promise.all(
      agents.map(
        (a) =>
          new Promise((r) => {
            if (a.exitCode !== null) return r(null);
            a.once("exit", r);
            a.kill("SIGTERM");
          }),
      ),
    );
    server?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("a kernel user and agent users run a map, with an item that throws named", async () => {
    const r = await backend.run(
      Array.from({ length: 100 }, (_, i) => i),
      fn("(x) => { if (x === 7) throw new RangeError('bad 7'); return x * x; }"),
      { errors: "collect", chunk: 10 },
    );
    assert.deepEqual(
      r.failures.map((f) => f.index),
      [7],
    );
    assert.equal(r.results[99], 99 * 99);
  });

  test("an agent user cannot write a shipped function, so it cannot plant code for other agents", async () => {
    const nc = await connectCluster(parseClusterUrl(url("agent")), "perm-check");
    try {
      const kv = await new Kvm(nc).open(FUNCTION_BUCKET);
      await assert.rejects(kv.put("planted", new Uint8Array([1])), /permissions violation/i);
    } finally {
      await nc.close();
    }
  });

  test("a kernel user cannot pose as an agent: its heartbeat is refused", async () => {
    const nc = await connectCluster(parseClusterUrl(url("kernel")), "perm-check");
    try {
      const refused = new Promise<string>((resolve) => {
        void (async () => {
          for await (const s of nc.status()) if (s.type === "error") resolve(String((s as { error?: Error }).error));
        })();
      });
      nc.publish(subjects.heartbeat, new Uint8Array([1]));
      const why = await Promise.race([refused, new Promise<string>((r) => setTimeout(() => r("no error"), 3000))]);
      assert.match(why, /permissions violation for publish to "threadlab\.agents\.heartbeat"/i);
    } finally {
      await nc.close().catch(() => {});
    }
  });
});
