import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Signer } from "../../kernel/protocol/wire";
import { RawClient, resultText, streamText } from "./client";
import { kernelForSuite } from "./suite-kernel";

describe("kernel protocol over the wire", () => {
  let k: RawClient;
  kernelForSuite((client) => (k = client));

  test("a message with a bad or missing signature is rejected and never executed", async () => {
    const marker = join(k.dir, "executed-bad");
    const code = `require("fs").writeFileSync(${JSON.stringify(marker)}, "x")`;
    await k.send("shell", k.message("execute_request", { code, silent: false }), new Signer("wrong-key"));
    const unsigned = k.message("execute_request", { code, silent: false });
    await k.send("shell", unsigned, new Signer(""));
    // A valid request after them is served: the kernel is alive and has read the bad ones first.
    const { reply } = await k.execute("1 + 1");
    assert.equal(reply.content.status, "ok");
    assert.equal(existsSync(marker), false, "a badly signed execute_request ran");
    assert.match(k.stderr, /rejected message: bad or missing signature/);
  });

  test("malformed frames, bad JSON and unknown message types are logged and the kernel keeps serving", async () => {
    await k.sendFrames("shell", [Buffer.from("no delimiter here")]);
    const sig = (parts: Buffer[]) => Buffer.from(k.signer.sign(parts));
    const bad = [Buffer.from("{not json"), Buffer.from("{}"), Buffer.from("{}"), Buffer.from("{}")];
    await k.sendFrames("shell", [Buffer.from("<IDS|MSG>"), sig(bad), ...bad]);
    await k.send("shell", k.message("no_such_request", {}));
    await k.sendFrames("control", [Buffer.from("<IDS|MSG>"), Buffer.from("short")]);
    const { reply, outputs } = await k.execute("40 + 2");
    assert.equal(reply.content.status, "ok");
    assert.equal(resultText(outputs), "42");
    assert.match(k.stderr, /no <IDS\|MSG> delimiter/);
    assert.match(k.stderr, /header is not a JSON object/);
    assert.match(k.stderr, /ignoring unknown no_such_request/);
  });

  test("execute publishes busy, execute_input, streams, execute_result and idle in order", async () => {
    const { reply, outputs } = await k.execute("console.log('out'); console.error('err'); 6 * 7");
    assert.equal(reply.content.status, "ok");
    const types = outputs.map((m) => m.header.msg_type);
    assert.deepEqual(types, ["status", "execute_input", "stream", "stream", "execute_result", "status"]);
    assert.equal(streamText(outputs, "stdout"), "out\n");
    assert.equal(streamText(outputs, "stderr"), "err\n");
    assert.equal(resultText(outputs), "42");
    assert.equal(outputs[0].content.execution_state, "busy");
  });

  test("TypeScript diagnostics are errors with line:col", async () => {
    const { reply, outputs } = await k.execute("const n: number = 1;\nconst s: string = n;");
    assert.equal(reply.content.status, "error");
    assert.equal(reply.content.ename, "TypeScriptError");
    assert.match(String(reply.content.evalue), /^2:7 - Type 'number' is not assignable to type 'string'/);
    assert.equal(outputs.filter((m) => m.header.msg_type === "error").length, 1);
  });

  test("silent execution publishes no input or output and does not advance the count", async () => {
    const before = (await k.execute("1")).reply.content.execution_count as number;
    const { reply, outputs } = await k.execute("console.log('hidden'); 5", { silent: true });
    assert.equal(reply.content.status, "ok");
    assert.deepEqual(
      outputs.map((m) => m.header.msg_type),
      ["status", "status"],
    );
    const after = (await k.execute("2")).reply.content.execution_count as number;
    assert.equal(after, before + 1);
  });

  test("store_history false keeps the cell out of history", async () => {
    await k.execute("const notStored = 1", { store_history: false });
    const h = await k.request("shell", "history_request", {
      hist_access_type: "search",
      pattern: "const notStored*",
      output: false,
      raw: true,
    });
    assert.deepEqual(h.content.history, []);
  });

  test("user_expressions are evaluated after the cell", async () => {
    const { reply } = await k.execute("const ue = 20", { user_expressions: { twice: "ue * 2", broken: "nope()" } });
    const ue = reply.content.user_expressions as Record<
      string,
      { status: string; data?: Record<string, string>; ename?: string }
    >;
    assert.equal(ue.twice.status, "ok");
    assert.equal(ue.twice.data!["text/plain"], "40");
    assert.equal(ue.broken.status, "error");
  });

  test("line magics between TypeScript lines run in order and the last value is shown", async () => {
    const { reply, outputs } = await k.execute(
      "const order: string[] = []\n%env TL_ORDER=magic\norder.push(process.env.TL_ORDER!)\norder",
    );
    assert.equal(reply.content.status, "ok");
    assert.equal(resultText(outputs), "[ 'magic' ]");
  });

  test("an unknown magic names the closest ones", async () => {
    const { reply } = await k.execute("%timit 1");
    assert.equal(reply.content.status, "error");
    assert.match(String(reply.content.evalue), /unknown line magic %timit\. Did you mean %timeit, %time\?/);
  });

  test("update_display_data replaces a display in place", async () => {
    const { outputs } = await k.execute(
      "import { newDisplay } from 'threadlab'\nconst d = newDisplay()\nd.text('one')\nd.text('two')",
    );
    const kinds = outputs.filter((m) => m.header.msg_type.endsWith("display_data"));
    assert.deepEqual(
      kinds.map((m) => m.header.msg_type),
      ["display_data", "update_display_data"],
    );
    const ids = kinds.map((m) => (m.content.transient as { display_id: string }).display_id);
    assert.equal(ids[0], ids[1]);
  });

  test("shell requests are answered while an async cell awaits", async () => {
    const exec = await k.submit("await new Promise((r) => setTimeout(r, 1500)); 'done'", {}, 10000);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    const complete = await k.request("shell", "complete_request", { code: "Math.fl", cursor_pos: 7 });
    const info = await k.request("control", "kernel_info_request", {});
    assert.ok(Date.now() - t0 < 1000, "requests waited for the cell");
    assert.ok((complete.content.matches as string[]).includes("floor"));
    assert.equal(info.content.implementation, "threadlab");
    assert.equal((await exec.reply).content.status, "ok");
  });

  test("stop_on_error aborts only the executions already queued with stop_on_error", async () => {
    const failing = await k.submit("await new Promise((r) => setTimeout(r, 300)); throw new Error('first')");
    const queued = await k.submit("'should be aborted'");
    const keeps = await k.submit("'still runs'", { stop_on_error: false });
    const [r1, r2, r3] = await Promise.all([failing, queued, keeps].map((e) => e.reply));
    assert.equal(r1.content.status, "error");
    assert.equal(r2.content.status, "aborted");
    assert.equal(r3.content.status, "ok");
    const later = await k.execute("'after the error'");
    assert.equal(later.reply.content.status, "ok");
  });

  test("the heartbeat answers while a cell is busy in synchronous code", async () => {
    const exec = await k.submit("const t0 = Date.now(); while (Date.now() - t0 < 1500) {}");
    await new Promise((r) => setTimeout(r, 300));
    const t = Date.now();
    await k.hb.send("ping");
    const [pong] = await k.hb.receive();
    assert.equal(pong.toString(), "ping");
    assert.ok(Date.now() - t < 500, `heartbeat took ${Date.now() - t} ms`);
    await exec.reply;
  });

  test("interrupt_request breaks a synchronous busy loop and the kernel stays usable", async () => {
    await k.execute("let survivor = 7");
    const { reply } = await k.submit("while (true) {}", {}, 10000);
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    const ir = await k.request("control", "interrupt_request", {});
    assert.equal(ir.content.status, "ok");
    const r = await reply;
    assert.equal(r.content.status, "error");
    assert.equal(r.content.ename, "Interrupted");
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(resultText((await k.execute("survivor")).outputs), "7");
  });

  test("interrupt_request cancels a cell awaiting a promise that never settles", async () => {
    const { reply } = await k.submit("await new Promise(() => {})", {}, 10000);
    await new Promise((r) => setTimeout(r, 300));
    await k.request("control", "interrupt_request", {});
    const r = await reply;
    assert.equal(r.content.status, "error");
    assert.equal(r.content.ename, "Interrupted");
    assert.equal((await k.execute("1")).reply.content.status, "ok");
  });

  test("an error thrown later by a timer is reported and does not kill the kernel", async () => {
    await k.execute("setTimeout(() => { throw new Error('late boom') }, 10)");
    await new Promise((r) => setTimeout(r, 200));
    const { reply } = await k.execute("'alive'");
    assert.equal(reply.content.status, "ok");
    const stderr = k.iopubMessages
      .filter((m) => m.header.msg_type === "stream" && m.content.name === "stderr")
      .map((m) => m.content.text)
      .join("");
    assert.match(stderr, /uncaught exception: .*late boom/s);
  });

  test("process.exit in a cell cannot kill the kernel", async () => {
    const { reply } = await k.execute("process.exit(3)");
    assert.equal(reply.content.status, "error");
    assert.match(String(reply.content.evalue), /process\.exit/);
    assert.equal((await k.execute("1")).reply.content.status, "ok");
  });
});

