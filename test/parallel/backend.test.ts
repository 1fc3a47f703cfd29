/**
 * The map path without a kernel process: the plain `threadlab` library, the module a kernel builds around its
 * door (`createThreadlab`), and the backend seam. Real worker threads; the door is a recorder.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import type { KernelDoor } from "../../kernel/door";
import type { MimeBundle } from "../../kernel/protocol/messages";
import { createThreadlab } from "../../kernel/module/create";
import * as threadlab from "../../kernel/module/index";
import { localBackend } from "../../kernel/parallel/local-backend";
import type { ParallelMapOptions } from "../../kernel/parallel/public";
import { shutdownPool } from "../../kernel/parallel/notebook-pool";
import { resolveMapOptions } from "../../kernel/map/options";
import { fn } from "../pool/helpers";

after(() => shutdownPool());

/** A door that records what the map sends to the kernel. */
function recordingDoor() {
  const abort = new AbortController();
  const displays: { data: MimeBundle; update?: boolean }[] = [];
  const writes: { stream: string; text: string; parent: unknown }[] = [];
  const door: KernelDoor = {
    evaluate: () => Promise.reject(new Error("not used")),
    bind: () => Promise.reject(new Error("not used")),
    display: (data, opts) => void displays.push({ data, update: opts?.update }),
    clearOutput: () => undefined,
    write: (stream, text, parent) => void writes.push({ stream, text, parent }),
    signal: abort.signal,
    locate: () => undefined,
    currentParent: () => "cell-1",
    onShutdown: () => undefined,
    locals: {},
    cwd: process.cwd(),
    input: () => Promise.reject(new Error("not used")),
    comms: {
      registerTarget: () => undefined,
      unregisterTarget: () => undefined,
      open: () => {
        throw new Error("not used");
      },
    },
  };
  return { door, abort, displays, writes };
}

// Checked by the build (tsc), not at run time: the public options are the map's own. `shipped` and `cell` are
// the magic's plumbing (MagicMapOptions); if they leak back into ParallelMapOptions, this line stops compiling.
// @ts-expect-error `shipped` is not an option of parallel.map
export const plumbing: ParallelMapOptions = { workers: 2, shipped: undefined };

describe("the threadlab module and the map backend", () => {
  test("the plain library maps without a kernel and says clearOutput needs one", async () => {
    assert.deepEqual(await threadlab.parallel.map([1, 2, 3], fn("(x) => x * 2")), [2, 4, 6]);
    assert.throws(() => threadlab.clearOutput(), /clearOutput needs the threadlab kernel/);
  });

  test("a kernel's module shows progress, routes worker output to the cell that started the map, and clears through the door", async () => {
    const { door, displays, writes } = recordingDoor();
    let cleared: boolean | undefined;
    door.clearOutput = (wait) => void (cleared = wait);
    const tl = createThreadlab(door);
    const report = await tl.parallel.run([1, 2], fn("(x) => { console.log('item', x); return x + 1 }"));
    assert.deepEqual(report.results, [2, 3]);
    assert.match(
      String(displays.at(-1)?.data["text/plain"]),
      /^f: 2 items in /,
      "the summary replaces the bar in place",
    );
    const out = writes.map((w) => w.text).join("");
    assert.match(out, /item 1/);
    assert.ok(writes.every((w) => w.parent === "cell-1" && w.stream === "stdout"));
    tl.clearOutput(true);
    assert.equal(cleared, true);
  });

  test("aborting the door's signal (a kernel interrupt) cancels the map", async () => {
    const { door, abort } = recordingDoor();
    const tl = createThreadlab(door);
    const running = tl.parallel.map(
      threadlab.parallel.range(0, 1e6),
      fn("(x) => { const e = Date.now() + 2; while (Date.now() < e); return x }"),
      { progress: false },
    );
    setTimeout(() => abort.abort(new Error("interrupted")), 100);
    await assert.rejects(running, /cancelled after \d+ items/);
  });

  test("the local backend runs a submission whose options were validated once", async () => {
    const backend = localBackend(undefined);
    assert.equal(backend.kind, "local");
    const { id, done } = backend.submit({
      items: [3, 4],
      fn: fn("(x) => x * x"),
      options: resolveMapOptions({ name: "sq" }),
    });
    assert.ok(id > 0);
    const report = await done;
    assert.deepEqual(report.results, [9, 16]);
    assert.equal(report.name, "sq");
  });

  test("the cluster option and THREADLAB_CLUSTER pick the cluster backend (an unreachable cluster is a clear error)", async () => {
    // Port 1 on loopback refuses at once: the cluster backend was chosen and says what to check.
    const url = "nats://u:p@127.0.0.1:1";
    await assert.rejects(
      threadlab.parallel.map([1], fn("(x) => x"), { cluster: url }),
      /cannot reach the NATS server at nats:\/\/u:\*\*\*@127\.0\.0\.1:1 .*npm run cluster:local/s,
    );
    process.env.THREADLAB_CLUSTER = url;
    try {
      await assert.rejects(
        threadlab.parallel.map([1], fn("(x) => x")),
        /cannot reach the NATS server at nats:\/\/u:\*\*\*@127\.0\.0\.1:1/,
      );
    } finally {
      delete process.env.THREADLAB_CLUSTER;
    }
  });

  test("a blank THREADLAB_CLUSTER names no cluster: the map runs on the local pool", async () => {
    process.env.THREADLAB_CLUSTER = "  ";
    try {
      assert.deepEqual(await threadlab.parallel.map([2, 3], fn("(x) => x + 1")), [3, 4]);
    } finally {
      delete process.env.THREADLAB_CLUSTER;
    }
  });

  test("map options break one rule set, wherever they come from", async () => {
    await assert.rejects(
      threadlab.parallel.map([1], fn("(x) => x"), { maxHeapMB: 8 }),
      /maxHeapMB must be a number of megabytes, at least 16, got 8/,
    );
    await assert.rejects(
      threadlab.parallel.map([1], fn("(x) => x"), { workers: 0 }),
      /workers must be a positive integer, got 0/,
    );
    assert.throws(() => threadlab.parallel.setWorkers(1000), /size must be a whole number from 1 to 256, got 1000/);
  });
});
