/**
 * Comms on a subshell, against a real kernel process: JupyterLab sends comm_open / comm_msg with a subshell's
 * id in the header when the kernel supports subshells (its "comms over subshells"). The kernel's targets (the
 * sidebar's `threadlab`, `threadlab.echo`) and one a cell registers answer as they do on the main shell, while
 * the main shell's cell awaits, with replies and busy/idle parented to the subshell's request.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Message } from "../../kernel/protocol/messages";
import { PROTOCOL_VERSION } from "../../schema/sidebar";
import type { RawClient } from "./client";
import { createSubshell, isFor, onSubshell, submitOn, waitFor } from "./subshell-client";
import { kernelForSuite } from "./suite-kernel";

describe("comms on a subshell", () => {
  let k: RawClient;
  kernelForSuite(async (client) => {
    k = client;
    const r = await k.execute(
      `import { comm } from "threadlab";\ncomm.registerTarget("user.sub", (c) => c.onMsg((m) => c.send({ got: m.data })));`,
    );
    assert.equal(r.reply.content.status, "ok", JSON.stringify(r.reply.content));
  });

  /** The comm_msgs the kernel sent on `commId`, once there are at least `n`. */
  async function commMsgs(commId: string, n: number, what: string): Promise<Message[]> {
    const mine = () => k.iopubMessages.filter((m) => m.header.msg_type === "comm_msg" && m.content.comm_id === commId);
    await waitFor(() => mine().length >= n, what);
    return mine();
  }

  /** Sends `msg` and checks that what the kernel sends back for it is parented to it, on its subshell. */
  async function sendOn(id: string, msg: Message): Promise<void> {
    await k.send("shell", msg);
    const states = () =>
      k.iopubMessages
        .filter((m) => isFor(m, msg.header.msg_id) && m.header.msg_type === "status")
        .map((m) => m.content.execution_state);
    await waitFor(() => states().length >= 2, `busy and idle for ${msg.header.msg_type}`);
    assert.deepEqual(states(), ["busy", "idle"]);
    for (const m of k.iopubMessages.filter((m) => isFor(m, msg.header.msg_id)))
      assert.equal((m.parent_header as Record<string, unknown>).subshell_id, id, `${m.header.msg_type}'s parent`);
  }

  test("echo, a cell's target and the sidebar answer on a subshell while the main cell awaits", async () => {
    const id = await createSubshell(k);
    const main = await submitOn(k, null, `await new Promise((r) => setTimeout(r, 5000)); "main done"`);
    await waitFor(
      () => k.iopubMessages.some((m) => isFor(m, main.msgId) && m.header.msg_type === "execute_input"),
      "the main cell to start",
    );
    let mainDone = false;
    void main.reply.then(() => (mainDone = true));

    const echoOpen = onSubshell(k, id, "comm_open", { comm_id: "e1", target_name: "threadlab.echo", data: { a: 1 } });
    await sendOn(id, echoOpen);
    const [opened] = await commMsgs("e1", 1, "the echo target's greeting");
    assert.deepEqual(opened.content.data, { opened: { a: 1 } });
    assert.equal(opened.parent_header.msg_id, echoOpen.header.msg_id);
    const ping = onSubshell(k, id, "comm_msg", { comm_id: "e1", data: { ping: 2 } });
    await sendOn(id, ping);
    const echoed = (await commMsgs("e1", 2, "the echo"))[1];
    assert.deepEqual(echoed.content.data, { echo: { ping: 2 } });
    assert.equal(echoed.parent_header.msg_id, ping.header.msg_id);

    await sendOn(id, onSubshell(k, id, "comm_open", { comm_id: "u1", target_name: "user.sub", data: {} }));
    const toUser = onSubshell(k, id, "comm_msg", { comm_id: "u1", data: { x: 3 } });
    await sendOn(id, toUser);
    const [got] = await commMsgs("u1", 1, "the cell's target's answer");
    assert.deepEqual(got.content.data, { got: { x: 3 } });
    assert.equal(got.parent_header.msg_id, toUser.header.msg_id);

    await sendOn(id, onSubshell(k, id, "comm_open", { comm_id: "s1", target_name: "threadlab", data: {} }));
    const [hello] = await commMsgs("s1", 1, "the sidebar's hello");
    assert.equal((hello.content.data as { type?: unknown }).type, "hello");
    const subscribe = { v: PROTOCOL_VERSION, type: "subscribe", rate: 10, id: "sub-1" };
    await sendOn(id, onSubshell(k, id, "comm_msg", { comm_id: "s1", data: subscribe }));
    const types = async (n: number) =>
      (await commMsgs("s1", n, `${n} sidebar messages`)).map((m) => (m.content.data as { type?: unknown }).type);
    // hello, the ack and two updates: the sidebar keeps updating while the main shell's cell awaits.
    const seen = await types(4);
    assert.ok(seen.includes("ack"), JSON.stringify(seen));
    assert.ok(seen.filter((t) => t === "update").length >= 2, JSON.stringify(seen));
    assert.equal(mainDone, false, "the main cell ended before the comms were answered: this proves nothing");

    const mainReply = await main.reply;
    assert.equal(mainReply.content.status, "ok");
    await k.send("shell", onSubshell(k, id, "comm_close", { comm_id: "s1", data: {} }));
    await k.request("control", "delete_subshell_request", { subshell_id: id });
  });

  test("a comm on a subshell that was deleted still answers (comms do not queue on a shell)", async () => {
    const id = await createSubshell(k);
    await k.request("control", "delete_subshell_request", { subshell_id: id });
    const open = onSubshell(k, id, "comm_open", { comm_id: "e2", target_name: "threadlab.echo", data: { b: 2 } });
    await sendOn(id, open);
    const [opened] = await commMsgs("e2", 1, "the echo target's greeting");
    assert.deepEqual(opened.content.data, { opened: { b: 2 } });
  });
});
