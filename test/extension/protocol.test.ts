import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  completeUpdate,
  decodeChunk,
  encodeChunk,
  PROTOCOL_VERSION,
  RATE,
  request,
  validateKernelMessage,
  validatePanelMessage,
  type ChunkRecord,
  type Update,
} from "../../schema/sidebar";
import { sampleHello, sampleUpdate } from "./sample-messages";
const V = PROTOCOL_VERSION;

/** For assertion messages: deep junk would overflow JSON.stringify's stack. */
function show(x: unknown): string {
  try {
    return JSON.stringify(x).slice(0, 120);
  } catch {
    return String(x);
  }
}

function rejects(data: unknown, field: string) {
  const r = validatePanelMessage(data);
  assert.equal(r.ok, false, `accepted ${show(data)}`);
  if (!r.ok) {
    assert.equal(r.error.type, "error");
    assert.equal(r.error.field, field, `field for ${show(data)}: ${r.error.message}`);
    assert.ok(r.error.accepted.length > 0, "an error must say what is accepted");
    assert.ok(r.error.message.length > 0);
  }
  return r;
}

describe("sidebar protocol: panel → kernel", () => {
  test("accepts every well-formed request", () => {
    for (const m of [
      { v: V, type: "subscribe" },
      { v: V, type: "subscribe", rate: 4, visible: true, id: "r1" },
      { v: V, type: "subscribe", rate: 50 },
      { v: V, type: "unsubscribe" },
      { v: V, type: "set_workers", n: 3 },
      { v: V, type: "set_limit", api: "blas", value: 1 },
      {
        v: V,
        type: "set_limit",
        controller: "openblas:/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
        value: -1,
      },
      { v: V, type: "reset", id: "x" },
    ]) {
      const r = validatePanelMessage(m);
      assert.ok(r.ok, `${JSON.stringify(m)}: ${!r.ok && r.error.message}`);
    }
  });

  test("request() fills in the version", () => {
    assert.deepEqual(request({ type: "reset" }), { v: PROTOCOL_VERSION, type: "reset" });
  });

  test("a message that is not an object is an error on field data", () => {
    for (const d of [null, 1, "subscribe", [1, 2], true, undefined]) rejects(d, "data");
  });

  test("a missing or wrong version is an error on field v", () => {
    rejects({ type: "subscribe" }, "v");
    rejects({ v: V + 1, type: "subscribe" }, "v");
    rejects({ v: 1, type: "subscribe" }, "v"); // a panel from before the chunk timeline
    rejects({ v: String(V), type: "subscribe" }, "v");
  });

  test("an unknown or missing type is an error naming the accepted types", () => {
    const r = rejects({ v: V, type: "eval", code: "process.exit()" }, "type");
    if (!r.ok) assert.match(r.error.accepted, /subscribe.*set_limit/);
    rejects({ v: V }, "type");
    rejects({ v: V, type: 7 }, "type");
  });

  test("out-of-range and wrongly typed fields name the field", () => {
    rejects({ v: V, type: "subscribe", rate: -1 }, "rate");
    rejects({ v: V, type: "subscribe", rate: 0 }, "rate");
    rejects({ v: V, type: "subscribe", rate: 1e308 }, "rate");
    rejects({ v: V, type: "subscribe", rate: "4" }, "rate");
    rejects({ v: V, type: "subscribe", visible: "yes" }, "visible");
    rejects({ v: V, type: "set_workers" }, "n");
    rejects({ v: V, type: "set_workers", n: 0 }, "n");
    rejects({ v: V, type: "set_workers", n: 2.5 }, "n");
    // Too many workers (1e9) is the pool's to refuse, not the schema's: sidebar-comm.test.ts asks the kernel.
    assert.ok(validatePanelMessage({ v: V, type: "set_workers", n: 1e9 }).ok);
    rejects({ v: V, type: "set_limit", api: "blas" }, "value");
    rejects({ v: V, type: "set_limit", api: "blas", value: 0 }, "value");
    rejects({ v: V, type: "set_limit", api: "blas", value: -2 }, "value");
    rejects({ v: V, type: "set_limit", api: "blas; rm -rf /", value: 1 }, "api");
    rejects({ v: V, type: "set_limit", value: 1 }, "api");
    rejects({ v: V, type: "set_limit", api: "blas", controller: "libgomp", value: 1 }, "controller");
    rejects({ v: V, type: "reset", id: "x".repeat(65) }, "id");
  });

  test("an unknown field is an error naming it (a misspelling must not be ignored)", () => {
    const r = rejects({ v: V, type: "set_limit", api: "blas", vaule: 1, value: 1 }, "vaule");
    if (!r.ok) assert.match(r.error.accepted, /value/);
  });

  test("the request id is echoed in errors when it is readable", () => {
    const r = rejects({ v: V, type: "set_workers", n: -3, id: "pool-size" }, "n");
    if (!r.ok) {
      assert.equal(r.error.id, "pool-size");
      assert.equal(r.error.request, "set_workers");
    }
  });

  test("huge and deeply nested junk is described briefly, not echoed", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    const r = rejects({ v: V, type: "subscribe", rate: deep }, "rate");
    if (!r.ok) assert.ok(r.error.message.length < 200, r.error.message);
    const big = rejects({ v: V, type: "set_limit", api: "x".repeat(100000), value: 1 }, "api");
    if (!big.ok) assert.ok(big.error.message.length < 200);
  });

  test("the rate bounds are what the kernel clamps to", () => {
    assert.equal(RATE.defaultHz, 4);
    assert.equal(RATE.maxHz, 10);
  });
});

