import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Message } from "../../kernel/protocol/messages";
import { RawClient } from "./client";
import { kernelForSuite } from "./suite-kernel";

describe("comms over the wire (threadlab.echo test target)", () => {
  let k: RawClient;
  kernelForSuite((client) => (k = client));

  async function commMsgs(commId: string, n: number, timeoutMs = 5000): Promise<Message[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = k.iopubMessages.filter((m) => m.header.msg_type === "comm_msg" && m.content.comm_id === commId);
      if (got.length >= n) return got;
      if (Date.now() > deadline) throw new Error(`expected ${n} comm_msg for ${commId}, got ${got.length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  test("open, message, handler error, message again, info and close", async () => {
    const commId = "comm-1";
    await k.send(
      "shell",
      k.message("comm_open", { comm_id: commId, target_name: "threadlab.echo", data: { hello: 1 } }),
    );
    const [opened] = await commMsgs(commId, 1);
    assert.deepEqual(opened.content.data, { opened: { hello: 1 } });

    await k.send("shell", k.message("comm_msg", { comm_id: commId, data: { ping: 2 } }));
    const echoes = await commMsgs(commId, 2);
    assert.deepEqual(echoes[1].content.data, { echo: { ping: 2 } });

    const bad = k.message("comm_msg", { comm_id: commId, data: { throw: "handler exploded" } });
    await k.send("shell", bad);
    await k.outputsOf(bad.header.msg_id);
    const report = k.iopubMessages.find(
      (m) => m.parent_header.msg_id === bad.header.msg_id && m.header.msg_type === "stream",
    );
    assert.match(String(report?.content.text), /handler exploded/);

    await k.send("shell", k.message("comm_msg", { comm_id: commId, data: { ping: 3 } }));
    const more = await commMsgs(commId, 3);
    assert.deepEqual(more[2].content.data, { echo: { ping: 3 } }, "the comm stopped working after a handler error");

    const info = await k.request("shell", "comm_info_request", { target_name: "threadlab.echo" });
    assert.deepEqual(info.content.comms, { [commId]: { target_name: "threadlab.echo" } });

    await k.send("shell", k.message("comm_close", { comm_id: commId, data: {} }));
    await new Promise((r) => setTimeout(r, 100));
    const after = await k.request("shell", "comm_info_request", {});
    assert.deepEqual(after.content.comms, {});
  });

  test("opening an unknown target is answered with comm_close", async () => {
    const msg = k.message("comm_open", { comm_id: "comm-x", target_name: "no.such.target", data: {} });
    await k.send("shell", msg);
    await k.outputsOf(msg.header.msg_id);
    const close = k.iopubMessages.find((m) => m.header.msg_type === "comm_close" && m.content.comm_id === "comm-x");
    assert.ok(close, "no comm_close for an unknown target");
  });
});
