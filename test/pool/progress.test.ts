import assert from "node:assert/strict";
import { after, test } from "node:test";
import { range, renderProgress, renderSummary, WorkerPool } from "../../kernel/pool";
import { fn, sleep } from "./helpers";

test("the progress bar shows count, rate, ETA and busy workers in text and HTML", () => {
  const r = renderProgress(
    { done: 250, total: 1000, failed: 0, rate: 125, etaMs: 6000, busyWorkers: 2, elapsedMs: 2000, finished: false },
    "score<x>",
  );
  assert.match(r["text/plain"], /^score<x> █{8}░{22} 25% 250\/1,000 · 125\/s · ETA 6\.0 s · 2 busy$/);
  assert.match(r["text/html"], /<progress value="25\.0" max="100"/);
  assert.match(r["text/html"], /score&lt;x&gt;/, "names are escaped");
});

test("a streamed input without a total shows a count and no ETA", () => {
  const r = renderProgress({
    done: 12,
    total: null,
    failed: 1,
    rate: 3,
    etaMs: null,
    busyWorkers: 1,
    elapsedMs: 4000,
    finished: false,
  });
  assert.doesNotMatch(r["text/plain"], /ETA|%/);
  assert.match(r["text/plain"], /12 items · 3\.0\/s · 1 busy · 1 failed/);
});

test("the end summary is one line: wall time, items/s, workers, chunk size", () => {
  const r = renderSummary({ name: "score", items: 20_000, wallMs: 2500, workers: 2, chunkSize: 512, failures: [] });
  assert.equal(r["text/plain"], "score: 20,000 items in 2.5 s · 8000/s · 2 workers · chunk 512");
});

const pool = new WorkerPool({ size: 2 });
after(() => pool.close());

// 2 KB, plus the two per-worker figures (CPU and heap, ~25 bytes a worker) that Node 22.19 / 24.6 made possible.
test("the status of 16 busy workers is under 2.4 KB and reads counters without messaging", async () => {
  pool.resize(16);
  await pool.ready();
  const done = pool.map(range(64), fn("(x) => { const e = Date.now() + 100; while (Date.now() < e); return x; }"), {
    chunk: 1,
  });
  await sleep(150);
  const s = pool.status();
  await done;
  assert.equal(s.workers.length, 16);
  assert.ok(JSON.stringify(s).length <= 2048 + 16 * 25, `${JSON.stringify(s).length} bytes`);
  assert.equal(s.maps.length, 1);
  assert.equal(s.maps[0].total, 64);
  assert.ok(s.workers.some((w) => w.state === "busy"));
  assert.ok(s.rssBytes > 0);
  const after = pool.status();
  assert.equal(
    after.workers.reduce((n, w) => n + w.items, 0),
    64,
    "items counted per worker",
  );
  pool.resize(2);
});