describe("sidebar protocol: kernel → panel", () => {
  const update: Update = {
    v: V,
    type: "update",
    seq: 1,
    t: Date.now(),
    cpus: { n: 2, src: "affinity", logical: 2, affinity: 2, cgroup: null, max: null, physical: 1 },
    config: {
      workers: { n: 2, src: "default", d: "effective CPUs (2)" },
      threads: { n: 1, src: "default", d: "1 per worker" },
      backend: { n: 1, src: "default", d: "max(2 // (2 × 1), 1)" },
    },
    threadpools: [
      { id: "libuv", api: "libuv", impl: "libuv", n: 4, scope: "startup", set: false, src: "default", ro: "fixed" },
    ],
    over: { threads: 2, cpus: 2, backend: { n: 1, src: "default", d: "" }, warn: null },
    pool: {
      size: 2,
      queue: 0,
      inflight: 1,
      w: [
        [0, "busy", 100, 10, 1, 1, 40],
        [1, "ready", 0, 0, 0, 0, 0],
      ],
      maps: [{ id: 1, name: "map", done: 10, total: 100, failed: 0, rate: 50 }],
      models: { n: 0, bytes: 0 },
    },
    c: [
      [0, 1, 300, 120, 5, 1, 0, 0],
      [1, 1, 900, 40, 9, 3, 1, 0],
    ],
    rss: 1e8,
    sidebar: { workers: null, limits: {} },
  };

  test("accepts hello, update, ack and error", () => {
    for (const m of [
      update,
      sampleHello({ maxWorkers: 256 }),
      sampleUpdate(),
      { v: V, type: "ack", id: "a", request: "reset" },
      { v: V, type: "error", id: null, request: null, field: "data", message: "m", accepted: "a" },
    ]) {
      const r = validateKernelMessage(m);
      assert.ok(r.ok, `${JSON.stringify(m).slice(0, 80)}: ${!r.ok && r.error.message}`);
    }
  });

  test("a chunk tuple must have its eight fields (a ninth names a node from 1, a tenth is 1: a re-run), and the crash flag is 0 or 1", () => {
    for (const c of [
      [0, 1, 300, 120, 5, 1, 0],
      [0, 1, 300, 120, 5, 1, 0, 2],
      [0, 1, "300", 120, 5, 1, 0, 0],
      [0, 1, 300, 120, 5, 1, 0, 0, 0],
      [0, 1, 300, 120, 5, 1, 0, 0, 1, 0],
      [0, 1, 300, 120, 5, 1, 0, 0, 1, 1, 1],
    ]) {
      const r = validateKernelMessage({ ...update, c: [c] });
      assert.equal(r.ok, false, JSON.stringify(c));
      if (!r.ok) assert.match(r.error.field, /^c\.0/);
    }
  });

  test("chunk records round-trip through tuples and the legend: local lanes, cluster lanes by node", () => {
    const t = 1_700_000_000_000;
    const records: ChunkRecord[] = [
      { slot: 0, map: 3, t0: t - 900, t1: t - 850, items: 40, chunks: 1, failed: 0, crashed: false },
      { slot: 1, map: 2, t0: t - 700, t1: t - 600, items: 12, chunks: 3, failed: 1, crashed: false, node: "gpu-box" },
      { slot: 0, map: 2, t0: t - 300, t1: t - 250, items: 0, chunks: 1, failed: 0, crashed: true, node: "agent-1" },
    ];
    const nodes = ["gpu-box", "agent-1"];
    const c = records.map((r) => encodeChunk(r, t, r.node ? nodes.indexOf(r.node) + 1 : 0));
    const m = { ...update, t, c, legend: { nodes, maps: [[2, "score"]] } };
    const r = validateKernelMessage(JSON.parse(JSON.stringify(m)));
    assert.ok(r.ok, !r.ok ? r.error.message : "");
    const u = r.message as Update;
    assert.deepEqual(
      u.c.map((x) => decodeChunk(x, u.t, u.legend?.nodes)),
      records,
    );
    assert.deepEqual(u.legend, { nodes, maps: [[2, "score"]] });
    // A node number the legend lacks still decodes to a cluster lane, never a local one.
    assert.equal(decodeChunk([0, 1, 5, 5, 1, 1, 0, 0, 9], t, nodes).node, "node 9");
  });

  test("an update without its slow parts is valid, and is completed from the previous one only", () => {
    const { cpus, config, threadpools, over, ...partial } = update;
    assert.ok(validateKernelMessage(partial).ok);
    assert.equal(completeUpdate(partial, null), null);
    const next = { ...partial, seq: 2, rss: 2e8 };
    assert.deepEqual(completeUpdate(next, update), { ...next, cpus, config, threadpools, over });
    const newPools = { ...next, threadpools: [] };
    assert.deepEqual(completeUpdate(newPools, update)!.threadpools, []);
  });

  test("extra fields from a newer kernel are tolerated", () => {
    assert.ok(validateKernelMessage({ ...update, gpu: { n: 1 } }).ok);
  });

  test("a malformed update names the path of the bad field", () => {
    const r = validateKernelMessage({ ...update, pool: { ...update.pool, w: [[0, "dancing", 1, 1, 1, 1, 0]] } });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error.field, /^pool\.w\.0\.1$/);
  });

  test("a kernel speaking another protocol version is reported as such", () => {
    const r = validateKernelMessage({ ...update, v: 1 });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error.message, new RegExp(`protocol 1.*speaks ${V}`));
  });
});
