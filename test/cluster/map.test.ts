import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { WorkerPool } from "../../kernel/pool";
import { share } from "../../kernel/share";
import {
  ClusterBackend,
  connect,
  fn,
  rssOfPid,
  startCluster,
  waitForAgents,
  type LocalCluster,
  useCluster,
} from "./helpers";

/** kNN top-10 by dot product over a shared matrix: the map the cluster exists for. */
const knn = fn(
  `(u, m) => {
  const { vectors, dim, n } = m;
  const q = vectors.subarray(u * dim, u * dim + dim);
  const best = [];
  for (let j = 0; j < n; j++) {
    if (j === u) continue;
    let s = 0;
    for (let k = 0; k < dim; k++) s += q[k] * vectors[j * dim + k];
    if (best.length < 10 || s > best[best.length - 1][1]) {
      best.push([j, s]);
      best.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      if (best.length > 10) best.pop();
    }
  }
  return best.map((x) => x[0]);
}`,
  {},
  "knn",
);

const busyFn = (ms: number) =>
  fn(`(x) => { const t = Date.now(); while (Date.now() - t < ${ms}) {} return x; }`, {}, "busy");

function embedding(n: number, dim: number): { vectors: Float32Array; dim: number; n: number } {
  const vectors = new Float32Array(n * dim);
  let seed = 7;
  for (let i = 0; i < vectors.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    vectors[i] = seed / 2 ** 32 - 0.5;
  }
  return { vectors, dim, n };
}

