import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { connect, fn, useCluster } from "./helpers";

const double = fn("(x) => x * 2", {}, "double");
const input = Array.from({ length: 400 }, (_, i) => i);

// Batch sizes come from the shared chunk sizer (kernel/map/chunk-sizer.ts) configured with the backend's own
// tuning: an override given at connect time must bound the batches, not the module's default.
describe("cluster batch sizing on 2 real agents", () => {
  const tuned = useCluster({ agents: 2, workers: 1 }, { tuning: { maxBatchItems: 7 } });

  test("tuning.maxBatchItems bounds every batch of an auto-sized map", async () => {
    const r = await tuned.backend.run(input, double);
    assert.deepEqual(
      r.results,
      input.map((x) => x * 2),
    );
    assert.ok(r.chunkSize >= 1 && r.chunkSize <= 7, `largest batch ${r.chunkSize}, the override is 7`);
  });

  test("without the override, the same map's batches are larger than 7 (the test above can tell)", async () => {
    const plain = await connect(tuned.cluster);
    try {
      const r = await plain.run(input, double);
      assert.deepEqual(
        r.results,
        input.map((x) => x * 2),
      );
      assert.ok(r.chunkSize > 7, `largest batch ${r.chunkSize}`);
    } finally {
      await plain.close();
    }
  });
});
