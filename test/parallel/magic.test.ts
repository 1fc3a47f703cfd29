import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Message } from "../../kernel/protocol/messages";
import { RawClient, resultText, streamText } from "../kernel/client";
import { kernelForSuite } from "../kernel/suite-kernel";

/** %parallel through the real kernel and a raw Jupyter client: what a notebook user sees. */
describe("%parallel in a notebook", () => {
  let k: RawClient;
  kernelForSuite(async (client) => {
    k = client;
    const setup = await k.execute(
      "const k = 3\nfunction sq(x: number) { return x * x * k }\nclass Scaler { constructor(public f: number) {} apply(x: number) { return x * this.f } }",
    );
    assert.equal(setup.reply.content.status, "ok");
  });

  const value = async (code: string) => {
    const { reply, outputs } = await k.execute(code, {}, 60000);
    assert.equal(reply.content.status, "ok", JSON.stringify(reply.content));
    return resultText(outputs);
  };

  test("%parallel map equals the serial map, with free variables and functions shipped", async () => {
    assert.equal(await value("%parallel map sq [1, 2, 3, 4] --no-progress"), "[ 3, 12, 27, 48 ]");
    assert.equal(await value("[1, 2, 3, 4].map(sq)"), "[ 3, 12, 27, 48 ]");
  });

  test("%%parallel map: the cell body is the function, its last expression the result", async () => {
    assert.equal(
      await value("%%parallel map [1, 2, 3] --no-progress\nconst s = new Scaler(10)\ns.apply(sq(item)) + index"),
      "[ 30, 121, 272 ]",
    );
  });

  test("expressions with spaces need no quotes; --out binds a typed notebook variable", async () => {
    await value("import { parallel } from 'threadlab'");
    await value("%parallel map (x: number) => x + 1 parallel.range(0, 10000) --out plusOne --no-progress");
    assert.equal(await value("plusOne.length + plusOne[9999]"), "20000");
  });

  test("a shared model is read by every worker; parallel.map works from code", async () => {
    const r = await value(
      "import { share } from 'threadlab'\nconst model = share({ v: new Float32Array([1, 2, 3, 4]) })\n" +
        "await parallel.map([0, 1, 2, 3], (i: number, m: typeof model) => m.v[i] * k, { model, progress: false })",
    );
    assert.equal(r, "[ 3, 6, 9, 12 ]");
    assert.match(streamText((await k.execute("%parallel models")).outputs), /m\d+ .*MiB/);
  });

  test("the progress bar is a display updated in place, ending with a summary", async () => {
    const { outputs } = await k.execute(
      "%parallel map async (x: number) => { await new Promise((r) => setTimeout(r, 2)); return x } parallel.range(0, 400)",
      {},
      60000,
    );
    const displays = outputs.filter((m) => m.header.msg_type.endsWith("display_data"));
    assert.ok(displays.length >= 2, `expected a bar and its updates, got ${displays.length}`);
    assert.equal(displays[0].header.msg_type, "display_data");
    const ids = new Set(displays.map((m) => (m.content.transient as { display_id: string }).display_id));
    assert.equal(ids.size, 1);
    const last = displays[displays.length - 1].content.data as Record<string, string>;
    assert.match(last["text/plain"], /400/);
    assert.ok("text/html" in last);
  });

  test("a failing item stops the map with an error naming the item; --errors collect keeps going", async () => {
    const fn = "(x: number) => { if (x === 3) throw new Error('bad ' + x); return x }";
    const { reply } = await k.execute(`%parallel map ${fn} [1, 2, 3, 4] --no-progress`);
    assert.equal(reply.content.status, "error");
    assert.match(String(reply.content.evalue), /item 2\b[\s\S]*bad 3/);
    // The function was typed in the magic's own line.
    const tb = (reply.content.traceback as string[]).join("\n");
    assert.match(tb, new RegExp(`at fn \\(Cell In\\[${reply.content.execution_count}\\], line 1\\)`), tb);
    const { reply: r2, outputs } = await k.execute(`%parallel map ${fn} [1, 2, 3, 4] --errors collect --no-progress`);
    assert.equal(r2.content.status, "ok");
    assert.match(resultText(outputs)!, /^\[\s*1,\s*2,\s*Error: bad 3[\s\S]*4\s*\]$/);
    assert.match(streamText(outputs, "stderr"), /1 of 4 items failed/);
  });

  test("an error in a %%parallel cell body names the cell line it came from", async () => {
    const { reply } = await k.execute(
      "%%parallel map [1, 2, 3] --no-progress\nconst y = item * 2\nif (y === 4) throw new Error('four')\ny",
    );
    assert.equal(reply.content.status, "error");
    assert.match(String(reply.content.evalue), /item 1 failed: Error: four/);
    const n = reply.content.execution_count;
    assert.ok(
      (reply.content.traceback as string[]).some((l) => l.includes(`at cell (Cell In[${n}], line 3)`)),
      String(reply.content.traceback),
    );
  });

  test("an error in functions from earlier cells names the cell and the line they were typed on", async () => {
    // A magic first: the code starts on the cell's line 2, and its lines count from the magic.
    const def = await k.execute(
      "%lsmagic\ninterface Pt { x: number }\nfunction checkPt(p: Pt): number {\n  const d: number = p.x * 2\n  if (d === 6) throw new Error('six')\n  return d\n}",
    );
    assert.equal(def.reply.content.status, "ok");
    const cell = def.reply.content.execution_count as number;
    const use = await k.execute("const viaCheck = (p: Pt) =>\n  checkPt(p) + 1");
    const cell2 = use.reply.content.execution_count as number;
    const { reply } = await k.execute("%parallel map viaCheck [{ x: 1 }, { x: 3 }] --no-progress");
    assert.equal(reply.content.status, "error");
    const tb = (reply.content.traceback as string[]).join("\n");
    assert.match(tb, new RegExp(`at checkPt \\(Cell In\\[${cell}\\], line 5\\)`), tb);
    assert.match(tb, new RegExp(`at viaCheck \\(Cell In\\[${cell2}\\], line 1\\)`), tb);
    // Collected errors carry the same stacks.
    const { reply: r2, outputs } = await k.execute("%parallel map viaCheck [{ x: 3 }] --errors collect --no-progress");
    assert.equal(r2.content.status, "ok");
    assert.match(resultText(outputs)!, new RegExp(`Cell In\\[${cell}\\], line 5`));
  });

  test("worker console output appears in the cell that ran the map", async () => {
    const { outputs } = await k.execute(
      "%parallel map (x: number) => { console.log('from worker', x); return x } [7, 8] --no-progress",
    );
    const text = streamText(outputs);
    assert.match(text, /from worker 7/);
    assert.match(text, /from worker 8/);
  });

  test("an interrupt cancels a map stuck in an infinite loop within 1 s, and the pool is usable at once", async () => {
    const { reply } = await k.submit(
      "%parallel map (x: number) => { while (true) {} } [1, 2, 3, 4] --no-progress",
      {},
      20000,
    );
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    await k.request("control", "interrupt_request", {});
    const r = await reply;
    assert.equal(r.content.status, "error");
    assert.ok(Date.now() - t0 < 1000, `cancel took ${Date.now() - t0} ms`);
    assert.equal(await value("%parallel map sq [2] --no-progress"), "[ 12 ]");
  });

  test("%parallel workers resizes the pool and %parallel status reports it", async () => {
    await k.execute("%parallel workers 3");
    await new Promise((r) => setTimeout(r, 500));
    const { outputs } = await k.execute("%parallel status");
    assert.match(streamText(outputs), /^pool: 3 workers/);
    const info = resultText((await k.execute("%threadpool info")).outputs)!;
    assert.match(info, /threadlab\s+worker_threads\s+3/);
    await k.execute("%parallel workers 2");
  });

  test("%threadpool limit threadlab=3 sizes the pool through its owner; a later %parallel workers 2 wins", async () => {
    const doctorWorkers = async () => {
      const { outputs } = await k.execute("%threadpool doctor --json");
      const data = outputs.find((m) => m.header.msg_type === "execute_result")!.content.data as Record<string, any>;
      return data["application/json"].config.workers as { value: number; source: string; detail: string };
    };
    const status = async () => streamText((await k.execute("%parallel status")).outputs);
    await value("%parallel map sq [1] --no-progress"); // a running pool, whatever ran before
    try {
      await value("%threadpool limit threadlab=3");
      const limited = await doctorWorkers();
      assert.deepEqual([limited.value, limited.source], [3, "magic"], JSON.stringify(limited));
      assert.match(limited.detail, /limit threadlab=3/);
      assert.match(await status(), /^pool: 3 workers \(magic: limit threadlab=3\)/);
      assert.match(resultText((await k.execute("%threadpool info")).outputs)!, /threadlab\s+worker_threads\s+3/);
      await value("%parallel workers 2");
      const set = await doctorWorkers();
      assert.deepEqual([set.value, set.source, set.detail], [2, "magic", "magic: 2"]);
      assert.match(await status(), /^pool: 2 workers \(magic: 2\)/);
      // Another limit change reconciles every pool: the newer %parallel workers still holds the pool.
      await value("%threadpool limit blas=1");
      assert.match(await status(), /^pool: 2 workers/);
      assert.deepEqual((await doctorWorkers()).value, 2);
    } finally {
      await value("%threadpool reset");
    }
    assert.match(await status(), /^pool: 2 workers/, "%parallel workers 2 stands after the limits are gone");
  });

  test("what cannot be shipped fails before any work starts, naming the identifier", async () => {
    const { reply } = await k.execute(
      "function outer(n: number) { return (x: number) => x + n }\n%parallel map outer(1) [1, 2] --no-progress",
    );
    assert.equal(reply.content.status, "error");
    assert.match(String(reply.content.evalue), /`n`/);
  });

  test("bad options are clear errors and the kernel keeps its state", async () => {
    const cases: Array<[string, RegExp]> = [
      ["%parallel map sq [1] --chunk lots", /%parallel map: --chunk must be a positive integer or "auto", got "lots"/],
      ["%parallel map sq [1] --chunk 2.5", /%parallel map: --chunk must be a positive integer or "auto", got 2\.5/],
      ["%parallel map sq [1] --errors ignore", /--errors must be one of raise, collect/],
      ["%parallel map sq", /needs FN and ITEMS/],
      ["%parallel map nope [1]", /FN "nope"/],
      ["%parallel map k [1]", /is a number, not a function/],
      ["%parallel frobnicate", /unknown subcommand "frobnicate"/],
      ["%parallel workers 0", /from 1 to 256/],
    ];
    for (const [code, re] of cases) {
      const { reply } = await k.execute(code);
      assert.equal(reply.content.status, "error", code);
      assert.match(String(reply.content.evalue), re, code);
    }
    assert.equal(await value("k"), "3");
  });

  test("no output of cancelled work appears in later cells", async () => {
    const { reply } = await k.submit(
      "%parallel map async (x: number) => { for (let i = 0; ; i++) { console.log('tick', x, i); await new Promise((r) => setTimeout(r, 20)) } } [1, 2] --no-progress",
      {},
      20000,
    );
    await new Promise((r) => setTimeout(r, 500));
    await k.request("control", "interrupt_request", {});
    await reply;
    const later = await k.execute("await new Promise((r) => setTimeout(r, 500)); 'quiet'");
    const leaked = later.outputs.filter(
      (m: Message) => m.header.msg_type === "stream" && /tick/.test(String(m.content.text)),
    );
    assert.deepEqual(leaked, []);
  });
});

describe("maps too large for the kernel's heap", () => {
  test("fail before any work starts instead of killing the kernel", async () => {
    const k = await RawClient.start();
    try {
      const { reply } = await k.execute(
        "import { parallel } from 'threadlab'\nawait parallel.map(parallel.range(0, 1e10), (x: number) => x, { progress: false })",
        {},
        60000,
      );
      assert.equal(reply.content.status, "error");
      assert.match(String(reply.content.evalue), /10,000,000,000 items need at least 74\.5 GiB for their results/);
      assert.equal(resultText((await k.execute("1 + 1")).outputs), "2");
    } finally {
      await k.close();
    }
  });
});
