import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ItemTimeoutError, MapItemError } from "../../kernel/map";
import { fn, sleep, useCluster } from "./helpers";

/** Each result carries the agent worker's thread id: tells whether the worker that ran the item was replaced. */
const wt = { wt: { kind: "module" as const, specifier: "node:worker_threads" } };
const spinAt3 = fn("(x) => { if (x === 3) while (true) {} return [x * 2, wt.threadId]; }", wt, "spin");
const sleepAt2 = fn(
  "async (x) => { if (x === 2) await new Promise((r) => setTimeout(r, 1e6)); return [x * 2, wt.threadId]; }",
  wt,
  "nap",
);
const threadOf = fn("(x) => wt.threadId", wt, "thread");

// The timeout is enforced by each agent's own pool (the policy is kernel/map/timeout.ts's, for both backends):
// one agent with one worker, so the map can only go on if that worker is terminated and replaced.
describe("per-item timeout on a real agent", () => {
  const c = useCluster({ agents: 1, workers: 1, names: ["solo"] });

  async function workersBackToOne(): Promise<void> {
    const end = Date.now() + 5000;
    for (;;) {
      const [node] = (await c.backend.status()).nodes;
      if (node.workers === 1 && node.util?.length === 1) return;
      if (Date.now() > end) assert.fail(`the agent did not get back to 1 worker: ${JSON.stringify(node)}`);
      await sleep(100);
    }
  }

  test("a spinning item with collect: the other results in order, the item's failure names it and the limit", async () => {
    const before = (await c.backend.run([0], threadOf)).results[0];
    // Batches of 2: item 3 is the second of its batch, so its index must be rebuilt for the whole map.
    const r = await c.backend.run(
      Array.from({ length: 8 }, (_, i) => i),
      spinAt3,
      { timeout: 0.4, errors: "collect", chunk: 2 },
    );
    assert.deepEqual(
      r.failures.map((f) => [f.index, f.node]),
      [[3, "solo"]],
    );
    const e = r.results[3];
    assert.ok(e instanceof ItemTimeoutError, String(e));
    assert.equal(e.index, 3);
    assert.match(e.message, /^item 3 ran past the timeout of 0\.4 s/);
    assert.deepEqual(
      r.results.filter((_, i) => i !== 3).map((v) => (v as [number])[0]),
      [0, 2, 4, 8, 10, 12, 14],
    );
    const after = (await c.backend.run([0], threadOf)).results[0];
    assert.notEqual(after, before, "the agent's worker that spun was replaced");
    await workersBackToOne();
  });

  test("a sleeping item in raise mode: the map fails naming the item, the limit and the node", async () => {
    const t0 = performance.now();
    await assert.rejects(c.backend.run([0, 1, 2, 3, 4], sleepAt2, { timeout: 0.4, chunk: 1 }), (e: unknown) => {
      assert.ok(e instanceof MapItemError, String(e));
      assert.equal(e.index, 2);
      assert.ok(e.cause instanceof ItemTimeoutError);
      assert.match(
        e.message,
        /^nap: item 2 failed: ItemTimeoutError: item 2 ran past the timeout of 0\.4 s.* \(on node solo\)/,
      );
      return true;
    });
    assert.ok(performance.now() - t0 < 10_000, "ended at the timeout, not the item's 1e6 ms");
    await workersBackToOne();
    assert.deepEqual(
      (await c.backend.run([1, 3, 4], sleepAt2, { timeout: 5 })).results.map((v) => (v as [number])[0]),
      [2, 6, 8],
    );
  });

  test("a sleeping item with collect: the rest of the map completes on the agent", async () => {
    const r = await c.backend.run([0, 1, 2, 3, 4, 5], sleepAt2, { timeout: 0.4, errors: "collect" });
    assert.deepEqual(
      r.results.map((v, i) => (i === 2 ? (v as Error).name : (v as [number])[0])),
      [0, 2, "ItemTimeoutError", 6, 8, 10],
    );
    assert.deepEqual(
      r.failures.map((f) => f.index),
      [2],
    );
  });
});
