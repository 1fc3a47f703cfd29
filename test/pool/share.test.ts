import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { MapOptionError, WorkerPool } from "../../kernel/pool";
import { isSharedModel, modelRegistry, share } from "../../kernel/share";
import { MODEL_BRAND } from "../../kernel/ship/types";
import { fn } from "./helpers";

const pool = new WorkerPool({ size: 2 });
after(() => pool.close());

describe("share()", () => {
  test("moves every typed array of the graph into shared memory, in place", () => {
    const model = {
      dim: 2,
      vectors: new Float32Array([1, 2, 3, 4]),
      nested: { ids: new Int32Array([7, 8]), list: [new Uint8Array([9])] },
    };
    const same = share(model);
    assert.equal(same, model);
    for (const ta of [model.vectors, model.nested.ids, model.nested.list[0]])
      assert.ok(ta.buffer instanceof SharedArrayBuffer);
    assert.deepEqual(Array.from(model.vectors), [1, 2, 3, 4]);
    assert.deepEqual(Array.from(model.nested.ids), [7, 8]);
  });

  test("keeps views of one buffer aliased, aligned to their element size", () => {
    const buf = new ArrayBuffer(64);
    const bytes = new Uint8Array(buf, 3, 5);
    const doubles = new Float64Array(buf, 8, 4);
    doubles[0] = 1.5;
    const m = share({ bytes, doubles, other: new Float64Array([2.5]) });
    assert.equal(m.bytes.buffer, m.doubles.buffer);
    assert.equal(m.doubles.byteOffset % 8, 0);
    assert.equal(m.other.byteOffset % 64, 0, "separate buffers start on a cache line");
    m.doubles[1] = 42;
    assert.equal(new Float64Array(m.bytes.buffer, m.doubles.byteOffset, 2)[1], 42);
  });

  test("brands the root with a model id and records its bytes", () => {
    const m = share({ v: new Float64Array(1000) }, { name: "thousand" });
    const id = (m as unknown as Record<symbol, { id: string }>)[MODEL_BRAND].id;
    assert.ok(isSharedModel(m));
    const info = modelRegistry.list().find((x) => x.id === id)!;
    assert.equal(info.name, "thousand");
    assert.ok(info.bytes >= 8000 && info.bytes < 8000 + 128, `${info.bytes} bytes`);
  });

  test("refuses functions in the graph, naming where", () => {
    assert.throws(() => share({ a: { score: () => 1 } }), /model\.a\.score is a function/);
    // The same path words as a shipped value's errors (ship/value-walk.ts describePath).
    assert.throws(
      () =>
        share({
          byName: new Map<string, unknown>([
            ["x", 1],
            ["y", { f: () => 1 }],
          ]),
        }),
      /share\(\): model\.byName\.get\(<key 1>\)\.f is a function/,
    );
  });

  test("readFile reads straight into shared memory", () => {
    const file = path.join(os.tmpdir(), `threadlab-share-${process.pid}.bin`);
    const data = new Float32Array([0.5, 1.5, 2.5, 3.5]);
    fs.writeFileSync(file, data);
    try {
      const read = share.readFile(file, Float32Array);
      assert.ok(read.buffer instanceof SharedArrayBuffer);
      assert.deepEqual(Array.from(read), Array.from(data));
      fs.writeFileSync(file, new Uint8Array(6));
      assert.throws(() => share.readFile(file, Float32Array), /has 6 bytes, not a multiple of 4/);
    } finally {
      fs.rmSync(file);
    }
  });
});

