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

  // A local pool's workers are threads of the kernel's process, an agent is a process of its own: the pid an
  // item sees tells where it ran. Without it, a local run would pass these tests (same results, "2 workers").
  test("--cluster runs the map on the agents, none of it in the kernel's process, with the local map's result", async () => {
    const outputs = await run("%parallel map sq [1, 2, 3, 4] --cluster");
    assert.equal(resultText(outputs), "[ 3, 12, 27, 48 ]");
    await run("%parallel map (x: number) => process.pid [1, 2, 3, 4] --cluster --no-progress --out pids");
    assert.equal(resultText(await run("pids.length")), "4");
    assert.equal(resultText(await run("pids.filter((p: number) => p === process.pid).length")), "0");
    // The agents counted what they ran: 8 items over the two maps.
    const status = (await run("%parallel cluster status")).map((m) => String(m.content.text ?? "")).join("");
    const done = [...status.matchAll(/(\d+) items done/g)].reduce((n, m) => n + Number(m[1]), 0);
    assert.ok(done >= 8, `the agents' items done add up to at least 8: ${status}`);
  });

  test("parallel.map with { cluster } runs on an agent, and its worker output reaches the cell", async () => {
    const outputs = await run(
      "import { parallel } from 'threadlab'\nconst ran = await parallel.map([5], (x: number) => { console.log('on an agent', x); return [x + 1, process.pid] }, { cluster: url, progress: false })\nran[0][0]",
    );
    assert.equal(resultText(outputs), "6");
    assert.match(streamText(outputs), /on an agent 5/);
    assert.equal(resultText(await run("ran[0][1] === process.pid")), "false");
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