describe("kernel process lifetime", () => {
  test("shutdown_request exits within 2 s despite a live timer and a live worker thread", async () => {
    const k = await RawClient.start();
    try {
      const { reply } = await k.execute(
        "setInterval(() => {}, 1000)\nconst { Worker } = require('node:worker_threads')\nconst w = new Worker('setInterval(() => {}, 1000)', { eval: true })\nawait new Promise((r) => w.once('online', r)); 'live'",
      );
      assert.equal(reply.content.status, "ok");
      const t0 = Date.now();
      const r = await k.request("control", "shutdown_request", { restart: false });
      assert.equal(r.content.status, "ok");
      const code = await Promise.race([k.exited, new Promise((res) => setTimeout(() => res("timeout"), 2000))]);
      assert.notEqual(code, "timeout", "kernel still alive 2 s after shutdown_request");
      assert.ok(Date.now() - t0 < 2000);
    } finally {
      await k.close();
    }
  });

  test("shutdown and restart requests end the process cleanly: the control thread closes its sockets first", async () => {
    // A worker thread torn down by process.exit with live zeromq sockets aborts the process (zeromq.js#411):
    // "terminate called after throwing an instance of 'Napi::Error'" or heap corruption in the server log,
    // and an exit by signal instead of 0.
    for (const restart of [true, false, true, false, true, false]) {
      const k = await RawClient.start({ env: { THREADLAB_DEBUG: "protocol" } });
      try {
        assert.equal((await k.execute("1 + 1")).reply.content.status, "ok");
        const r = await k.request("control", "shutdown_request", { restart });
        assert.equal(r.content.restart, restart);
        const code = await Promise.race([k.exited, new Promise((res) => setTimeout(() => res("timeout"), 4000))]);
        assert.equal(code, 0, `exit ${code}; kernel log:\n${k.stderr.slice(-1500)}`);
        assert.match(k.stderr, /control thread exited after \d+ ms/);
        assert.doesNotMatch(k.stderr, /terminate called|corrupted|double free|Napi::Error/);
        assert.match(k.stderr, restart ? /\] restarting/ : /\] shut down/);
      } finally {
        await k.close();
      }
    }
  });

  test("`threadlab` and @types/node resolve from a notebook directory without node_modules", async () => {
    const k = await RawClient.start();
    try {
      assert.ok(!existsSync(join(k.dir, "node_modules")));
      const { reply, outputs } = await k.execute(
        "import { versions } from 'threadlab';\nconst b: Buffer = Buffer.from('ab');\n[versions.threadlab.length > 0, b.length]",
      );
      assert.equal(reply.content.status, "ok", JSON.stringify(reply.content));
      assert.equal(resultText(outputs), "[ true, 2 ]");
    } finally {
      await k.close();
    }
  });
});

describe("tslab fixes", () => {
  test("shorthand properties see variables from earlier cells (tslab misses them)", async () => {
    const k = await RawClient.start();
    try {
      await k.execute("const model = 41");
      const { reply, outputs } = await k.execute(
        "const o = { model }\nlet a = 0, b = 0;\n({ a, b = 2 } = { a: model + 1 });\n[o.model, a, b]",
      );
      assert.equal(reply.content.status, "ok", JSON.stringify(reply.content));
      assert.equal(resultText(outputs), "[ 41, 42, 2 ]");
    } finally {
      await k.close();
    }
  });
});
