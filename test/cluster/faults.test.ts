import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { jetstream } from "@nats-io/jetstream";
import { connectCluster, parseClusterUrl } from "../../kernel/cluster/connection";
import { FunctionStore } from "../../kernel/cluster/function-store";
import { subjects } from "../../kernel/cluster/subjects";
import { encode, WIRE_VERSION, type BatchMessage } from "../../kernel/cluster/wire";
import {
  ClusterBackend,
  connect,
  fn,
  rssOfPid,
  sleep,
  startCluster,
  waitForAgents,
  type LocalCluster,
  useCluster,
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
    // ~4 s of work on the first agents: a joining agent takes ~1.6 s to start, more under load, and with 10 ms
    // items the map could end before it had connected.
    const run = backend.run(items(300), busy(25), { chunk: 5, onProgress: (p) => progress.push(p as never) });
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

  test("an interrupt stops the map on every node within 2 s, and the next map works", async (t) => {
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
    t.diagnostic(`every node idle ${stoppedMs} ms after the interrupt`);
    assert.equal(busyNodes, 0, "no node still runs the cancelled map");
    assert.ok(stoppedMs < 2000, `nodes stopped within 2 s, took ${stoppedMs} ms`);
    const next = await backend.run(items(50), fn("(x) => x + 1"));
    assert.deepEqual(
      next.results,
      items(50).map((x) => x + 1),
    );
  });
  test("a result on its way when its map is cancelled does not keep the node busy", async () => {
    // A kernel that got the result request but dropped it (it had just unsubscribed, ending the map): the agent's
    // request would wait out its 5 s timeout. The cancel that follows must free the node at once.
    const nc = await connectCluster(parseClusterUrl(cluster.url), "dropping kernel");
    try {
      const map = `dropped-${Date.now()}`;
      let requests = 0;
      nc.subscribe(subjects.result(map), { callback: () => void requests++ });
      const hash = await (await FunctionStore.open(nc)).put(fn("(x) => x"));
      const batch: BatchMessage = {
        v: WIRE_VERSION,
        map,
        batch: 0,
        start: 0,
        count: 3,
        items: { kind: "array", data: [1, 2, 3] },
        fn: hash,
        model: null,
        name: "dropped",
      };
      await jetstream(nc).publish(subjects.batch(map), encode(batch));
      for (let i = 0; i < 100 && requests === 0; i++) await sleep(50);
      assert.ok(requests > 0, "the agent sent its result");
      nc.publish(subjects.cancel, encode({ v: WIRE_VERSION, map }));
      const t0 = Date.now();
      let busy = Infinity;
      while (Date.now() - t0 < 4000) {
        busy = (await backend.status()).nodes.reduce((n, x) => n + x.busy, 0);
        if (busy === 0) break;
      }
      assert.equal(busy, 0, "no node still holds the cancelled map's batch");
      assert.ok(Date.now() - t0 < 2000, `idle within 2 s, took ${Date.now() - t0} ms`);
    } finally {
      await nc.close();
    }
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
    const pids = (await backend.status()).nodes.map((n) => n.pid);
    const rss = () => [process.memoryUsage.rss(), ...pids.map(rssOfPid)];
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

describe("an item that takes its agent process down", () => {
  // A short redelivery timeout: every death of an agent costs one ack wait before its batch comes back.
  const ctx = useCluster({ agents: 2, workers: 1, agentArgs: ["--ack-wait", "1500"] });

  /** SIGKILLs the whole agent process from a worker thread when it meets item 13: no pool can catch that. */
  const killer = fn(`(x) => { if (x === 13) process.kill(process.pid, "SIGKILL"); return x * 2; }`, {}, "killer");
  const agentNames = /^agent-\d(, agent-\d)*$/;

  test("is split out of its redelivered batch and named with the nodes it took down; the rest once each", async () => {
    const pidsBefore = (await ctx.backend.status()).nodes.map((n) => n.pid);
    const r = await ctx.backend.run(items(40), killer, { chunk: 10, errors: "collect" });
    assert.deepEqual(
      r.failures.map((f) => f.index),
      [13],
    );
    const f = r.failures[0];
    assert.equal(f.error.name, "AgentCrashError");
    assert.match(f.error.message, /took down the threadlab agent process that ran it \(delivered 3 times/);
    assert.match(f.node!, agentNames);
    assert.equal(r.items, 40, "each item accepted once");
    assert.deepEqual(
      r.results.filter((_, i) => i !== 13),
      items(40)
        .filter((i) => i !== 13)
        .map((x) => x * 2),
    );
    assert.ok(
      ctx.cluster.agents.every((a) => a.process.exitCode === null && a.process.signalCode === null),
      "the agents users started are still up: their supervisors restarted the processes that died",
    );
    const nodes = await waitForAgents(ctx.backend, 2);
    assert.ok(
      nodes.some((n) => !pidsBefore.includes(n.pid)),
      "at least one agent runs in a new process",
    );
    const next = await ctx.backend.run(items(50), fn("(x) => x + 1"));
    assert.deepEqual(
      next.results,
      items(50).map((x) => x + 1),
    );
  });

  test('under errors "raise" the map fails naming the item, that it took the agent down, and the nodes', async () => {
    await waitForAgents(ctx.backend, 2);
    await assert.rejects(ctx.backend.run(items(20), killer, { chunk: 2 }), (e: Error) => {
      assert.equal(e.name, "MapItemError");
      assert.match(
        e.message,
        /^killer: item 13 failed: AgentCrashError: it took down the threadlab agent process that ran it .* \(on nodes? agent-\d(, agent-\d)*\)\n {2}item 13: 13/,
      );
      return true;
    });
    await waitForAgents(ctx.backend, 2);
    const next = await ctx.backend.run(items(10), fn("(x) => x * 3"));
    assert.deepEqual(
      next.results,
      items(10).map((x) => x * 3),
    );
  });
});
