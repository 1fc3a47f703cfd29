/** The `comm` API of the threadlab module, driven from cells, against a real kernel over the wire. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Message } from "../../kernel/protocol/messages";
import { RawClient, resultText, streamText } from "./client";
import { kernelForSuite } from "./suite-kernel";

describe("user comms from cells", () => {
  let k: RawClient;
  kernelForSuite(async (client) => {
    k = client;
    await k.execute(`import { comm } from "threadlab"`);
  });

  async function iopub(pred: (m: Message) => boolean, n = 1, timeoutMs = 5000): Promise<Message[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = k.iopubMessages.filter(pred);
      if (got.length >= n) return got;
      if (Date.now() > deadline) throw new Error(`expected ${n} messages, got ${got.length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  test("a target registered in a cell answers the frontend's comm_open and comm_msg; close runs onClose", async () => {
    await k.execute(`const seen: unknown[] = []
comm.registerTarget("demo.counter", (c, open) => {
  let total = (open.data as { start: number }).start;
  c.send({ total, version: open.metadata.version });
  c.onMsg((m) => { total += (m.data as { add: number }).add; c.send({ total }); });
  c.onClose((m) => seen.push(["closed", m.data]));
});`);
    const open = k.message(
      "comm_open",
      { comm_id: "counter-1", target_name: "demo.counter", data: { start: 10 } },
      { version: "1.0" },
    );
    await k.send("shell", open);
    const mine = (m: Message) => m.header.msg_type === "comm_msg" && m.content.comm_id === "counter-1";
    assert.deepEqual((await iopub(mine))[0].content.data, { total: 10, version: "1.0" });
    await k.send("shell", k.message("comm_msg", { comm_id: "counter-1", data: { add: 5 } }));
    assert.deepEqual((await iopub(mine, 2))[1].content.data, { total: 15 });
    await k.send("shell", k.message("comm_close", { comm_id: "counter-1", data: { bye: true } }));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(resultText((await k.execute("JSON.stringify(seen)")).outputs), `'[["closed",{"bye":true}]]'`);
  });

  test("comm.open from a cell sends comm_open with metadata, parented to the cell; send, onMsg and close work", async () => {
    const r =
      await k.execute(`const c = comm.open("frontend.target", { state: { value: 1 } }, { metadata: { version: "2.1.0" } })
const got: unknown[] = []
c.onMsg((m) => got.push(m.data))
c.send({ method: "update", state: { value: 2 } })
c.id`);
    const id = String(resultText(r.outputs)).replace(/'/g, "");
    const opened = k.iopubMessages.find((m) => m.header.msg_type === "comm_open" && m.content.comm_id === id);
    assert.ok(opened, "no comm_open");
    assert.equal(opened.content.target_name, "frontend.target");
    assert.deepEqual(opened.content.data, { state: { value: 1 } });
    assert.deepEqual(opened.metadata, { version: "2.1.0" });
    assert.equal(opened.parent_header.msg_id, r.reply.parent_header.msg_id, "parented to the cell that opened it");
    const sent = k.iopubMessages.find((m) => m.header.msg_type === "comm_msg" && m.content.comm_id === id);
    assert.deepEqual(sent?.content.data, { method: "update", state: { value: 2 } });
    await k.send("shell", k.message("comm_msg", { comm_id: id, data: { method: "update", state: { value: 7 } } }));
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(
      resultText((await k.execute("JSON.stringify(got)")).outputs),
      `'[{"method":"update","state":{"value":7}}]'`,
    );
    await k.execute("c.close()");
    await iopub((m) => m.header.msg_type === "comm_close" && m.content.comm_id === id);
    const again = await k.execute(`c.send({})`);
    assert.match(String(again.reply.content.evalue), /is closed/);
  });

  test("a handler that throws is reported in stderr and the comm keeps working; bad arguments are clear errors", async () => {
    await k.execute(
      `comm.registerTarget("demo.fragile", (c) => c.onMsg((m) => { if ((m.data as any).fail) throw new Error("handler broke"); c.send({ ok: true }); }))`,
    );
    await k.send("shell", k.message("comm_open", { comm_id: "fragile-1", target_name: "demo.fragile", data: {} }));
    const bad = k.message("comm_msg", { comm_id: "fragile-1", data: { fail: true } });
    await k.send("shell", bad);
    assert.match(streamText(await k.outputsOf(bad.header.msg_id), "stderr"), /handler broke/);
    await k.send("shell", k.message("comm_msg", { comm_id: "fragile-1", data: {} }));
    await iopub((m) => m.header.msg_type === "comm_msg" && m.content.comm_id === "fragile-1");
    const reserved = await k.execute(`comm.registerTarget("threadlab", () => {})`);
    assert.match(String(reserved.reply.content.evalue), /is the kernel's own/);
    const noName = await k.execute(`comm.open("" as any)`);
    assert.match(String(noName.reply.content.evalue), /comm\.open needs a target name/);
  });
});
