import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CommManager } from "../../kernel/comm/manager";
import { Message } from "../../kernel/protocol/messages";
import { makeMessage } from "../../kernel/protocol/wire";

function setup() {
  const published: Array<{ type: string; content: Record<string, unknown> }> = [];
  const reports: string[] = [];
  const comms = new CommManager(
    (type, content) => published.push({ type, content }),
    (text) => reports.push(text),
  );
  const msg = (type: string, content: unknown): Message => makeMessage("s", { msg_type: type, content });
  return { published, reports, comms, msg };
}

describe("comm manager", () => {
  test("routes messages from the frontend to the comm's handlers", async () => {
    const { comms, msg } = setup();
    const got: unknown[] = [];
    comms.registerTarget("t", (comm) => comm.onMsg((m) => void got.push(m.data)));
    await comms.handleOpen(msg("comm_open", { comm_id: "c1", target_name: "t", data: {} }));
    await comms.handleMsg(msg("comm_msg", { comm_id: "c1", data: { x: 1 } }));
    assert.deepEqual(got, [{ x: 1 }]);
  });

  test("a throwing handler is reported and the comm keeps working", async () => {
    const { comms, msg, reports } = setup();
    let calls = 0;
    comms.registerTarget("t", (comm) =>
      comm.onMsg(() => {
        calls++;
        if (calls === 1) throw new Error("first fails");
      }),
    );
    await comms.handleOpen(msg("comm_open", { comm_id: "c1", target_name: "t", data: {} }));
    await comms.handleMsg(msg("comm_msg", { comm_id: "c1", data: {} }));
    await comms.handleMsg(msg("comm_msg", { comm_id: "c1", data: {} }));
    assert.equal(calls, 2);
    assert.match(reports.join("\n"), /first fails/);
  });

  test("kernel-opened comms publish comm_open and close once", () => {
    const { comms, published } = setup();
    let closed = 0;
    const c = comms.open("side", { hi: 1 });
    c.onClose(() => closed++);
    assert.deepEqual(published[0], {
      type: "comm_open",
      content: { comm_id: c.id, target_name: "side", data: { hi: 1 } },
    });
    c.close();
    c.close();
    assert.equal(closed, 1);
    assert.equal(published.filter((p) => p.type === "comm_close").length, 1);
    assert.throws(() => c.send({}), /closed/);
    assert.deepEqual(comms.info(), {});
  });

  test("a target that throws on open has its comm closed again", async () => {
    const { comms, msg, published } = setup();
    comms.registerTarget("bad", () => {
      throw new Error("refused");
    });
    await comms.handleOpen(msg("comm_open", { comm_id: "c9", target_name: "bad", data: {} }));
    assert.ok(published.some((p) => p.type === "comm_close" && p.content.comm_id === "c9"));
    assert.deepEqual(comms.info(), {});
  });

  test("messages for unknown comms and malformed opens are reported, not thrown", async () => {
    const { comms, msg, reports } = setup();
    await comms.handleMsg(msg("comm_msg", { comm_id: "nope", data: {} }));
    await comms.handleOpen(msg("comm_open", { comm_id: 5 }));
    assert.equal(reports.length, 2);
  });
});
