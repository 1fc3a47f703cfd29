/**
 * Lanes of a cluster map in the notebook's chunk log, with real agents on a real nats-server: a lane is an
 * agent's (its unique id), labelled by its name, so agents started with the same `--name` do not share lanes.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChunkLog } from "../../kernel/timeline/chunk-log";
import { resolveMapOptions } from "../../kernel/map/options";
import { fn, sleep, useCluster } from "./helpers";

describe("cluster lanes in the chunk log (real agents)", () => {
  const ctx = useCluster({ agents: 2, workers: 1, names: ["twin", "twin"] });

  test("two agents started with the same --name get a lane each, the second labelled apart", async () => {
    const log = new ChunkLog();
    // ~1.5 s of 5 ms items in small batches, so both agents take some.
    const spin = fn("(x) => { const e = Date.now() + 5; while (Date.now() < e); return x; }", {}, "spin");
    const items = Array.from({ length: 300 }, (_, i) => i);
    const r = await ctx.backend.submit({
      items,
      fn: spin,
      options: resolveMapOptions({ name: "spin", chunk: 10 }),
      chunkLog: log,
    }).done;
    assert.equal(r.results.length, 300);
    const byNode = new Map<string, number>();
    for (const c of log.since(0).records) byNode.set(c.node!, (byNode.get(c.node!) ?? 0) + c.items);
    assert.deepEqual([...byNode.keys()].sort(), ["twin", "twin (2)"], `lanes: ${JSON.stringify([...byNode])}`);
    assert.equal(
      [...byNode.values()].reduce((a, b) => a + b, 0),
      300,
      "each item once across the two lanes",
    );
  });

  test("while a slow map runs, each node has a running entry until its batches are answered", async () => {
    const log = new ChunkLog();
    // Batches of one 400 ms item: each node is running one for most of the map's ~1.6 s.
    const slow = fn("(x) => { const e = Date.now() + 400; while (Date.now() < e); return x; }", {}, "slow");
    const job = ctx.backend.submit({
      items: Array.from({ length: 8 }, (_, i) => i),
      fn: slow,
      options: resolveMapOptions({ name: "slow", chunk: 1 }),
      chunkLog: log,
    });
    const seen = new Set<string>();
    let ended = false;
    void job.done.finally(() => (ended = true));
    while (!ended) {
      for (const r of log.running()) {
        assert.equal(r.map, job.id);
        assert.ok(r.t0 <= Date.now() + 1, "started in the past");
        seen.add(r.node);
      }
      await sleep(50);
    }
    await job.done;
    assert.deepEqual([...seen].sort(), ["twin", "twin (2)"], "a running entry for each node");
    assert.deepEqual(log.running(), [], "nothing runs once the map is done");
  });
});