describe("models in workers", () => {
  test("workers see writes made before sharing", async () => {
    const v = new Float32Array(1000);
    for (let i = 0; i < v.length; i++) v[i] = i * 0.5;
    const model = share({ v });
    assert.deepEqual(await pool.map([0, 10, 999], fn("(i, m) => m.v[i]"), { model }), [0, 5, 499.5]);
  });

  test("typed arrays are the same memory in every worker", async () => {
    const model = share({ counts: new Int32Array(new SharedArrayBuffer(4)), label: "c" });
    await pool.map(
      Array.from({ length: 1000 }, (_, i) => i),
      fn("(i, m) => Atomics.add(m.counts, 0, 1)"),
      { model, chunk: 10 },
    );
    assert.equal(model.counts[0], 1000);
  });

  test("errors of every built-in kind travel in a model as themselves (structured clone rebuilds them)", async () => {
    const model = share({ known: [new RangeError("too far"), new TypeError("wrong")] });
    assert.deepEqual(
      await pool.map(
        [0, 1],
        fn("(i, m) => `${m.known[i] instanceof Error} ${m.known[i].name}: ${m.known[i].message}`"),
        {
          model,
        },
      ),
      ["true RangeError: too far", "true TypeError: wrong"],
    );
  });

  test("a plain object given as model is shared automatically", async () => {
    const model = { weights: new Float64Array([1, 2, 3]) };
    const out = await pool.map([0, 1, 2], fn("(i, m) => m.weights[i] * 2"), { model });
    assert.deepEqual(out, [2, 4, 6]);
    assert.ok(isSharedModel(model));
    assert.ok(model.weights.buffer instanceof SharedArrayBuffer);
  });

  test("class instances get their prototype back, base classes included", async () => {
    class Base {
      constructor(readonly scale: number) {}
      scaled(x: number) {
        return x * this.scale;
      }
    }
    class Table extends Base {
      constructor(
        readonly rows: Float32Array,
        scale: number,
      ) {
        super(scale);
      }
      row(i: number) {
        return this.scaled(this.rows[i]);
      }
    }
    const model = share({ table: new Table(new Float32Array([1, 2, 3]), 10) });
    assert.deepEqual(
      await pool.map([0, 1, 2], fn("(i, m) => [m.table instanceof Object, m.table.row(i)]"), { model }),
      [
        [true, 10],
        [true, 20],
        [true, 30],
      ],
    );
  });

  test("instances inside Maps (keys and values) and Sets get their prototype back; a view held twice is shared twice", async () => {
    class Tag {
      constructor(readonly name: string) {}
      label() {
        return `<${this.name}>`;
      }
    }
    const v = new Float64Array([7, 8]);
    const model = share({ byKey: new Map([[new Tag("k"), new Tag("v")]]), set: new Set([new Tag("s")]), a: v, b: v });
    assert.ok(
      model.a.buffer instanceof SharedArrayBuffer && model.a === model.b,
      "both references point at the shared copy",
    );
    const out = await pool.map(
      [0],
      fn(
        "(i, m) => [[...m.byKey.keys()][0].label(), [...m.byKey.values()][0].label(), [...m.set][0].label(), m.a === m.b, m.b[1]]",
      ),
      { model },
    );
    assert.deepEqual(out, [["<k>", "<v>", "<s>", true, 8]]);
  });

  test("a model referenced from the function's scope travels by handle", async () => {
    const m = share({ offset: 100, v: new Int32Array([1, 2]) });
    const id = (m as unknown as Record<symbol, { id: string }>)[MODEL_BRAND].id;
    const out = await pool.map([0, 1], fn("(i) => M.offset + M.v[i]", { M: { kind: "model", id } }));
    assert.deepEqual(out, [101, 102]);
  });

  test("preload puts a model into every worker", async () => {
    const m = share({ v: new Float64Array(10) });
    await pool.preload(m);
    assert.deepEqual(await pool.map([1], fn("(i, m) => m.v.length"), { model: m }), [10]);
  });

  test("a model that is not an object is refused by the one check, the same way for a map and for preload", async () => {
    const isModelError = (e: unknown) =>
      e instanceof MapOptionError && e.option === "model" && /"file:PATH"/.test(e.message) && /42/.test(e.message);
    assert.throws(() => pool.submit([1], fn("(i) => i"), { model: 42 as unknown as object }), isModelError);
    await assert.rejects(pool.preload(42 as unknown as object), isModelError);
    // The pool goes on.
    assert.deepEqual(await pool.map([1, 2], fn("(i) => i * 2")), [2, 4]);
  });
});
