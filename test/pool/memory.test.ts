import assert from "node:assert/strict";
import { test } from "node:test";
import { range, WorkerPool } from "../../kernel/pool";
import { share } from "../../kernel/share";
import { fn, vmRssMB } from "./helpers";

const MB = 200;

/** Every worker reads every page of the model, so a copy would be resident in full. */
const touch = "(w, m) => { let s = 0; for (let i = 0; i < m.v.length; i += 1024) s += m.v[i]; return s; }";

async function rssSlope(workersAt: (pool: WorkerPool, n: number) => Promise<void>): Promise<number> {
  const pool = new WorkerPool({ size: 1 });
  try {
    await workersAt(pool, 1);
    const r1 = vmRssMB();
    pool.resize(3);
    await workersAt(pool, 3);
    const r3 = vmRssMB();
    return (r3 - r1) / 2;
  } finally {
    await pool.close();
  }
}

test("a shared model is resident once: RSS per extra worker is far below the model's size", async () => {
  const v = new Float32Array((MB * 2 ** 20) / 4).fill(1);
  const model = share({ v });
  const sharedSlope = await rssSlope((pool, n) =>
    pool.map(range(n), fn(touch), { model, chunk: 1, workers: n }).then(() => {}),
  );
  // Control: the same array captured by value is cloned into each worker; the method must see that.
  const copied = fn(touch.replace("(w, m)", "(w)").replaceAll("m.v", "V"), {
    V: { kind: "value", value: new Float32Array((MB * 2 ** 20) / 4).fill(1) },
  });
  const copiedSlope = await rssSlope((pool, n) => pool.map(range(n), copied, { chunk: 1, workers: n }).then(() => {}));
  assert.ok(sharedSlope < 30, `shared: +${sharedSlope.toFixed(1)} MB per worker`);
  // The control's slope reads low (part of the first worker's copy is still counted at n = 1 as transient
  // serialization memory), but it is an order of magnitude above the shared one.
  assert.ok(
    copiedSlope > MB / 3 && copiedSlope > 5 * sharedSlope,
    `copied: +${copiedSlope.toFixed(1)} MB per worker (control), shared +${sharedSlope.toFixed(1)}`,
  );
  assert.equal(model.v[0], 1);
});
