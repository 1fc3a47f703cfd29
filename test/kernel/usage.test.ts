/**
 * `usage_request` on control against a real kernel process, answered by the control thread: at once while a
 * cell holds the main thread in a synchronous loop (JupyterLab's Kernel Usage panel gives up after 10 s), with
 * the pool's workers from the main thread when it is free. test/server/test_usage.py checks the figures
 * against psutil through jupyter-resource-usage's server extension.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { RawClient } from "./client";
import { submitOn } from "./subshell-client";
import { kernelForSuite } from "./suite-kernel";

type Usage = { hostname?: string; kernel_cpu: number; threadlab: { main_thread_busy: boolean; workers: unknown[] } };

describe("usage_request", () => {
  let k: RawClient;
  kernelForSuite((client) => (k = client));

  test("answers while a cell spins on the main thread, and says the main thread was busy", async () => {
    await k.execute(`import { parallel } from "threadlab"\n(await parallel.map([0, 1], (x) => x)).length`);
    const idle = (await k.request("control", "usage_request", {})).content as Usage;
    assert.ok(!idle.threadlab.main_thread_busy);
    assert.ok(idle.threadlab.workers.length >= 2, JSON.stringify(idle.threadlab));

    const spin = await submitOn(k, null, `const t0 = Date.now(); while (Date.now() - t0 < 8000) {}`, 20000);
    // Asked until the loop is on: the cell is compiled first, and its execute_input is only sent once the
    // loop ends (IOPub's sends wait for the event loop).
    let content: Usage | undefined;
    const deadline = Date.now() + 6000;
    while (!content?.threadlab.main_thread_busy && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      const t0 = Date.now();
      const r = await k.request("control", "usage_request", {}, 3000);
      const ms = Date.now() - t0;
      assert.equal(r.header.msg_type, "usage_reply");
      assert.ok(ms < 2000, `usage_reply took ${ms} ms: it waited for the cell`);
      content = r.content as Usage;
    }
    assert.ok(content?.threadlab.main_thread_busy, `never answered from inside the loop: ${JSON.stringify(content)}`);
    assert.ok(content.hostname);
    // The workers the main thread gave last time, not none.
    assert.ok(content.threadlab.workers.length >= 2, JSON.stringify(content.threadlab));
    // The loop's core, over the 0.5 s since the previous request.
    assert.ok(content.kernel_cpu > 30, `kernel_cpu ${content.kernel_cpu} while the main thread spins`);
    assert.equal((await spin.reply).content.status, "ok");

    const after = (await k.request("control", "usage_request", {})).content as Usage;
    assert.equal(after.threadlab.main_thread_busy, false);
  });
});
