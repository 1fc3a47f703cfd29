/**
 * The sidebar's Cluster part with a real nats-server and two real agents: the update carries the connected
 * cluster's nodes (workers, CPUs, per-worker utilization, items/s, cached models), is left out while no
 * cluster is connected, and says null once a cluster the panel was sent goes away.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { resolveMapOptions } from "../../kernel/map/options";
import { share } from "../../kernel/share";
import { clusterBackendFor, connectClusterSession, disconnectClusterSession } from "../../kernel/cluster/session";
import { defaultSources } from "../../kernel/sidebar/sources";
import { UpdateBuilder, type ChunkCursor } from "../../kernel/sidebar/update";
import { completeUpdate, UpdateMessageSchema, type Update, type UpdateMessage } from "../../schema/sidebar";
import { fn, sleep, startCluster, type LocalCluster } from "../cluster/helpers";

describe("the sidebar's cluster part, with a real cluster", () => {
  let cluster: LocalCluster;
  let builder: UpdateBuilder;
  const cursor: ChunkCursor = { seq: 0 };
  let seq = 0;
  let held: Update | null = null;

  /** The next update as a panel would receive it (validated by the schema) and the state it then holds. */
  async function next(): Promise<{ sent: UpdateMessage; full: Update }> {
    await sleep(60); // past the builder's 50 ms sharing window
    const sent = UpdateMessageSchema.parse(JSON.parse(JSON.stringify(builder.build(++seq, cursor))));
    held = completeUpdate(sent, held);
    return { sent, full: held! };
  }

  async function until(what: string, ok: (u: Update) => boolean, ms = 20_000): Promise<Update> {
    const end = Date.now() + ms;
    for (;;) {
      const { full } = await next();
      if (ok(full)) return full;
      if (Date.now() > end)
        throw new Error(`${what} not seen within ${ms} ms; last cluster part: ${JSON.stringify(full.cluster)}`);
      await sleep(150);
    }
  }

  before(async () => {
    cluster = await startCluster({ agents: 2, workers: 2 });
    builder = new UpdateBuilder(defaultSources(), () => ({ workers: null, limits: {} }));
  });
  after(async () => {
    builder?.dispose();
    await disconnectClusterSession();
    await cluster?.stop();
  });

  test("no cluster connected: the update has no cluster part", async () => {
    const { sent, full } = await next();
    assert.equal("cluster" in sent, false);
    assert.equal(full.cluster, undefined);
  });

  test("connected: the update lists both nodes with their workers, CPUs and a busy % per worker", async () => {
    await connectClusterSession(cluster.url);
    const u = await until("two nodes", (x) => (x.cluster?.nodes.length ?? 0) === 2);
    const c = u.cluster!;
    assert.match(c.url, /^nats:\/\/threadlab:\*\*\*@127\.0\.0\.1:\d+$/);
    assert.ok(!JSON.stringify(c).includes(cluster.password), "the password is never sent");
    assert.equal(c.connected, true);
    assert.deepEqual(
      c.nodes.map((n) => n.name),
      ["agent-1", "agent-2"],
    );
    for (const n of c.nodes) {
      assert.equal(n.workers, 2);
      assert.ok(n.cpus >= 1);
      assert.equal(n.util.length, 2, "one busy % per worker");
      assert.deepEqual(n.models, []);
      assert.ok(n.rss > 10 * 2 ** 20);
    }
  });

  test("a map with a model: nodes report busy workers, items/s, items done and the cached model", async () => {
    const model = share({ v: new Float64Array(1000).fill(2) }, { name: "weights" });
    // ~20 ms of work per item, so each worker is busy across several heartbeats.
    const f = fn(
      "(x, m) => { const end = Date.now() + 20; let s = 0; while (Date.now() < end) s += m.v[x % 1000]; return s > 0 ? x : -1; }",
    );
    const items = Array.from({ length: 400 }, (_, i) => i);
    const done = clusterBackendFor(true).submit({
      items,
      fn: f,
      options: resolveMapOptions({ name: f.name, model }),
    }).done;
    let maxUtil = 0;
    let maxRate = 0;
    let sawMap = false;
    let finished = false;
    void done.finally(() => (finished = true));
    while (!finished) {
      const c = (await next()).full.cluster!;
      sawMap ||= c.maps === 1;
      for (const n of c.nodes) {
        maxUtil = Math.max(maxUtil, ...n.util);
        maxRate = Math.max(maxRate, n.rate);
      }
      await sleep(100);
    }
    const report = await done;
    assert.deepEqual(report.results, items);
    assert.ok(sawMap, "the running map was counted");
    assert.ok(maxUtil >= 50, `a worker was reported busy (max ${maxUtil}%)`);
    assert.ok(maxRate > 0, "items/s was reported while the map ran");
    const u = await until(
      "items/s and the model on the nodes",
      (x) =>
        x.cluster!.nodes.reduce((s, n) => s + n.items, 0) === items.length &&
        x.cluster!.nodes.some((n) => n.models.length > 0),
    );
    for (const n of u.cluster!.nodes.filter((n) => n.models.length)) {
      assert.equal(n.models[0].name, "weights");
      assert.ok(n.models[0].bytes >= 8000);
    }
  });

  test("disconnected: the panel is told null once, then nothing", async () => {
    assert.ok(held?.cluster, "the panel holds a cluster");
    await disconnectClusterSession();
    const first = await next();
    assert.equal(first.sent.cluster, null);
    assert.equal(first.full.cluster, undefined);
    const second = await next();
    assert.equal("cluster" in second.sent, false);
  });
});
