/**
 * A kernel ends with the process that started it. A real jupyter_client KernelManager (in a Python process of
 * its own, as the Jupyter server would be) starts the installed kernelspec; the test kills that Python process
 * with `kill -9` and checks, by pid, that the launcher and the kernel are gone within seconds — idle, during a
 * `%parallel map`, stuck in a synchronous cell, from the startup snapshot and without it.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { repoRoot } from "./client";
import { skipWithoutJupyter, venvBin } from "./jupyter-server";
import { alive, descendants, waitForExit } from "./process-tree";

/** The Jupyter side: starts the kernel, runs `code` without waiting for it, prints pids once it runs. */
const DRIVER = String.raw`
import json, sys, time
from jupyter_client import KernelManager
km = KernelManager(kernel_name="threadlab-parent-exit")
km.start_kernel()
kc = km.client()
kc.start_channels()
kc.wait_for_ready(timeout=120)
code, wait_for = sys.argv[1], sys.argv[2]
# A first cell waits for the TypeScript warm-up (synchronous, seconds on a loaded machine): idle means idle.
reply = kc.execute("1 + 1", reply=True, timeout=120)
assert reply["content"]["status"] == "ok", reply["content"]
if code:
    msg_id = kc.execute(code)
    # Until the cell runs: its output shows it (a map item printed), or for a cell that never yields (whose
    # output cannot be flushed) its busy status and a second more.
    deadline = time.time() + 120
    while time.time() < deadline:
        m = kc.get_iopub_msg(timeout=120)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        if wait_for == "busy" and m["msg_type"] == "status" and m["content"]["execution_state"] == "busy":
            time.sleep(1)
            break
        if m["msg_type"] == "stream" and wait_for in m["content"]["text"]:
            break
    else:
        sys.exit("the cell never printed " + wait_for)
print(json.dumps({"kernel": km.provisioner.process.pid}), flush=True)
time.sleep(3600)
`;

/** Where the exit must happen: the parent poll (1 s) plus a clean shutdown, or the 3 s kill of a stuck one. */
const EXIT_WITHIN_MS = 10_000;

interface Started {
  driver: ChildProcess;
  /** The launcher (bin/threadlab.js) and, with a snapshot, the kernel it started; by pid. */
  ours: number[];
  /** The kernel's stderr: the driver's, which the kernel inherits and keeps open after the driver dies. */
  stderr: () => string;
}

describe("a kernel whose parent is killed exits", { skip: skipWithoutJupyter, timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "threadlab-parent-exit-"));
  const driverFile = join(dir, "driver.py");
  const env = {
    ...process.env,
    PATH: `${venvBin}:${process.env.PATH}`,
    JUPYTER_PATH: join(dir, "share", "jupyter"),
    JUPYTER_PLATFORM_DIRS: "1",
    JUPYTER_RUNTIME_DIR: join(dir, "runtime"),
    XDG_CACHE_HOME: join(dir, "cache"),
    THREADLAB_HISTORY_FILE: join(dir, "history.sqlite"),
    THREADLAB_WORKERS: "2",
  };

  before(() => {
    writeFileSync(driverFile, DRIVER);
    const r = spawnSync(
      process.execPath,
      [join(repoRoot, "bin", "threadlab.js"), "install", "--prefix", dir, "--name", "threadlab-parent-exit"],
      { env, encoding: "utf8", timeout: 300_000 },
    );
    assert.equal(r.status, 0, `install failed: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /built the kernel's startup snapshot/, r.stdout);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function start(code = "", waitFor = "", extraEnv: Record<string, string> = {}): Promise<Started> {
    const driver = spawn(join(venvBin, "python"), [driverFile, code, waitFor], {
      env: { ...env, ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    driver.stdout!.setEncoding("utf8").on("data", (s: string) => (out += s));
    driver.stderr!.setEncoding("utf8").on("data", (s: string) => (err += s));
    const deadline = Date.now() + 180_000;
    while (!out.includes("\n")) {
      if (driver.exitCode !== null || Date.now() > deadline)
        throw new Error(`the driver did not start the kernel:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const { kernel } = JSON.parse(out) as { kernel: number };
    const ours = [kernel, ...descendants(kernel)];
    return { driver, ours, stderr: () => err };
  }

  async function killParentAndWait(k: Started): Promise<number> {
    assert.ok(k.ours.every(alive));
    k.driver.kill("SIGKILL");
    try {
      const ms = await waitForExit(k.ours, EXIT_WITHIN_MS);
      console.log(`# ${k.ours.length} process(es) gone ${ms} ms after the parent's kill -9`);
      return ms;
    } finally {
      for (const p of k.ours.filter(alive)) process.kill(p, "SIGKILL");
    }
  }

  /** Clean: the kernel logged the end of its own shutdown (history written, sockets closed). */
  async function assertCleanShutdown(k: Started): Promise<void> {
    // The pipe drains after the process ends.
    await new Promise((r) => setTimeout(r, 200));
    assert.match(k.stderr(), /terminated: shutting down[\s\S]*shut down/, k.stderr());
  }

  test("idle, started from the startup snapshot: the launcher and the kernel exit cleanly", async () => {
    const k = await start();
    assert.equal(k.ours.length, 2, "expected the launcher and the snapshot kernel");
    await killParentAndWait(k);
    await assertCleanShutdown(k);
  });

  test("during a %parallel map, from the startup snapshot: both exit cleanly", async () => {
    const slow = `(x: number) => { console.log("item " + x); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500); return x }`;
    const k = await start(`%parallel map ${slow} Array.from({ length: 200 }, (_, i) => i) --no-progress`, "item ");
    await killParentAndWait(k);
    await assertCleanShutdown(k);
  });

  test("idle, without the snapshot (the kernel runs in the launcher's process): exits cleanly", async () => {
    const k = await start("", "", { THREADLAB_SNAPSHOT: "0" });
    assert.equal(k.ours.length, 1, "expected the kernel alone");
    await killParentAndWait(k);
    await assertCleanShutdown(k);
  });

  test("stuck in a synchronous cell, without the snapshot: the control-plane thread ends the process", async () => {
    const k = await start("for (;;) {}", "busy", { THREADLAB_SNAPSHOT: "0" });
    await killParentAndWait(k);
  });

  test("stuck in a synchronous cell, from the snapshot: the launcher kills the kernel and exits", async () => {
    const k = await start("for (;;) {}", "busy");
    assert.equal(k.ours.length, 2);
    await killParentAndWait(k);
  });
});
