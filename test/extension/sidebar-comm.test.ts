/**
 * The kernel side of the sidebar's comm, through a real kernel process and the raw wire client: hello,
 * update streaming at the subscribed rate, controls that the kernel obeys, and fuzzing.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import {
  completeUpdate,
  PROTOCOL_VERSION as V,
  type Ack,
  type ErrorReply,
  type Hello,
  type KernelMessage,
  type Update,
  type UpdateMessage,
} from "../../schema/sidebar";
import { POOL_TUNING } from "../../kernel/pool/options";
import { RawClient, repoRoot, resultText, streamText } from "../kernel/client";

const OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("sidebar comm target `threadlab` (real kernel)", () => {
  let k: RawClient;
  let nextComm = 0;
  let nextReq = 0;

  before(async () => {
    k = await RawClient.start({ cwd: repoRoot }); // beside node_modules, so a cell can require("koffi")
    // The first execution waits for the TypeScript warm-up (seconds of synchronous work) that would
    // otherwise stall the first updates and skew the rate measurements.
    await k.execute("1+1", {}, 30000);
  });
  after(async () => {
    await k.close();
  });

  function received(commId: string): KernelMessage[] {
    return k.iopubMessages
      .filter((m) => m.header.msg_type === "comm_msg" && m.content.comm_id === commId)
      .map((m) => m.content.data as KernelMessage);
  }

  async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs = 8000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = fn();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; kernel log:\n${k.stderr.slice(-2000)}`);
      await sleep(20);
    }
  }

  async function open(): Promise<{ id: string; hello: Hello }> {
    const id = `sidebar-${++nextComm}`;
    await k.send("shell", k.message("comm_open", { comm_id: id, target_name: "threadlab", data: {} }));
    const hello = await waitFor("hello", () => received(id).find((m) => m.type === "hello") as Hello | undefined);
    return { id, hello };
  }

  /** Sends a request and waits for the ack or error that carries its id. */
  async function ask(commId: string, data: Record<string, unknown>): Promise<Ack | ErrorReply> {
    const id = `req-${++nextReq}`;
    await k.send("shell", k.message("comm_msg", { comm_id: commId, data: { v: V, id, ...data } }));
    return waitFor(
      `reply to ${id}`,
      () =>
        received(commId).find((m) => (m.type === "ack" || m.type === "error") && m.id === id) as
          Ack | ErrorReply | undefined,
    );
  }

  const sent = (commId: string) => received(commId).filter((m): m is UpdateMessage => m.type === "update");
  /** Snapshots as the panel holds them: the parts a message left out filled from the previous one. */
  const updates = (commId: string): Update[] => {
    let prev: Update | null = null;
    return sent(commId).map((m) => {
      prev = completeUpdate(m, prev);
      assert.ok(prev, `update ${m.seq} is partial with nothing before it`);
      return prev;
    });
  };

  async function close(commId: string) {
    await k.send("shell", k.message("comm_close", { comm_id: commId, data: {} }));
  }

  test("opening the comm is answered with hello: versions and capabilities", async () => {
    const { id, hello } = await open();
    assert.equal(hello.v, V);
    assert.equal(hello.versions.protocol, V);
    assert.equal(hello.capabilities.timeline, "chunks");
    assert.equal(hello.capabilities.maxWorkers, POOL_TUNING.maxWorkers, "the pool's own ceiling, not a copy");
    assert.match(hello.versions.threadlab, /^\d+\.\d+\.\d+/);
    assert.equal(hello.capabilities.maxRateHz, 10);
    assert.equal(hello.capabilities.defaultRateHz, 4);
    assert.equal(updates(id).length, 0, "no updates before a subscribe");
    await close(id);
  });

  test("updates arrive at about the subscribed rate and stop on unsubscribe", async () => {
    const { id } = await open();
    const ack = await ask(id, { type: "subscribe", rate: 10 });
    assert.equal(ack.type, "ack");
    const start = updates(id).length;
    await sleep(2000);
    const got = updates(id).length - start;
    assert.ok(got >= 12 && got <= 24, `expected ~20 updates in 2 s at 10 Hz, got ${got}`);
    const s = updates(id).at(-1)!;
    assert.ok(s.cpus.n >= 1);
    assert.ok(
      s.threadpools.some((p) => p.api === "libuv" && p.set === false && p.ro),
      "libuv is listed read-only with a reason",
    );
    assert.ok(s.rss > 0);
    for (const m of sent(id))
      assert.ok(Buffer.byteLength(JSON.stringify(m)) < 2048, `update of ${Buffer.byteLength(JSON.stringify(m))} bytes`);
    // The slow part comes whole in the first update, then only when it changes.
    const msgs = sent(id);
    assert.ok(msgs[0].threadpools && msgs[0].cpus && msgs[0].config && msgs[0].over, "the first update is whole");
    const withPools = msgs.filter((m) => m.threadpools !== undefined).length;
    assert.ok(
      withPools <= 1 + Math.ceil(msgs.length / 30),
      `${withPools} of ${msgs.length} updates repeated the unchanged pools`,
    );

    assert.equal((await ask(id, { type: "unsubscribe" })).type, "ack");
    await sleep(150);
    const stopped = updates(id).length;
    await sleep(600);
    assert.equal(updates(id).length, stopped, "updates kept coming after unsubscribe");
    await close(id);
  });

  test("the default rate is 4 Hz, a rate above 10 Hz is clamped, a hidden panel gets nothing", async () => {
    const { id } = await open();
    const def = await ask(id, { type: "subscribe" });
    assert.equal(def.type === "ack" && def.rate, 4);
    const fast = await ask(id, { type: "subscribe", rate: 60 });
    assert.equal(fast.type, "ack");
    if (fast.type === "ack") {
      assert.equal(fast.rate, 10);
      assert.match(fast.detail ?? "", /clamped to 10 Hz/);
    }
    const start = updates(id).length;
    await sleep(1000);
    const got = updates(id).length - start;
    assert.ok(got <= 13, `clamped to 10 Hz but got ${got} in 1 s`);

    assert.equal((await ask(id, { type: "subscribe", rate: 10, visible: false })).type, "ack");
    await sleep(150);
    const hidden = updates(id).length;
    await sleep(500);
    assert.equal(updates(id).length, hidden, "a hidden panel still received updates");
    await close(id);
  });

  test("closing the comm stops the stream", async () => {
    const { id } = await open();
    await ask(id, { type: "subscribe", rate: 10 });
    await waitFor("an update", () => updates(id).length > 0 || undefined);
    await close(id);
    await sleep(200);
    const n = updates(id).length;
    await sleep(600);
    assert.equal(updates(id).length, n, "updates kept coming after comm_close");
  });

  test(
    "set_limit blas=1 is obeyed and shown with source sidebar in the next update",
    { skip: existsSync(OPENBLAS) ? false : `${OPENBLAS} missing (apt-get install libopenblas0-pthread)` },
    async () => {
      const load = await k.execute(
        `const koffi = require("koffi");\nconst blas = koffi.load(${JSON.stringify(OPENBLAS)});\n` +
          `const blasThreads = blas.func("int openblas_get_num_threads()");\nblasThreads()`,
      );
      assert.equal(load.reply.content.status, "ok", JSON.stringify(load.reply.content));
      const { id } = await open();
      await ask(id, { type: "subscribe", rate: 10 });
      await waitFor("a few updates", () => sent(id).length >= 3 || undefined);
      const reply = await ask(id, { type: "set_limit", api: "blas", value: 1 });
      assert.equal(reply.type, "ack", JSON.stringify(reply));
      const after = updates(id).length;
      const s = await waitFor("an update after the limit", () =>
        updates(id)
          .slice(after)
          .find((x) => x.threadpools.some((p) => p.impl === "openblas" && p.n === 1)),
      );
      assert.ok(
        sent(id)
          .slice(after)
          .some((m) => m.threadpools !== undefined),
        "the changed pools were sent again",
      );
      const blas = s.threadpools.find((p) => p.impl === "openblas")!;
      assert.equal(blas.n, 1);
      assert.equal(blas.src, "sidebar");
      assert.deepEqual(s.sidebar.limits, { blas: 1 });
      // One count of backend threads per worker: the tree's per-worker lines, its "backends" and the total.
      assert.equal(s.over.backend.n, Math.max(...s.threadpools.filter((p) => p.per).map((p) => p.per!.n)));
      assert.equal(
        resultText((await k.execute("blasThreads()")).outputs),
        "1",
        "OpenBLAS itself does not report 1 thread",
      );
      const info = await k.execute("%threadpool info");
      assert.match(resultText(info.outputs) ?? "", /openblas\s+1\s/);

      const reset = await ask(id, { type: "reset" });
      assert.equal(reset.type, "ack");
      assert.match((reset as Ack).detail ?? "", /restored 1 sidebar setting/);
      const s2 = await waitFor("an update after reset", () =>
        updates(id)
          .slice(-1)
          .find((x) => Object.keys(x.sidebar.limits).length === 0),
      );
      assert.notEqual(s2.threadpools.find((p) => p.impl === "openblas")!.src, "sidebar");
      await close(id);
    },
  );

  test("set_limit on an unknown pool is an error naming the field", async () => {
    const { id } = await open();
    const r = await ask(id, { type: "set_limit", api: "cuda", value: 2 });
    assert.equal(r.type, "error");
    if (r.type === "error") {
      assert.equal(r.field, "api");
      assert.match(r.message, /No thread pool is called "cuda"/);
    }
    await close(id);
  });

  test("set_workers resizes the %parallel pool: the update and %parallel status show it", async () => {
    const made = await k.execute("%parallel workers 2", {}, 30000);
    assert.equal(
      made.reply.content.status,
      "ok",
      JSON.stringify(made.reply.content) + streamText(made.outputs, "stderr"),
    );
    const { id } = await open();
    await ask(id, { type: "subscribe", rate: 10 });
    const first = await waitFor(
      "an update with the pool",
      () => updates(id).find((s) => s.pool !== null && s.pool.w.length === 2),
      15000,
    );
    assert.equal(first.pool!.size, 2);
    const r = await ask(id, { type: "set_workers", n: 3 });
    assert.equal(r.type, "ack", JSON.stringify(r));
    const grown = await waitFor(
      "3 workers",
      () => updates(id).find((s) => s.pool?.size === 3 && s.pool.w.length === 3),
      15000,
    );
    assert.equal(grown.sidebar.workers, 3);
    assert.equal(grown.config.workers.src, "sidebar");
    assert.match(streamText((await k.execute("%parallel status")).outputs), /^pool: 3 workers/);
    for (const n of [1000, 1e9]) {
      // The pool's ceiling (hello's maxWorkers), checked by the kernel: the schema has no bound of its own.
      const tooMany = await ask(id, { type: "set_workers", n });
      assert.equal(tooMany.type, "error");
      if (tooMany.type === "error") assert.equal(tooMany.field, "n");
      if (tooMany.type === "error")
        assert.match(tooMany.message, new RegExp(`at most ${POOL_TUNING.maxWorkers} workers`));
    }
    // Reset removes the sidebar's setting: the pool goes back to the %parallel workers 2 set before.
    assert.equal((await ask(id, { type: "reset" })).type, "ack");
    await waitFor("size back to 2", () =>
      updates(id)
        .slice(-1)
        .find((s) => s.pool?.size === 2 && s.config.workers.src === "magic"),
    );
    await close(id);
    await k.execute("%parallel shutdown");
  });

  test("the task timeline: every chunk of a map arrives once, on the worker that ran it, in the map's time", async () => {
    assert.equal((await k.execute("%parallel workers 2", {}, 30000)).reply.content.status, "ok");
    const { id } = await open();
    await ask(id, { type: "subscribe", rate: 10 });
    await waitFor("an update with the pool", () => updates(id).find((s) => s.pool?.w.length === 2), 15000);
    const t0 = Date.now();
    // 60 chunks of 5 items of ~8 ms each: ~40 ms chunks, several per update interval on each worker.
    const run = await k.execute(
      `%parallel map (x: number) => { const e = Date.now() + 8; while (Date.now() < e); return x } "Array.from({ length: 300 }, (_, i) => i)" --chunk 5 --no-progress --out spun`,
      {},
      60000,
    );
    assert.equal(run.reply.content.status, "ok", JSON.stringify(run.reply.content) + streamText(run.outputs, "stderr"));
    const t1 = Date.now();
    await sleep(400); // an update or two after the map ended
    const snaps = updates(id);
    const mapId = snaps.flatMap((s) => s.pool?.maps ?? []).find((m) => m.total === 300)?.id;
    assert.ok(mapId, "the map showed up in an update");
    const chunks = snaps.flatMap((s) => s.c.map((c) => ({ t: s.t, c }))).filter(({ c }) => c[1] === mapId);
    const items = chunks.reduce((n, { c }) => n + c[4], 0);
    const count = chunks.reduce((n, { c }) => n + c[5], 0);
    assert.equal(items, 300, "each item counted exactly once across the updates' chunk tuples");
    assert.equal(count, 60, "each of the 60 chunks sent once");
    assert.deepEqual([...new Set(chunks.map(({ c }) => c[0]))].sort(), [0, 1].sort(), "both workers have bars");
    for (const { t, c } of chunks) {
      const start = t - c[2];
      assert.ok(start >= t0 - 50 && start + c[3] <= t1 + 50, `chunk ${JSON.stringify(c)} lies outside the map's run`);
      assert.ok(
        c[3] >= 5 * 8 * c[5] - 2,
        `a bar of ${c[5]} chunk(s) lasted ${c[3]} ms, less than its items' busy time`,
      );
      assert.equal(c[6], 0);
      assert.equal(c[7], 0);
    }
    // A panel opening now gets the last minute's chunks in its first snapshot.
    const late = await open();
    await ask(late.id, { type: "subscribe", rate: 10 });
    const firstLate = await waitFor("the late panel's first update", () => updates(late.id)[0]);
    assert.equal(
      firstLate.c.filter((c) => c[1] === mapId).reduce((n, c) => n + c[4], 0),
      300,
    );
    await close(late.id);
    await close(id);
    await k.execute("%parallel shutdown");
  });

  test("an interrupted map's final figures reach the panel: the count the cell reports, marked cancelled", async () => {
    assert.equal((await k.execute("%parallel workers 2", {}, 30000)).reply.content.status, "ok");
    const { id } = await open();
    await ask(id, { type: "subscribe", rate: 10 });
    // ~1 ms items in chunks of 50: the count moves between updates, so the last running figures are stale.
    const exec = k.message("execute_request", {
      code: `%parallel map (x: number) => { const e = Date.now() + 1; while (Date.now() < e); return x } "Array.from({ length: 200000 }, (_, i) => i)" --chunk 50 --no-progress`,
      silent: false,
    });
    const reply = k.replyTo(exec.header.msg_id, 30000);
    await k.send("shell", exec);
    await waitFor(
      "the map running",
      () =>
        updates(id).find((s) =>
          (s.pool?.maps ?? []).some((m) => m.total === 200000 && m.end === undefined && m.done > 0),
        ),
      20000,
    );
    await k.request("control", "interrupt_request", {});
    const r = await reply;
    assert.equal(r.content.status, "error");
    const said = Number(/after (\d+) items/.exec(String(r.content.evalue))?.[1]);
    assert.ok(said > 0, `the cell's error names the items done: ${r.content.evalue}`);
    const ended = await waitFor("the map's end", () =>
      updates(id)
        .flatMap((s) => s.pool?.maps ?? [])
        .find((m) => m.total === 200000 && m.end !== undefined),
    );
    assert.equal(ended.end, "cancelled");
    assert.equal(ended.done, said, "the panel's final count is the cell's");
    await close(id);
    await k.execute("%parallel shutdown");
  });

  test("fuzz: every malformed or out-of-range message gets an error reply and the kernel lives on", async () => {
    const { id } = await open();
    let deep: unknown = "x";
    for (let i = 0; i < 2000; i++) deep = [deep];
    const junk: unknown[] = [
      null,
      0,
      -1,
      "subscribe",
      true,
      [],
      [1, 2, 3],
      {},
      { v: V },
      { type: "subscribe" },
      { v: 99, type: "subscribe" },
      { v: V, type: "eval", code: "process.exit(1)" },
      { v: V, type: "__proto__" },
      { v: V, type: "constructor" },
      { v: V, type: "subscribe", rate: -4 },
      { v: V, type: "subscribe", rate: 0 },
      { v: V, type: "subscribe", rate: 1e308 },
      { v: V, type: "subscribe", rate: "fast" },
      { v: V, type: "subscribe", rate: null },
      { v: V, type: "subscribe", visible: 1 },
      { v: V, type: "set_workers" },
      { v: V, type: "set_workers", n: 0 },
      { v: V, type: "set_workers", n: -5 },
      { v: V, type: "set_workers", n: 1e300 },
      { v: V, type: "set_workers", n: 1.5 },
      { v: V, type: "set_workers", n: "4" },
      { v: V, type: "set_workers", n: 2000 },
      { v: V, type: "set_limit" },
      { v: V, type: "set_limit", value: 1 },
      { v: V, type: "set_limit", api: "blas" },
      { v: V, type: "set_limit", api: "blas", value: 0 },
      { v: V, type: "set_limit", api: "blas", value: 1e12 },
      { v: V, type: "set_limit", api: "", value: 1 },
      { v: V, type: "set_limit", api: "$(reboot)", value: 1 },
      { v: V, type: "set_limit", api: "nosuchpool", value: 1 },
      { v: V, type: "set_limit", controller: "x".repeat(10000), value: 1 },
      { v: V, type: "set_limit", api: ["blas"], value: 1 },
      { v: V, type: "set_limit", api: "blas", controller: "libgomp", value: 1 },
      { v: V, type: "reset", extra: 1 },
      { v: V, type: "unsubscribe", id: 42 },
      { v: V, type: "unsubscribe", id: "y".repeat(1000) },
      { v: V, type: "subscribe", rate: deep },
      { v: V, type: "subscribe", __proto__: { rate: 1 }, toString: "x" },
      { v: V, type: "set_limit", api: "blas", value: { valueOf: 1 } },
    ];
    for (let i = 0; i < 40; i++) junk.push({ v: V, type: "set_workers", n: -Math.random() * 1e6, [`junk${i}`]: i });
    const before = received(id).filter((m) => m.type === "error").length;
    for (const data of junk) await k.send("shell", k.message("comm_msg", { comm_id: id, data }));
    const errors = await waitFor(
      `${junk.length} error replies`,
      () => {
        const e = received(id)
          .filter((m) => m.type === "error")
          .slice(before) as ErrorReply[];
        return e.length >= junk.length ? e : undefined;
      },
      15000,
    );
    assert.equal(errors.length, junk.length);
    assert.equal(received(id).filter((m) => m.type === "ack").length, 0, "a malformed message was acknowledged");
    for (const e of errors) {
      assert.ok(e.field && e.message && e.accepted, JSON.stringify(e));
      assert.ok(JSON.stringify(e).length < 1000, "an error reply echoed too much");
    }
    const r = await k.execute("1+1");
    assert.equal(resultText(r.outputs), "2");
    assert.equal(k.proc.exitCode, null);
    // The comm still works after the storm.
    assert.equal((await ask(id, { type: "unsubscribe" })).type, "ack");
    await close(id);
  });
});
