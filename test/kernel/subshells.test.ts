/**
 * Kernel subshells (JEP 91) against a real kernel process: create / list / delete on control, a subshell's
 * cell answered while the main shell's cell awaits, one namespace, output and status routed to each
 * request, interrupts of the shell they name, one history.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Message } from "../../kernel/protocol/messages";
import { RawClient, resultText, streamText } from "./client";
import { controlOn, createSubshell, executeOn, isFor, submitOn, waitFor } from "./subshell-client";
import { kernelForSuite } from "./suite-kernel";

describe("kernel subshells (JEP 91)", () => {
  let k: RawClient;
  kernelForSuite((client) => (k = client));

  test("kernel_info_reply lists the kernel subshells feature", async () => {
    const r = await k.request("shell", "kernel_info_request", {});
    assert.deepEqual(r.content.supported_features, ["kernel subshells"]);
  });

  test("create, list and delete subshells on the control channel", async () => {
    const a = await createSubshell(k);
    const b = await createSubshell(k);
    assert.notEqual(a, b);
    const listed = await k.request("control", "list_subshell_request", {});
    assert.equal(listed.header.msg_type, "list_subshell_reply");
    assert.deepEqual([...(listed.content.subshell_id as string[])].sort(), [a, b].sort());
    const del = await k.request("control", "delete_subshell_request", { subshell_id: a });
    assert.equal(del.header.msg_type, "delete_subshell_reply");
    assert.equal(del.content.status, "ok");
    const after = await k.request("control", "list_subshell_request", {});
    assert.deepEqual(after.content.subshell_id, [b]);
    await k.request("control", "delete_subshell_request", { subshell_id: b });
  });

  test("deleting a subshell that does not exist is an error that says how to list them", async () => {
    const r = await k.request("control", "delete_subshell_request", { subshell_id: "nope" });
    assert.equal(r.content.status, "error");
    assert.match(String(r.content.evalue), /no subshell "nope".*list_subshell_request/);
  });

  test("a cell sent to a deleted subshell gets an error reply naming it, and the kernel runs on", async () => {
    const id = await createSubshell(k);
    await k.request("control", "delete_subshell_request", { subshell_id: id });
    const { reply } = await executeOn(k, id, "1 + 1");
    assert.equal(reply.content.status, "error");
    assert.equal(reply.content.ename, "SubshellError");
    assert.match(String(reply.content.evalue), new RegExp(`no subshell "${id}".*create_subshell_request`));
    assert.equal(resultText((await k.execute("40 + 2")).outputs), "42");
  });

  test("a subshell's cell runs and replies while the main shell's cell awaits, over the same namespace", async () => {
    const id = await createSubshell(k);
    await k.execute("let shared = 1");
    const main = await submitOn(k, null, `await new Promise((r) => setTimeout(r, 4000)); shared * 100`);
    // The main cell has started (its execute_input is out) before the subshell's is sent.
    await waitFor(() => k.iopubMessages.some((m) => isFor(m, main.msgId) && m.header.msg_type === "execute_input"));
    const t0 = Date.now();
    const sub = await executeOn(k, id, `shared = 7; console.log("from the subshell"); shared + 1`);
    const subMs = Date.now() - t0;
    assert.equal(sub.reply.content.status, "ok");
    assert.equal(resultText(sub.outputs), "8");
    assert.equal(streamText(sub.outputs), "from the subshell\n");
    assert.ok(subMs < 3000, `the subshell's reply took ${subMs} ms: it waited for the main shell's cell`);
    let mainDone = false;
    void main.reply.then(() => (mainDone = true));
    assert.equal(mainDone, false, "the main cell should still be awaiting");
    const mainReply = await main.reply;
    assert.equal(mainReply.content.status, "ok");
    // The main cell read the value the subshell assigned while it awaited.
    assert.equal(resultText(await k.outputsOf(main.msgId)), "700");
    await k.request("control", "delete_subshell_request", { subshell_id: id });
  });

  test("each request's execute_input, busy/idle, stream and display carry its own parent", async () => {
    const id = await createSubshell(k);
    const main = await submitOn(
      k,
      null,
      `import { display } from "threadlab"; console.log("main before"); await new Promise((r) => setTimeout(r, 1500)); console.log("main after"); display.text("main display")`,
    );
    await waitFor(() => k.iopubMessages.some((m) => isFor(m, main.msgId) && m.header.msg_type === "stream"));
    const sub = await executeOn(
      k,
      id,
      `import { display } from "threadlab"; setTimeout(() => console.log("sub late"), 10); display.text("sub display"); 5`,
    );
    await main.reply;
    const mainOut = await k.outputsOf(main.msgId);
    // The subshell's timer fired while the main cell ran: its text is still the subshell's request's.
    await waitFor(() =>
      k.iopubMessages.some((m) => isFor(m, sub.reply.parent_header.msg_id!) && streamHas(m, "sub late")),
    );
    const subOut = k.iopubMessages.filter((m) => isFor(m, sub.reply.parent_header.msg_id!));
    assert.equal(streamText(mainOut), "main before\nmain after\n");
    assert.equal(streamText(subOut), "sub late\n");
    assert.deepEqual(displays(mainOut), ["main display"]);
    assert.deepEqual(displays(subOut), ["sub display"]);
    for (const out of [mainOut, subOut]) {
      const states = out.filter((m) => m.header.msg_type === "status").map((m) => m.content.execution_state);
      assert.deepEqual(states, ["busy", "idle"]);
      assert.equal(out.filter((m) => m.header.msg_type === "execute_input").length, 1);
    }
    const subInput = subOut.find((m) => m.header.msg_type === "execute_input")!;
    assert.equal((subInput.parent_header as Record<string, unknown>).subshell_id, id);
    // One execution counter for every shell, as in IPython: the subshell's cell took the next number.
    const mainCount = Number(mainOut.find((m) => m.header.msg_type === "execute_input")!.content.execution_count);
    assert.equal(Number(subInput.content.execution_count), mainCount + 1);
    await k.request("control", "delete_subshell_request", { subshell_id: id });
  });

  test("names declared on a subshell while the main cell awaits stay declared after both end", async () => {
    const id = await createSubshell(k);
    const main = await submitOn(k, null, `const fromMain = 3; await new Promise((r) => setTimeout(r, 800));`);
    await waitFor(() => k.iopubMessages.some((m) => isFor(m, main.msgId) && m.header.msg_type === "execute_input"));
    const sub = await executeOn(k, id, `const fromSub: number = 4;`);
    assert.equal(sub.reply.content.status, "ok");
    assert.equal((await main.reply).content.status, "ok");
    const both = await k.execute("fromMain * 10 + fromSub");
    assert.equal(both.reply.content.status, "ok", JSON.stringify(both.reply.content));
    assert.equal(resultText(both.outputs), "34");
    await k.request("control", "delete_subshell_request", { subshell_id: id });
  });

  test("cells on one subshell run in order, one at a time", async () => {
    const id = await createSubshell(k);
    const first = await submitOn(k, id, `await new Promise((r) => setTimeout(r, 300)); console.log("first")`);
    const second = await submitOn(k, id, `console.log("second")`);
    await first.reply;
    await second.reply;
    const order = k.iopubMessages
      .filter((m) => (isFor(m, first.msgId) || isFor(m, second.msgId)) && m.header.msg_type === "stream")
      .map((m) => String(m.content.text).trim());
    assert.deepEqual(order, ["first", "second"]);
    await k.request("control", "delete_subshell_request", { subshell_id: id });
  });

  test("an interrupt naming a subshell interrupts its cell only; one naming none interrupts the main shell's", async () => {
    const id = await createSubshell(k);
    const forever = `await new Promise(() => {})`;
    const main = await submitOn(k, null, forever);
    const sub = await submitOn(k, id, forever);
    await waitFor(() => k.iopubMessages.some((m) => isFor(m, sub.msgId) && m.header.msg_type === "execute_input"));
    const ir = await controlOn(k, "interrupt_request", {}, id);
    assert.equal(ir.content.status, "ok");
    const subReply = await sub.reply;
    assert.equal(subReply.content.status, "error");
    assert.equal(subReply.content.ename, "Interrupted");
    let mainEnded = false;
    void main.reply.then(() => (mainEnded = true));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(mainEnded, false, "interrupting the subshell ended the main shell's cell");
    await controlOn(k, "interrupt_request", {});
    assert.equal((await main.reply).content.ename, "Interrupted");
    assert.equal(resultText((await executeOn(k, id, "2 + 2")).outputs), "4");
    await k.request("control", "delete_subshell_request", { subshell_id: id });
  });

  test("history keeps the cells of both shells", async () => {
    const id = await createSubshell(k);
    await executeOn(k, null, "const historyMain = 1");
    await executeOn(k, id, "const historySub = 2");
    const h = await k.request("shell", "history_request", {
      output: false,
      raw: true,
      hist_access_type: "tail",
      n: 5,
    });
    const sources = (h.content.history as Array<[number, number, string]>).map((e) => e[2]);
    assert.ok(sources.includes("const historyMain = 1"), JSON.stringify(sources));
    assert.ok(sources.includes("const historySub = 2"), JSON.stringify(sources));
    await k.request("control", "delete_subshell_request", { subshell_id: id });
  });
});

function streamHas(m: Message, text: string): boolean {
  return m.header.msg_type === "stream" && String(m.content.text).includes(text);
}

function displays(out: Message[]): string[] {
  return out
    .filter((m) => m.header.msg_type === "display_data")
    .map((m) => String((m.content.data as Record<string, unknown>)["text/plain"]));
}

describe("a subshell beside a running map (the use case)", () => {
  let k: RawClient;
  kernelForSuite((client) => (k = client));

  test("kernel_info and create_subshell sent while the main cell awaits get their idle (a new console waits for it)", async () => {
    const main = await submitOn(k, null, `await new Promise((r) => setTimeout(r, 3000))`);
    await waitFor(
      () => k.iopubMessages.some((m) => isFor(m, main.msgId) && m.header.msg_type === "execute_input"),
      "the main cell to start",
    );
    const info = k.message("kernel_info_request", {});
    const reply = k.replyTo(info.header.msg_id);
    await k.send("shell", info);
    assert.deepEqual((await reply).content.supported_features, ["kernel subshells"]);
    // @jupyterlab/services resolves a request's future on its reply and its idle: without the idle, JupyterLab's
    // subshell console never gets to create its subshell while the notebook's cell runs.
    await waitFor(
      () => k.iopubMessages.some((m) => isFor(m, info.header.msg_id) && m.content.execution_state === "idle"),
      "the kernel_info's idle",
    );
    // The same for a create_subshell_request on control: the console uses its subshell after that idle.
    const create = k.message("create_subshell_request", {});
    const created = k.replyTo(create.header.msg_id);
    await k.send("control", create);
    assert.equal((await created).content.status, "ok");
    await waitFor(
      () => k.iopubMessages.some((m) => isFor(m, create.header.msg_id) && m.content.execution_state === "idle"),
      "the create_subshell_request's idle",
    );
    let mainDone = false;
    void main.reply.then(() => (mainDone = true));
    assert.equal(mainDone, false, "the main cell ended first: this proves nothing");
    await main.reply;
  });

  test("%parallel status on a subshell shows the notebook's running map", async () => {
    const id = await createSubshell(k);
    const main = await submitOn(
      k,
      null,
      `import { parallel } from "threadlab";\n` +
        `const squares = await parallel.map([1, 2, 3, 4], async (x) => { await new Promise((r) => setTimeout(r, 1500)); return x * x; });\nsquares.length`,
      30000,
    );
    // The map is running once its progress is displayed.
    await waitFor(
      () => k.iopubMessages.some((m) => isFor(m, main.msgId) && m.header.msg_type === "display_data"),
      "the map's progress display",
      20000,
    );
    const status = await executeOn(k, id, "%parallel status");
    assert.equal(status.reply.content.status, "ok", JSON.stringify(status.reply.content));
    const text = streamText(status.outputs) + (resultText(status.outputs) ?? "");
    assert.match(text, /map \S+ .*: \d+\/4 done/, `no running map in %parallel status: ${text}`);
    let mainDone = false;
    void main.reply.then(() => (mainDone = true));
    assert.equal(mainDone, false, "the map ended before the subshell's cell ran: this proves nothing");
    assert.equal((await main.reply).content.status, "ok");
    assert.equal(resultText(await k.outputsOf(main.msgId)), "4");
    await k.request("control", "delete_subshell_request", { subshell_id: id });
  });

  test("a subshell reads a parallel.start map's results so far while the notebook's cell awaits its report", async () => {
    const id = await createSubshell(k);
    await k.execute(
      `import { parallel } from "threadlab";\n` +
        `const job = parallel.start(parallel.range(0, 40), async (x: number) => { await new Promise((r) => setTimeout(r, 100)); return x * 3; }, { chunk: 1 });`,
    );
    const main = await submitOn(k, null, `(await job.report).results.length`, 30000);
    await waitFor(() => k.iopubMessages.some((m) => isFor(m, main.msgId) && m.header.msg_type === "execute_input"));
    const peek = await executeOn(
      k,
      id,
      `while (job.done < 4) await new Promise((r) => setTimeout(r, 20));\nconst seen = job.results.filter((v) => v !== undefined); [job.state, seen.length > 0 && seen.length < 40, seen.every((v, i) => v === job.results.indexOf(v) * 3)].join(" ")`,
    );
    assert.equal(peek.reply.content.status, "ok", JSON.stringify(peek.reply.content));
    assert.equal(
      resultText(peek.outputs),
      "'running true true'",
      "the subshell saw some results, each in its item's place",
    );
    const shown = await executeOn(k, id, `job`);
    assert.match(String(resultText(shown.outputs)), /^RunningMap \d+ \S+: running, \d+ \/ 40 items \(\d+%\)$/);
    assert.equal((await main.reply).content.status, "ok");
    assert.equal(resultText(await k.outputsOf(main.msgId)), "40");
    assert.equal(resultText((await executeOn(k, id, "job.state")).outputs), "'done'");
    await k.request("control", "delete_subshell_request", { subshell_id: id });
  });
});
