import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { resolveMapOptions } from "../../kernel/map/options";
import {
  clusterBackendFor,
  clusterStatus,
  connectClusterSession,
  disconnectClusterSession,
  formatClusterStatus,
  resolveClusterUrl,
} from "../../kernel/cluster/session";
import { parallel } from "../../kernel/module/index";
import { fn, startCluster, type LocalCluster } from "./helpers";

describe("the kernel's cluster session", () => {
  let cluster: LocalCluster;
  before(async () => {
    cluster = await startCluster({ agents: 1, workers: 1 });
  });
  after(async () => {
    await disconnectClusterSession();
    await cluster?.stop();
  });

  test("without a URL, a connection or THREADLAB_CLUSTER, says how to name a cluster", () => {
    const saved = process.env.THREADLAB_CLUSTER;
    delete process.env.THREADLAB_CLUSTER;
    try {
      assert.throws(
        () => resolveClusterUrl(true),
        /no cluster to run on: give its URL .*%parallel cluster connect URL, or set THREADLAB_CLUSTER/,
      );
      process.env.THREADLAB_CLUSTER = "nats://a:b@h:1";
      assert.equal(resolveClusterUrl(true), "nats://a:b@h:1");
    } finally {
      if (saved === undefined) delete process.env.THREADLAB_CLUSTER;
      else process.env.THREADLAB_CLUSTER = saved;
    }
  });

  test("status before connecting says none is connected", async () => {
    assert.equal(await clusterStatus(), null);
    assert.match(formatClusterStatus(null), /no cluster connected/);
  });

  test("connect, then status lists the node with its workers, CPUs and models", async () => {
    await connectClusterSession(cluster.url);
    let s = await clusterStatus();
    for (let i = 0; i < 50 && s!.nodes.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      s = await clusterStatus();
    }
    assert.equal(s!.nodes.length, 1);
    const text = formatClusterStatus(s);
    assert.match(text, /^cluster nats:\/\/threadlab:\*\*\*@127\.0\.0\.1:\d+: connected, 1 node, 0 maps running/);
    assert.match(text, /agent-1 \(.+\): 1 workers, \d+ CPUs, idle, 0 items done, RSS \d+ MB, models: none/);
    assert.ok(!text.includes(cluster.password), "the password is never shown");
  });

  test("a map through the session's backend, with the cluster option meaning the connected one", async () => {
    const b = clusterBackendFor(true);
    assert.equal(b.kind, "cluster");
    const f = fn("(x) => x * x");
    const r = await b.submit({ items: [1, 2, 3], fn: f, options: resolveMapOptions({ name: f.name }) }).done;
    assert.deepEqual(r.results, [1, 4, 9]);
  });

  test("parallel.start on the cluster: the same handle, with the agents' results filling in as batches answer", async () => {
    const slow = (x: number) => {
      const end = Date.now() + 5;
      while (Date.now() < end);
      return x + 1;
    };
    const job = parallel.start(
      Array.from({ length: 300 }, (_, i) => i),
      slow,
      { cluster: cluster.url, chunk: 10 },
    );
    assert.equal(job.state, "running");
    const deadline = Date.now() + 20_000;
    while (job.done < 30 && job.state === "running" && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    const seen = job.results.map((v, i) => [v, i] as const).filter(([v]) => v !== undefined);
    assert.ok(seen.length >= 30 && seen.length < 300, `some batches answered, not all: ${seen.length}`);
    for (const [v, i] of seen) assert.equal(v, i + 1);
    const report = await job.report;
    assert.equal(job.state, "done");
    assert.deepEqual(
      report.results,
      Array.from({ length: 300 }, (_, i) => i + 1),
    );
  });

  test("disconnect closes the connection; a bad URL fails before replacing it", async () => {
    assert.throws(() => connectClusterSession("http://x"), /scheme http/);
    assert.equal(await disconnectClusterSession(), true);
    assert.equal(await clusterStatus(), null);
    assert.equal(await disconnectClusterSession(), false);
  });
});
