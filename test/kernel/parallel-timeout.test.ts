/** `%parallel map --timeout` and `parallel.map(…, { timeout })` through a real kernel: flag, help, errors. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RawClient, resultText, streamText } from "./client";
import { kernelForSuite } from "./suite-kernel";

describe("per-item timeout from a notebook", () => {
  let k: RawClient;
  kernelForSuite(async (client) => {
    k = client;
    const { reply } = await k.execute(
      `import { parallel } from "threadlab";\nfunction stuck(x: number) {\n  if (x === 2) while (true) {}\n  return x * 10;\n}`,
      {},
      30_000,
    );
    assert.equal(reply.content.status, "ok", JSON.stringify(reply.content));
  });

  test("%parallel map --timeout with --errors collect: the other results, and the item's timeout in place", async () => {
    const { reply, outputs } = await k.execute(
      "%parallel map stuck [0, 1, 2, 3] --timeout 0.5 --errors collect --workers 1 --no-progress --out got",
      {},
      60_000,
    );
    assert.equal(reply.content.status, "ok", JSON.stringify(reply.content));
    assert.match(streamText(outputs, "stderr"), /1 of 4 items failed/);
    const { outputs: o2 } = await k.execute(
      "[got[0], got[1], got[3], got[2].name, got[2].message.split(';')[0]]",
      {},
      30_000,
    );
    assert.equal(resultText(o2), "[ 0, 10, 30, 'ItemTimeoutError', 'item 2 ran past the timeout of 0.5 s' ]");
  });

  test("parallel.map with { timeout } raises an error naming the item and the limit; the next map runs", async () => {
    const { reply } = await k.execute(
      "await parallel.map([0, 1, 2, 3], stuck, { timeout: 0.5, workers: 1 })",
      {},
      60_000,
    );
    assert.equal(reply.content.status, "error");
    assert.equal(reply.content.ename, "MapItemError", JSON.stringify(reply.content));
    assert.match(
      String(reply.content.evalue),
      /item 2 failed: ItemTimeoutError: item 2 ran past the timeout of 0\.5 s/,
    );
    const { outputs } = await k.execute("await parallel.map([5, 6], stuck, { workers: 1 })", {}, 60_000);
    assert.equal(resultText(outputs), "[ 50, 60 ]");
  });

  test("%%parallel map --timeout: a cell body whose item sleeps fails that item only", async () => {
    const { reply, outputs } = await k.execute(
      "%%parallel map [0, 1, 2] --timeout 0.5 --errors collect --workers 1 --no-progress --out napped\n" +
        "if (item === 1) await new Promise((r) => setTimeout(r, 1e6));\nreturn item + 100;",
      {},
      60_000,
    );
    assert.equal(reply.content.status, "ok", JSON.stringify(reply.content));
    assert.match(streamText(outputs, "stderr"), /1 of 3 items failed/);
    const { outputs: o2 } = await k.execute("[napped[0], napped[2], napped[1].name]", {}, 30_000);
    assert.equal(resultText(o2), "[ 100, 102, 'ItemTimeoutError' ]");
  });

  test("--timeout 0 is refused with the flag's name and its rule", async () => {
    const { reply } = await k.execute("%parallel map stuck [1] --timeout 0 --no-progress", {}, 30_000);
    assert.equal(reply.content.status, "error");
    assert.match(
      String(reply.content.evalue),
      /%parallel map: --timeout must be a positive, finite number of seconds, got 0/,
    );
  });

  test("the magic's help lists --timeout", async () => {
    const { reply } = await k.execute("%parallel?", {}, 30_000);
    // Help is paged: it comes in the reply's payload.
    const text = JSON.stringify(reply.content.payload);
    assert.match(text, /--timeout N\s+seconds one item may run/);
    await k.execute("%parallel shutdown");
  });
});
