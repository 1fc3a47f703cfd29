/**
 * `threadlab cluster local` as a user runs it, as a real process: its generated password is in no command line
 * on the machine, and after a `kill -9` of it neither its nats-server nor its agents (supervisors and their
 * children) are left, found by pid. And an agent's supervisor and its child follow each other.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { allCommandLines, alive, commandLine, descendants, waitForExit } from "../kernel/process-tree";
import { ClusterBackend, sleep, startCluster, waitForAgents } from "./helpers";

const BIN = path.join(__dirname, "..", "..", "..", "bin", "threadlab.js");
/** The parent poll (1 s) plus an agent's stop (idle: well under a second) on a loaded machine. */
const EXIT_WITHIN_MS = 10_000;

describe("nothing outlives `threadlab cluster local`", { timeout: 120_000 }, () => {
  test("its password is in no command line, and kill -9 of it ends the server and every agent", async () => {
    const p = spawn(process.execPath, [BIN, "cluster", "local", "--agents", "2", "--workers", "1"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    p.stdout!.setEncoding("utf8").on("data", (s: string) => (out += s));
    p.stderr!.setEncoding("utf8").on("data", (s: string) => (err += s));
    const ours: number[] = [];
    try {
      const deadline = Date.now() + 60_000;
      while (!/Ctrl-C stops them/.test(out)) {
        if (p.exitCode !== null || Date.now() > deadline) throw new Error(`cluster local did not start:\n${out}${err}`);
        await sleep(100);
      }
      const url = /%parallel cluster connect (\S+)/.exec(out)![1];
      const password = /^nats:\/\/threadlab:([0-9a-f]+)@/.exec(url)![1];
      assert.ok(password.length >= 16);

      ours.push(...descendants(p.pid!));
      const lines = ours.map(commandLine);
      // The tether and its nats-server, two supervisors and their two children.
      assert.equal(ours.length, 6, lines.join("\n"));
      assert.equal(lines.filter((l) => /nats-server/.test(l) && !/tether/.test(l)).length, 1, lines.join("\n"));
      assert.equal(lines.filter((l) => / agent /.test(l)).length, 4, lines.join("\n"));
      const leaks = allCommandLines().filter((l) => l.includes(password));
      assert.deepEqual(leaks, [], "the generated password is in a command line");
      // The agents really are connected with it (the URL the user copies works).
      const backend = await ClusterBackend.connect(url);
      try {
        await waitForAgents(backend, 2);
      } finally {
        await backend.close();
      }
      const store = /-c (\S+)\/nats\.conf/.exec(lines.join("\n"))![1];
      assert.ok(existsSync(store));

      p.kill("SIGKILL");
      const ms = await waitForExit(ours, EXIT_WITHIN_MS);
      console.log(`# ${ours.length} processes gone ${ms} ms after kill -9 of cluster local`);
      assert.ok(!existsSync(store), `the server's store (with the password in nats.conf) is left: ${store}`);
    } finally {
      p.kill("SIGKILL");
      for (const pid of ours.filter(alive)) process.kill(pid, "SIGKILL");
    }
  });

  test("kill -9 of an agent's supervisor ends its child; kill -9 of the child gets it restarted", async () => {
    // A child that dies before it is ready is a start failure its supervisor does not retry (bad credentials
    // must not loop): kill it only once the supervisor says it got the child's ready, which under load can be
    // seconds after the start (the child's own "connected" line comes before it: CI on Node 24 killed it there).
    let connected = false;
    const cluster = await startCluster({
      agents: 1,
      workers: 1,
      onAgentLog: (_n, line) => (connected ||= /is ready; a crash from now on restarts it/.test(line)),
    });
    try {
      for (const end = Date.now() + 20_000; !connected && Date.now() < end;) await sleep(100);
      assert.ok(connected, "the agent did not connect");
      const supervisor = cluster.agents[0].process.pid!;
      const [child] = descendants(supervisor);
      assert.ok(child, "the agent runs in a child of its supervisor");
      process.kill(child, "SIGKILL");
      const deadline = Date.now() + 20_000;
      let next: number | undefined;
      while (!(next = descendants(supervisor)[0]) || next === child) {
        if (Date.now() > deadline) throw new Error("the supervisor did not restart its child");
        await sleep(100);
      }
      process.kill(supervisor, "SIGKILL");
      const ms = await waitForExit([supervisor, next], EXIT_WITHIN_MS);
      console.log(`# the agent's child gone ${ms} ms after kill -9 of its supervisor`);
    } finally {
      await cluster.stop();
    }
  });
});
