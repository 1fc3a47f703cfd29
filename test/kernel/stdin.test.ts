/** input()/prompt() over Jupyter's stdin channel, with a real kernel and a client that answers. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RawClient, resultText, streamText } from "./client";
import { kernelForSuite } from "./suite-kernel";

describe("stdin: input() and prompt()", () => {
  let k: RawClient;
  kernelForSuite((client) => (k = client));

  /** A cell allowed to ask on stdin, left running for the test to answer. */
  const start = (code: string) => k.submit(code, { allow_stdin: true }, 20000);

  test("await input(prompt) asks the frontend on stdin and returns its answer; the output before it comes first", async () => {
    const seen = k.inputRequests.length;
    const run = await start(`console.log("before")\nconst name = await input("Your name? ")\n"hello " + name`);
    const req = await k.nextInputRequest(seen);
    assert.equal(req.header.msg_type, "input_request");
    assert.deepEqual(req.content, { prompt: "Your name? ", password: false });
    assert.equal(req.parent_header.msg_id, run.msgId, "parented to the cell's execute_request");
    await k.reply(req, "Ada");
    const reply = await run.reply;
    assert.equal(reply.content.status, "ok");
    const outputs = await k.outputsOf(run.msgId);
    assert.equal(streamText(outputs), "before\n");
    assert.equal(resultText(outputs), "'hello Ada'");
  });

  test("prompt() from the threadlab module, with a password field and a default for an empty answer", async () => {
    const seen = k.inputRequests.length;
    const run = await start(
      `import { input as ask, prompt as p } from "threadlab"\nconst secret = await ask("pin: ", { password: true })\nconst colour = await p("colour?", "blue")\nsecret.length + " " + colour`,
    );
    const first = await k.nextInputRequest(seen);
    assert.deepEqual(first.content, { prompt: "pin: ", password: true });
    await k.reply(first, "1234");
    const second = await k.nextInputRequest(seen + 1);
    assert.equal(second.content.prompt, "colour? [blue] ");
    await k.reply(second, "");
    await run.reply;
    assert.equal(resultText(await k.outputsOf(run.msgId)), "'4 blue'");
  });

  test("without allow_stdin, input() is a clear error and the kernel goes on", async () => {
    const { reply } = await k.execute(`await input("x? ")`, { allow_stdin: false });
    assert.equal(reply.content.status, "error");
    assert.equal(reply.content.ename, "StdinNotAllowedError");
    assert.match(String(reply.content.evalue), /allow_stdin: false/);
    assert.equal(resultText((await k.execute("1 + 1")).outputs), "2");
  });

  test("interrupt while waiting for input ends the cell; the next input works", async () => {
    const seen = k.inputRequests.length;
    const run = await start(`await input("waiting: ")`);
    await k.nextInputRequest(seen);
    await k.request("control", "interrupt_request", {});
    const reply = await run.reply;
    assert.equal(reply.content.status, "error");
    assert.equal(reply.content.ename, "Interrupted");
    const again = await start(`await input("again: ")`);
    const req = await k.nextInputRequest(seen + 1);
    await k.reply(req, "yes");
    await again.reply;
    assert.equal(resultText(await k.outputsOf(again.msgId)), "'yes'");
  });
});
