import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ClusterBackend,
  connect,
  fn,
  rssOfPid,
  sleep,
  startCluster,
  waitForAgents,
  type LocalCluster,
} from "./helpers";

/** Busy for `ms` of CPU per item (a worker thread, not a timer: it holds the worker like real work does). */
const busy = (ms: number) =>
  fn(`(x) => { const t = Date.now(); while (Date.now() - t < ${ms}) {} return x * 2; }`, {}, "busy");
const items = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("agent failures", () => {
  let cluster: LocalCluster;
  let backend: ClusterBackend;
  before(async () => {
    // A short redelivery timeout, so a killed agent's batches come back within the test.
    cluster = await startCluster({ agents: 2, workers: 1, agentArgs: ["--ack-wait", "1500"] });
    backend = await connect(cluster);
    await waitForAgents(backend, 2);
  });
  after(async () => {
    await backend?.close();
    await cluster?.stop();
  });

  test("kill -9 of an agent mid-map loses and duplicates nothing", async () => {
    const run = backend.run(items(300), busy(10), { chunk: 10 });
    await sleep(800);
    const victim = cluster.agents[0];
    victim.process.kill("SIGKILL");
    const r = await run;
    assert.equal(await victim.exited, "SIGKILL");
    assert.equal(r.results.length, 300);
    assert.deepEqual(
      r.results,
      items(300).map((x) => x * 2),
    );
    assert.equal(r.items, 300, "each item accepted once");
    cluster.addAgent("agent-3");
    await waitForAgents(backend, 2);
  });

  test("an agent joining mid-map gets work", async () => {
    const progress: { nodes?: { name: string; done: number }[] }[] = [];
    const run = backend.run(items(300), busy(10), { chunk: 5, onProgress: (p) => progress.push(p as never) });
    await sleep(300);
    const joiner = cluster.addAgent("joiner");
    const r = await run;
    assert.deepEqual(
      r.results,
      items(300).map((x) => x * 2),
    );
    const last = progress[progress.length - 1];
    const mine = last.nodes!.find((n) => n.name === joiner.name);
    assert.ok(mine && mine.done > 0, `the joining agent did work: ${JSON.stringify(last.nodes)}`);
  });

  test("an interrupt stops the map on every node within 2 s, and the next map works", async () => {
    const ac = new AbortController();
    const run = backend.run(items(400), busy(50), { chunk: 4, signal: ac.signal });
    await sleep(800);
    ac.abort();
    await assert.rejects(run, (e: Error) => e.name === "AbortError" && /cancelled after \d+ items/.test(e.message));
    const t0 = Date.now();
    let busyNodes = Infinity;
    while (Date.now() - t0 < 3000) {
      busyNodes = (await backend.status()).nodes.filter((n) => n.busy > 0).length;
      if (busyNodes === 0) break;
      await sleep(50);
    }
    const stoppedMs = Date.now() - t0;
    assert.equal(busyNodes, 0, "no node still runs the cancelled map");
    assert.ok(stoppedMs < 2000, `nodes stopped within 2 s, took ${stoppedMs} ms`);
    const next = await backend.run(items(50), fn("(x) => x + 1"));
    assert.deepEqual(
      next.results,
      items(50).map((x) => x + 1),
    );
  });
  test("SIGTERM stops an agent cleanly mid-map: it finishes its batches and the map completes", async () => {
    const run = backend.run(items(200), busy(10), { chunk: 5 });
    await sleep(500);
    const leaving = cluster.agents.find((a) => a.process.exitCode === null && a.process.signalCode === null)!;
    leaving.process.kill("SIGTERM");
    assert.equal(await leaving.exited, 0, "the agent exits with 0");
    const r = await run;
    assert.deepEqual(
      r.results,
      items(200).map((x) => x * 2),
    );
  });
});

describe("server and cluster failures", () => {
  let cluster: LocalCluster;
  let backend: ClusterBackend;
  before(async () => {
    cluster = await startCluster({ agents: 2, workers: 1, agentArgs: ["--ack-wait", "2000"] });
    backend = await connect(cluster, { tuning: { noAgentsMs: 1500, serverLostMs: 15_000 } });
    await waitForAgents(backend, 2);
  });
  after(async () => {
    await backend?.close();
    await cluster?.stop();
  });

  test("the NATS server restarting mid-map: the map completes", async () => {
    const run = backend.run(items(200), busy(10), { chunk: 5 });
    await sleep(600);
    await cluster.stopServer();
    await sleep(1000);
    await cluster.startServer();
    const r = await run;
    assert.deepEqual(
      r.results,
      items(200).map((x) => x * 2),
    );
  });

  test("200 consecutive maps keep kernel and agent memory flat", async () => {
    const inc = fn("(x) => x + 1");
    const small = items(20);
    const rss = () => [
      process.memoryUsage.rss(),
      ...cluster.agents.filter((a) => a.process.exitCode === null).map((a) => rssOfPid(a.process.pid!)),
    ];
    for (let i = 0; i < 50; i++) await backend.run(small, inc);
    const before = rss();
    for (let i = 0; i < 200; i++) {
      const r = await backend.run(small, inc);
      if (r.results[19] !== 20) assert.fail(`map ${i}: ${r.results[19]}`);
    }
    const grown = rss().map((x, i) => (x - before[i]) / 2 ** 20);
    assert.ok(
      grown.every((g) => g < 20),
      `RSS growth over 200 maps (MB; kernel, agents): ${grown.map((g) => g.toFixed(1)).join(", ")}`,
    );
  });

  test("with no agents, a map fails with a clear error after the timeout", async () => {
    await Promise.all(
      cluster.agents.map(async (a) => {
        a.process.kill("SIGTERM");
        await a.exited;
      }),
    );
    const t0 = Date.now();
    await assert.rejects(
      backend.run(items(10), fn("(x) => x")),
      /no threadlab agents are connected to nats:\/\/threadlab:\*\*\*@127\.0\.0\.1:\d+ .*threadlab agent --cluster/,
    );
    assert.ok(Date.now() - t0 < 8000, "failed within the timeout, not a silent wait");
  });
});
