/**
 * The task timeline of a cluster map, end to end: a real nats-server and two real agents (2 workers each), a real
 * kernel running `%parallel map … --cluster`, and the sidebar's comm. The agents report each batch's chunks
 * with its result; the panel receives them on lanes (node, worker) with item counts that add up to the map's.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  completeUpdate,
  decodeChunk,
  PROTOCOL_VERSION as V,
  type ChunkRecord,
  type KernelMessage,
  type Update,
  type UpdateMessage,
} from "../../schema/sidebar";
import { RawClient, repoRoot, streamText } from "../kernel/client";
import { sleep, startCluster, type LocalCluster } from "./helpers";

describe("the task timeline of a cluster map (real kernel, nats-server and agents)", () => {
  let cluster: LocalCluster;
  let k: RawClient;

  before(async () => {
    cluster = await startCluster({ agents: 2, workers: 2 });
    k = await RawClient.start({ cwd: repoRoot });
    await k.execute("1+1", {}, 30000);
  });
  after(async () => {
    await k?.close();
    await cluster?.stop();
  });

  const received = (commId: string): KernelMessage[] =>
    k.iopubMessages
      .filter((m) => m.header.msg_type === "comm_msg" && m.content.comm_id === commId)
      .map((m) => m.content.data as KernelMessage);

  /** Updates as the panel holds them. */
  const updates = (commId: string): Update[] => {
    let prev: Update | null = null;
    return received(commId)
      .filter((m): m is UpdateMessage => m.type === "update")
      .map((m) => (prev = completeUpdate(m, prev)!));
  };

  async function waitFor<T>(what: string, fn: () => T | undefined, ms = 20_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = fn();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; kernel log:\n${k.stderr.slice(-2000)}`);
      await sleep(50);
    }
  }

  test("the sidebar receives every node's workers' chunks, and their items add up to the map's", async () => {
    const connect = await k.execute(`%parallel cluster connect ${cluster.url}`, {}, 30000);
    assert.equal(connect.reply.content.status, "ok", streamText(connect.outputs, "stderr"));
    const commId = "timeline-1";
    await k.send("shell", k.message("comm_open", { comm_id: commId, target_name: "threadlab", data: {} }));
    await waitFor("hello", () => received(commId).find((m) => m.type === "hello"));
    await k.send("shell", k.message("comm_msg", { comm_id: commId, data: { v: V, type: "subscribe", rate: 10 } }));
    await waitFor("both nodes", () => updates(commId).find((u) => u.cluster?.nodes.length === 2));

    // ~3 s of work in 480 items of ~6 ms, so both nodes' workers get batches while it runs.
    const t0 = Date.now();
    const run = await k.execute(
      `const spin = (x: number) => { const e = Date.now() + 6; while (Date.now() < e); return x };\n` +
        `%parallel map spin "Array.from({ length: 480 }, (_, i) => i)" --cluster --no-progress --out spun`,
      {},
      120_000,
    );
    assert.equal(run.reply.content.status, "ok", JSON.stringify(run.reply.content) + streamText(run.outputs, "stderr"));
    const t1 = Date.now();
    await sleep(600); // the last batch's chunks reach an update

    const all = updates(commId);
    assert.ok(
      all.every((u) => u.pool === null),
      "no local pool was started: the chunks came without one",
    );
    const chunks: ChunkRecord[] = all.flatMap((u) =>
      u.c.map((c) => decodeChunk(c, u.t, u.legend?.nodes)).filter((r) => r.node !== undefined),
    );
    const named = all.flatMap((u) => u.legend?.maps ?? []);
    assert.ok(
      named.some(([, name]) => name === "spin"),
      `the legend names the map (${JSON.stringify(named)})`,
    );
    const mapId = named.find(([, name]) => name === "spin")![0];
    const ofMap = chunks.filter((r) => r.map === mapId);
    assert.equal(
      ofMap.reduce((n, r) => n + r.items, 0),
      480,
      "each item counted once across the updates' chunk tuples",
    );
    const lanes = new Map<string, number>();
    for (const r of ofMap) lanes.set(`${r.node}/${r.slot}`, (lanes.get(`${r.node}/${r.slot}`) ?? 0) + r.items);
    assert.deepEqual(
      [...lanes.keys()].sort(),
      ["agent-1/0", "agent-1/1", "agent-2/0", "agent-2/1"],
      `a lane for every node's workers (items per lane: ${JSON.stringify([...lanes])})`,
    );
    const runningOn = new Set(
      all.flatMap((u) => (u.r ?? []).filter(([, map]) => map === mapId).map(([n]) => u.legend!.nodes[n - 1])),
    );
    assert.deepEqual([...runningOn].sort(), ["agent-1", "agent-2"], "while it ran, each node had a running bar");
    assert.equal(all.at(-1)!.r, undefined, "none once the map is done");
    for (const r of ofMap) {
      // On the kernel's clock: inside the map's run (give or take the one-way latency and rounding).
      assert.ok(r.t0 >= t0 - 50 && r.t1 <= t1 + 50, `chunk ${JSON.stringify(r)} lies outside the map's run`);
      assert.ok(r.t1 - r.t0 >= 6 * r.items - 5 * r.chunks, `a bar of ${r.items} items lasted ${r.t1 - r.t0} ms`);
      assert.equal(r.failed, 0);
      assert.equal(r.crashed, false);
    }
    for (const m of received(commId).filter((m) => m.type === "update"))
      assert.ok(Buffer.byteLength(JSON.stringify(m)) < 4096, `an update of ${Buffer.byteLength(JSON.stringify(m))} B`);
    await k.send("shell", k.message("comm_close", { comm_id: commId, data: {} }));
    await k.execute("%parallel cluster disconnect", {}, 30000);
  });
});