describe("a map on a 2-agent cluster", () => {
  let cluster: LocalCluster;
  let backend: ClusterBackend;
  before(async () => {
    cluster = await startCluster({ agents: 2, workers: 1 });
    backend = await connect(cluster);
    await waitForAgents(backend, 2);
  });
  after(async () => {
    await backend?.close();
    await cluster?.stop();
  });

  test("gives the local pool's results for kNN over a shared model, with work on both nodes", async () => {
    const model = share(embedding(2000, 32), { name: "embedding" });
    const users = Array.from({ length: 600 }, (_, i) => i);
    const pool = new WorkerPool({ size: 2 });
    try {
      const local = await pool.map(users, knn, { model });
      const report = await backend.run(users, knn, { model });
      assert.deepEqual(report.results, local);
      const nodes = (await backend.status()).nodes;
      assert.ok(
        nodes.every((n) => n.itemsDone > 0),
        `every node did work: ${nodes.map((n) => `${n.name}=${n.itemsDone}`).join(", ")}`,
      );
    } finally {
      await pool.close();
    }
  });

  test("fetches a model once per node however many maps use it, and holds one copy", async () => {
    const mb = 48;
    const model = share({ data: new Float64Array((mb * 2 ** 20) / 8).fill(1.5), label: "big" });
    const before = (await backend.status()).nodes;
    // The processes that hold the model: each agent's child, not its supervisor.
    const rssBefore = new Map(before.map((n) => [n.name, rssOfPid(n.pid)]));
    const sum = fn("(i, m) => m.data[i] + m.data[m.data.length - 1 - i] + m.label.length", {}, "sum");
    for (let k = 0; k < 3; k++) {
      const out = await backend.run(
        Array.from({ length: 200 }, (_, i) => i),
        sum,
        { model },
      );
      assert.ok(
        out.results.every((x) => x === 6),
        "results read the model",
      );
    }
    const nodes = (await backend.status()).nodes;
    for (const n of nodes) {
      const was = before.find((b) => b.id === n.id)!;
      assert.equal(n.modelFetches - was.modelFetches, 1, `${n.name} fetched the model once`);
      const grew = (rssOfPid(n.pid) - rssBefore.get(n.name)!) / 2 ** 20;
      // One copy, plus the fetch's buffers and the workers' heaps: a second copy would be ≥ 2×.
      assert.ok(grew < mb * 2, `${n.name} holds one copy: RSS grew ${grew.toFixed(1)} MB for a ${mb} MB model`);
    }
  });

  test("a file: model is read by each node from its filesystem, not fetched, and maps like the shared one", async () => {
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "threadlab-file-model-")), "emb.tlm");
    try {
      const model = share(embedding(500, 16));
      share.save(model, file);
      const users = Array.from({ length: 60 }, (_, i) => i);
      const before = (await backend.status()).nodes;
      const fromFile = await backend.run(users, knn, { model: `file:${file}` });
      const pool = new WorkerPool({ size: 1 });
      try {
        assert.deepEqual(fromFile.results, await pool.map(users, knn, { model }));
        assert.deepEqual(
          await pool.map(users, knn, { model: `file:${file}` }),
          fromFile.results,
          "the local pool reads file: models too",
        );
      } finally {
        await pool.close();
      }
      const after = (await backend.status()).nodes;
      for (const n of after)
        assert.equal(
          n.modelFetches,
          before.find((b) => b.id === n.id)!.modelFetches,
          `${n.name} fetched nothing from the Object Store`,
        );
      await assert.rejects(
        backend.run([1], knn, { model: `file:${file}.missing` }),
        /node agent-\d could not run the map: Error: model file:.*missing: cannot read .* \(ENOENT\); the path must be readable on every node/,
      );
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  test("keeps item order, and completion order with unordered", async () => {
    const items = Array.from({ length: 3000 }, (_, i) => i);
    const slowFirst = fn("async (x) => { if (x < 50) await new Promise((r) => setTimeout(r, 30)); return x * 3; }");
    const ordered = await backend.run(items, slowFirst, { chunk: 50 });
    assert.deepEqual(
      ordered.results,
      items.map((x) => x * 3),
    );
    const unordered = await backend.run(items, slowFirst, { chunk: 50, unordered: true });
    assert.deepEqual(
      [...(unordered.results as number[])].sort((a, b) => a - b),
      items.map((x) => x * 3),
    );
    assert.notDeepEqual(unordered.results, ordered.results, "the slow first batch came back last");
  });

  test("maps over typed arrays, ranges and async iterables", async () => {
    const dbl = fn("(x) => x * 2");
    const typed = new Float32Array(5000).map((_, i) => i / 4);
    assert.deepEqual(
      (await backend.run(typed, dbl)).results,
      Array.from(typed, (x) => x * 2),
    );
    const { range } = await import("../../kernel/pool");
    assert.deepEqual(
      (await backend.run(range(0, 1000, 3), dbl)).results,
      Array.from({ length: 334 }, (_, i) => i * 6),
    );
    async function* gen() {
      for (let i = 0; i < 2000; i++) yield { v: i };
    }
    const out = await backend.run(gen(), fn("(o) => o.v + 1"));
    assert.deepEqual(
      out.results,
      Array.from({ length: 2000 }, (_, i) => i + 1),
    );
  });

  test("an async iterable is pulled only a bounded number of batches ahead of the results", async () => {
    let pulled = 0;
    let ahead = 0;
    async function* slowSource() {
      for (let i = 0; i < 600; i++) {
        pulled++;
        yield i;
      }
    }
    // Sampled when progress is reported: both counts are current then.
    const r = await backend.run(slowSource(), busyFn(3), {
      chunk: 10,
      onProgress: (p) => (ahead = Math.max(ahead, pulled - p.done)),
    });
    assert.equal(r.results.length, 600);
    // 2 agents × 1 worker: at most 2 × 2 + 2 = 6 batches of 10 in flight, plus the batch being read.
    assert.ok(ahead <= 7 * 10 + 10, `the input ran ${ahead} items ahead of the results`);
  });

  test("a throwing item fails the map with an error naming the item and its node", async () => {
    const items = Array.from({ length: 500 }, (_, i) => i);
    await assert.rejects(
      backend.run(items, fn("(x) => { if (x === 321) throw new RangeError('bad ' + x); return x; }")),
      (e: Error) => {
        assert.equal(e.name, "MapItemError");
        assert.match(e.message, /item 321 failed: RangeError: bad 321 \(on node agent-[12]\)/);
        return true;
      },
    );
  });

  test("with errors collect, failures carry their item and node, the rest their results", async () => {
    const items = Array.from({ length: 300 }, (_, i) => i);
    const r = await backend.run(items, fn("(x) => { if (x % 100 === 7) throw new Error('no ' + x); return -x; }"), {
      errors: "collect",
    });
    assert.deepEqual(
      r.failures.map((f) => f.index),
      [7, 107, 207],
    );
    for (const f of r.failures) assert.match((f as { node?: string }).node ?? "", /^agent-[12]$/);
    assert.ok(r.results[7] instanceof Error && (r.results[7] as Error).message === "no 7");
    assert.equal(r.results[8], -8);
  });

  test("an item that kills its worker is bisected out and named", async () => {
    const items = Array.from({ length: 64 }, (_, i) => i);
    const r = await backend.run(items, fn("(x) => { if (x === 40) process.exit(3); return x; }"), {
      errors: "collect",
      chunk: 64,
    });
    assert.deepEqual(
      r.failures.map((f) => f.index),
      [40],
    );
    assert.match(r.failures[0].error.message, /item 40 kills the worker/);
    assert.equal(r.results[39], 39);
    assert.equal(r.results[41], 41);
  });

  test("worker console output reaches the caller", async () => {
    const lines: string[] = [];
    await backend.run([1, 2, 3], fn("(x) => { console.log('item', x); return x; }"), {
      onOutput: (_s, t) => lines.push(t),
    });
    const deadline = Date.now() + 2000;
    while (lines.join("").split("\n").filter(Boolean).length < 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(lines.join("").split("\n").filter(Boolean).sort(), ["item 1", "item 2", "item 3"]);
  });

  test("captured values travel with the function", async () => {
    const r = await backend.run(
      [1, 2, 3],
      fn("(x) => x * k + offsets[x]", {
        k: { kind: "value", value: 10 },
        offsets: { kind: "value", value: [0, 100, 200, 300] },
      }),
    );
    assert.deepEqual(r.results, [110, 220, 330]);
  });

  test("progress reports per-node throughput", async () => {
    const seen: { nodes?: { name: string; done: number }[]; done: number }[] = [];
    // ~2 s of work in 40 batches: an agent's pull expires every second, so a node that is between pulls when
    // the map starts still gets batches (with 0.8 s of work one node could finish it alone under load).
    await backend.run(
      Array.from({ length: 400 }, (_, i) => i),
      fn("(x) => { const t = Date.now(); while (Date.now() - t < 5) {} return x; }"),
      {
        chunk: 10,
        onProgress: (p) => seen.push(p as never),
      },
    );
    const last = seen[seen.length - 1];
    assert.equal(last.done, 400);
    assert.equal(
      last.nodes!.reduce((n, x) => n + x.done, 0),
      400,
    );
    assert.equal(last.nodes!.length, 2, "both nodes in the progress");
  });
});

describe("the workers option on a cluster", () => {
  const ctx = useCluster({ agents: 1, workers: 3 });

  /** Each item is ~15 ms of CPU and returns when it ran; the most items running at one moment. */
  const timed = fn("(x) => { const s = Date.now(); while (Date.now() - s < 15) {} return [s, Date.now()]; }");
  function mostAtOnce(spans: [number, number][]): number {
    const edges = spans.flatMap(([s, e]) => [
      [s, 1],
      [e, -1],
    ]);
    // Ends before starts at the same millisecond: back-to-back items on one worker do not overlap.
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let n = 0;
    let most = 0;
    for (const [, d] of edges) most = Math.max(most, (n += d));
    return most;
  }

  for (const workers of [1, 2]) {
    test(`workers: ${workers} runs the map on at most ${workers} of an agent's 3 workers at once`, async () => {
      const r = await ctx.backend.run(
        Array.from({ length: 60 }, (_, i) => i),
        timed,
        { workers, chunk: 3 },
      );
      const most = mostAtOnce(r.results as [number, number][]);
      assert.ok(most <= workers, `at most ${workers} items ran at once, saw ${most}`);
      assert.equal(r.workers, workers, "the report counts the workers the map could use");
    });
  }
});
