import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { RawClient, resultText, streamText } from "../kernel/client";
import { startCluster, type LocalCluster } from "./helpers";

/** `--cluster` and `%parallel cluster` through the real kernel and a raw Jupyter client. */
describe("%parallel on a cluster, in a notebook", () => {
  let cluster: LocalCluster;
  let k: RawClient;
  before(async () => {
    cluster = await startCluster({ agents: 2, workers: 1 });
    k = await RawClient.start();
    const setup = await k.execute(
      `const k = 3\nfunction sq(x: number) { return x * x * k }\nconst url = ${JSON.stringify(cluster.url)}`,
    );
    assert.equal(setup.reply.content.status, "ok");
  });
  after(async () => {
    await k?.close();
    await cluster?.stop();
  });

  const run = async (code: string) => {
    const r = await k.execute(code, {}, 60000);
    assert.equal(r.reply.content.status, "ok", JSON.stringify(r.reply.content));
    return r.outputs;
  };

  test("connect lists the nodes without showing the password", async () => {
    const text = streamText(await run(`%parallel cluster connect ${cluster.url}`));
    assert.match(text, /connected, 2 nodes/);
    assert.match(text, /agent-1 \(.+\): 1 workers/);
    assert.match(text, /agent-2 \(.+\): 1 workers/);
    assert.ok(!text.includes(cluster.password));
  });

  test("--cluster runs the map on the agents with the local map's result, progress naming the nodes", async () => {
    const outputs = await run("%parallel map sq [1, 2, 3, 4] --cluster");
    assert.equal(resultText(outputs), "[ 3, 12, 27, 48 ]");
    const bars = outputs
      .filter((m) => m.header.msg_type.endsWith("display_data"))
      .map((m) => (m.content.data as Record<string, string>)["text/plain"]);
    assert.ok(
      bars.some((t) => /agent-\d/.test(t) || /2 workers/.test(t)),
      `progress or summary names the cluster's nodes/workers: ${bars.join(" | ")}`,
    );
    assert.match(
      (await run("%parallel cluster status")).map((m) => String(m.content.text ?? "")).join(""),
      /items done/,
    );
  });

  test("parallel.map with { cluster } and worker output in the cell", async () => {
    const outputs = await run(
      "import { parallel } from 'threadlab'\nawait parallel.map([5], (x: number) => { console.log('on an agent', x); return x + 1 }, { cluster: url, progress: false })",
    );
    assert.equal(resultText(outputs), "[ 6 ]");
    assert.match(streamText(outputs), /on an agent 5/);
  });

  test("a failing item's error names the item and the node", async () => {
    const r = await k.execute(
      "%parallel map (x: number) => { if (x === 2) throw new Error('two'); return x } [1, 2, 3] --cluster --no-progress",
      {},
      60000,
    );
    assert.equal(r.reply.content.status, "error");
    assert.match(String(r.reply.content.evalue), /item 1 failed: Error: two \(on node agent-\d\)/);
  });

  test("disconnect, then a bare --cluster says how to name a cluster", async () => {
    assert.match(streamText(await run("%parallel cluster disconnect")), /disconnected from the cluster/);
    const r = await k.execute("%parallel map sq [1] --cluster", {}, 60000);
    assert.equal(r.reply.content.status, "error");
    assert.match(String(r.reply.content.evalue), /no cluster to run on/);
  });
});
