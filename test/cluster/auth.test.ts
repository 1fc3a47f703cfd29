import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { natsServerBinary } from "../../kernel/cluster/local";
import { parseClusterUrl } from "../../kernel/cluster/connection";
import { ClusterBackend, startCluster, type LocalCluster } from "./helpers";

const BIN = path.join(__dirname, "..", "..", "..", "bin", "threadlab.js");

/** Runs `threadlab agent …` and returns its exit code and stderr (an agent that connects is stopped after 3 s). */
function agent(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, "agent", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    p.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    const t = setTimeout(() => p.kill("SIGTERM"), 3000);
    p.on("exit", (code) => {
      clearTimeout(t);
      resolve({ code, stderr });
    });
  });
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe("cluster URLs", () => {
  test("take user:pass and token forms, and hide secrets when shown", () => {
    const a = parseClusterUrl("nats://alice:s3cret@10.0.0.5:4333");
    assert.deepEqual(
      [a.servers, a.auth.user, a.auth.pass, a.display],
      [["10.0.0.5:4333"], "alice", "s3cret", "nats://alice:***@10.0.0.5:4333"],
    );
    const t = parseClusterUrl("nats://tok123@host");
    assert.deepEqual([t.servers, t.auth.token, t.display], [["host:4222"], "tok123", "nats://***@host:4222"]);
    assert.equal(parseClusterUrl("tls://h:1").tls, true);
  });

  test("refuse other schemes and empty URLs, saying what to write", () => {
    assert.throws(() => parseClusterUrl("http://h:1"), /scheme http; use nats:\/\/ or tls:\/\//);
    assert.throws(() => parseClusterUrl(""), /no cluster URL: pass nats:\/\/user:pass@host:port/);
  });
});

describe("connecting with bad addresses or credentials", () => {
  let cluster: LocalCluster;
  before(async () => {
    cluster = await startCluster({ agents: 0 });
  });
  after(() => cluster?.stop());

  test("an unreachable URL is a clear error", async () => {
    const port = await freePort();
    await assert.rejects(
      ClusterBackend.connect(`nats://u:p@127.0.0.1:${port}`),
      /cannot reach the NATS server at nats:\/\/u:\*\*\*@127\.0\.0\.1:\d+ \(connect ECONNREFUSED/,
    );
  });

  test("wrong credentials are a clear error", async () => {
    await assert.rejects(
      ClusterBackend.connect(cluster.url.replace(cluster.password, "wrong")),
      /refused the credentials \(Authorization Violation\); check the user and password/,
    );
  });

  test("a kernel without credentials is told the server requires them", async () => {
    await assert.rejects(ClusterBackend.connect(cluster.address), /requires credentials.*nats:\/\/user:pass@host:port/);
  });

  test("an agent without credentials refuses to start", async () => {
    const r = await agent(["--cluster", cluster.address, "--name", "x"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /an agent runs code sent through the cluster, so it needs credentials/);
  });

  test("an agent with wrong credentials exits with the server's refusal", async () => {
    const r = await agent(["--cluster", cluster.address, "--user", "threadlab", "--password", "nope"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refused the credentials/);
  });

  test("the agent runs in a child process of a supervisor by default, and in the process started with --no-supervisor", async () => {
    const backend = await ClusterBackend.connect(cluster.url);
    try {
      for (const supervised of [true, false]) {
        const name = supervised ? "supervised" : "alone";
        const args = ["agent", "--cluster", cluster.url, "--name", name, "--workers", "1"];
        const p = spawn(process.execPath, [BIN, ...args, ...(supervised ? [] : ["--no-supervisor"])], {
          stdio: "ignore",
        });
        const exited = new Promise((r) => p.once("exit", (code) => r(code)));
        let pid: number | undefined;
        for (let i = 0; i < 100 && pid === undefined; i++) {
          pid = (await backend.status()).nodes.find((n) => n.name === name)?.pid;
          if (pid === undefined) await new Promise((r) => setTimeout(r, 200));
        }
        assert.ok(pid, `agent ${name} came up`);
        if (supervised) assert.notEqual(pid, p.pid, "the work runs in a child of the process started");
        else assert.equal(pid, p.pid, "the work runs in the process started");
        p.kill("SIGTERM");
        assert.equal(await exited, 0, "SIGTERM stops it cleanly");
      }
    } finally {
      await backend.close();
    }
  });
});

describe("a server that needs no credentials", () => {
  let server: ReturnType<typeof spawn>;
  let dir: string;
  let port: number;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "threadlab-open-"));
    port = await freePort();
    server = spawn(natsServerBinary(), ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((r) => {
        const sock = net.connect(port, "127.0.0.1");
        sock
          .on("connect", () => {
            sock.destroy();
            r(true);
          })
          .on("error", () => r(false));
      });
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(() => {
    server?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("is refused by an agent, even one given credentials", async () => {
    const r = await agent(["--cluster", `nats://a:b@127.0.0.1:${port}`]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /accepts connections without credentials, so anyone who can reach it could run code on this machine.*--insecure/s,
    );
  });

  test("is served with --insecure", async () => {
    const r = await agent(["--cluster", `nats://127.0.0.1:${port}`, "--insecure", "--name", "open"]);
    assert.match(r.stderr, /\[threadlab agent open\] connected to nats:\/\/127\.0\.0\.1:\d+ with \d+ workers/);
    assert.match(r.stderr, /stopped/);
    assert.equal(r.code, 0);
  });
});
