import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { decodeModel, encodeModel, loadModelFile, readFileIntoShared, saveModel } from "../../kernel/share/model-file";
import { isSharedModel, share } from "../../kernel/share";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "threadlab-model-file-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

class Index {
  constructor(
    public ids: Int32Array,
    public scale: number,
  ) {}
  at(i: number) {
    return this.ids[i] * this.scale;
  }
}

describe("the model file format", () => {
  test("round-trips typed arrays, plain data, Maps, Sets and class instances through a file", () => {
    const model = share({
      vectors: new Float32Array([1.5, 2.5, 3.5]),
      big: new BigInt64Array([1n, -2n]),
      view: new DataView(new ArrayBuffer(8)),
      names: new Map([["a", new Uint16Array([7, 8])]]),
      tags: new Set(["x", "y"]),
      index: new Index(new Int32Array([4, 5, 6]), 10),
      when: new Date(0),
      nested: [{ deep: new Uint8Array([9]) }],
    });
    const file = path.join(dir, "m.tlm");
    saveModel(model, file);
    const back = loadModelFile(file) as typeof model;
    assert.ok(isSharedModel(back));
    assert.deepEqual(Array.from(back.vectors), [1.5, 2.5, 3.5]);
    assert.deepEqual(Array.from(back.big), [1n, -2n]);
    assert.equal(back.view.byteLength, 8);
    assert.deepEqual(Array.from(back.names.get("a")!), [7, 8]);
    assert.deepEqual([...back.tags], ["x", "y"]);
    assert.ok(back.index instanceof Object && typeof back.index.at === "function", "the class came back");
    assert.equal(back.index.at(2), 60);
    assert.equal(back.when.getTime(), 0);
    assert.equal(back.nested[0].deep[0], 9);
  });

  test("puts every buffer on a page boundary and makes every array a view of one SharedArrayBuffer", () => {
    const model = share({ a: new Float64Array(1000).fill(2), b: new Int8Array(3).fill(-1) });
    const file = path.join(dir, "aligned.tlm");
    saveModel(model, file);
    const bytes = readFileIntoShared(file);
    const { root } = decodeModel(bytes) as { root: { a: Float64Array; b: Int8Array } };
    assert.equal(root.a.buffer, bytes.buffer);
    assert.equal(root.b.buffer, bytes.buffer);
    assert.equal(
      (root.a.byteOffset - (root.a.byteOffset % 64)) % 4096,
      0,
      "the buffer holding the arrays starts on a page",
    );
    assert.equal(root.a[999], 2);
  });

  test("keeps arrays that shared a buffer sharing it", () => {
    const buf = new ArrayBuffer(16);
    const model = share({ x: new Float32Array(buf, 0, 2), y: new Float32Array(buf, 8, 2) });
    const { root } = decodeModel(toShared(encodeModel(model))) as { root: { x: Float32Array; y: Float32Array } };
    root.x[0] = 42;
    assert.equal(root.x.buffer, root.y.buffer);
    assert.equal(root.y.byteOffset - root.x.byteOffset, 8);
  });

  test("a typed array as the whole model", () => {
    const { root } = decodeModel(toShared(encodeModel(share(new Uint32Array([3, 2, 1]))))) as { root: Uint32Array };
    assert.deepEqual(Array.from(root), [3, 2, 1]);
  });

  test("refuses a file that is not a model, and a truncated one, saying so", () => {
    const other = path.join(dir, "other.bin");
    fs.writeFileSync(other, "hello world, not a model");
    assert.throws(
      () => loadModelFile(other),
      /not a threadlab model file \(no TLMODEL header\); write one with share\.save/,
    );
    const file = path.join(dir, "cut.tlm");
    saveModel(share({ a: new Float64Array(4096) }), file);
    fs.truncateSync(file, fs.statSync(file).size - 100);
    assert.throws(() => loadModelFile(file), /is truncated/);
  });
});

function toShared(e: ReturnType<typeof encodeModel>): Uint8Array {
  const out = new Uint8Array(new SharedArrayBuffer(e.size));
  let at = 0;
  for (const p of e.parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe("share.save and share.load", () => {
  test("write a model and read it back as a shared model that maps like the original", async () => {
    const { share: api } = await import("../../kernel/share");
    const { WorkerPool } = await import("../../kernel/pool");
    const file = path.join(dir, "api.tlm");
    const written = api.save({ w: new Float64Array([0.5, 1.5, 2.5]), name: "weights" }, file);
    assert.equal(written.bytes, fs.statSync(file).size);
    const m = api.load(file) as { w: Float64Array; name: string };
    assert.ok(isSharedModel(m));
    assert.ok(m.w.buffer instanceof SharedArrayBuffer);
    const pool = new WorkerPool({ size: 1 });
    try {
      const out = await pool.map(
        [0, 1, 2],
        { name: "f", code: "(i, m) => m.w[i] * 2 + m.name.length", scope: {}, resolveDir: process.cwd() },
        { model: m },
      );
      assert.deepEqual(out, [8, 10, 12]);
    } finally {
      await pool.close();
    }
  });
});
