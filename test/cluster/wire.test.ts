// The NATS wire format pinned: what a batch and a result carry, field by field, and at which version. A failure
// here means the cluster protocol changed: if that was meant, bump WIRE_VERSION (kernel/cluster/wire.ts) and
// update these pins; if not, the change leaked from elsewhere (the pool's thread messages).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ItemTimeoutError, itemSource, range } from "../../kernel/map";
import { wireItems } from "../../kernel/cluster/pending-batch";
import {
  decode,
  encode,
  wireError,
  WIRE_VERSION,
  type BatchMessage,
  type ResultMessage,
} from "../../kernel/cluster/wire";

function batchOf(items: BatchMessage["items"]): BatchMessage {
  return {
    v: WIRE_VERSION,
    map: "s1-1",
    batch: 3,
    start: 40,
    offset: 2,
    count: 4,
    items,
    fn: "sha256:abc",
    model: null,
    name: "score",
    maxHeapMB: 512,
    workers: 2,
    timeout: 1.5,
  };
}

describe("the NATS wire format", () => {
  test("is version 1", () => {
    assert.equal(WIRE_VERSION, 1);
  });

  test("a batch decodes to exactly the fields it was encoded with", () => {
    const source = itemSource([10, 11, 12, 13, 14, 15]);
    const slice = source.take(6);
    assert.ok(slice && !("then" in slice));
    const b = decode<BatchMessage>(encode(batchOf(wireItems(source, slice))), "batch");
    assert.deepEqual(Object.keys(b).sort(), [
      "batch",
      "count",
      "fn",
      "items",
      "map",
      "maxHeapMB",
      "model",
      "name",
      "offset",
      "start",
      "timeout",
      "v",
      "workers",
    ]);
    assert.deepEqual(b.items, { kind: "array", data: [10, 11, 12, 13, 14, 15] });
    assert.equal(b.v, 1);
  });

  test("items travel as the wire's three kinds, typed arrays over shared memory copied", () => {
    const r = itemSource(range(5, 50, 5));
    assert.deepEqual(wireItems(r, r.take(4) as never), { kind: "range", first: 5, step: 5 });
    const shared = new Float64Array(new SharedArrayBuffer(8 * 4)).fill(2.5);
    const t = itemSource(shared);
    const items = decode<BatchMessage>(encode(batchOf(wireItems(t, t.take(4) as never))), "batch").items;
    assert.equal(items.kind, "typed");
    assert.ok(items.kind === "typed" && items.data instanceof Float64Array);
    assert.deepEqual([...(items.data as Float64Array)], [2.5, 2.5, 2.5, 2.5]);
  });

  test("an item's error carries name, message, stack and the timeout, and nothing else", () => {
    const e = new ItemTimeoutError(7, "7", 2);
    const w = wireError(Object.assign(e, { extra: "not on the wire" }));
    assert.deepEqual(Object.keys(w).sort(), ["message", "name", "stack", "timeoutSeconds"]);
    assert.equal(w.timeoutSeconds, 2);
    assert.deepEqual(wireError("boom"), { name: "Error", message: "boom" });
    const result: ResultMessage = {
      v: WIRE_VERSION,
      map: "s1-1",
      batch: 3,
      node: "a",
      offset: 0,
      count: 1,
      results: [null],
      failures: [{ offset: 0, error: w, preview: "7" }],
      busyMs: 1,
    };
    assert.deepEqual(decode<ResultMessage>(encode(result), "result").failures[0].error, w);
  });

  test("a message of another version is refused, naming both versions", () => {
    assert.throws(
      () => decode(encode({ ...batchOf({ kind: "range", first: 0, step: 1 }), v: 2 }), "batch"),
      /wire version 2, this threadlab speaks 1/,
    );
  });
});
