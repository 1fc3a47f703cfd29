/**
 * JupyterLab's own kernel connection (@jupyterlab/services, with the page config JupyterLab gets) across a
 * restart of a threadlab kernel, through a real `jupyter server` from the test venv: the connection must
 * leave "restarting" by itself, also when the restart comes during the kernel's TypeScript warm-up.
 * test/server/test_restart.py checks the same on the wire.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Kernel, KernelManager as KernelManagerType } from "@jupyterlab/services";
import { freePort, repoRoot } from "./client";

const venvBin = join(repoRoot, ".venv", "bin");
const skip = existsSync(join(venvBin, "jupyter")) ? false : "no .venv/bin/jupyter (npm test creates it)";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What jupyterlab_server puts in JupyterLab's page config: the status of these requests' replies is ignored. */
function untrackedMessageTypes(): string[] {
  const r = spawnSync(join(venvBin, "python"), ["-c",
    "import json; from jupyter_server.services.kernels.kernelmanager import MappingKernelManager as M; " +
    "print(json.dumps(M.class_traits()['untracked_message_types'].make_dynamic_default()))"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cannot read untracked_message_types: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("JupyterLab's kernel connection across a threadlab restart", { skip }, () => {
  let server: ChildProcess;
  let root: string;
  let manager: KernelManagerType;
  let log = "";

  before(async () => {
    const port = await freePort();
    const token = randomBytes(12).toString("hex");
    root = mkdtempSync(join(tmpdir(), "threadlab-lab-restart-"));
    server = spawn(join(venvBin, "jupyter"), ["server", "--no-browser", `--ServerApp.port=${port}`, "--ServerApp.port_retries=0",
      "--ServerApp.ip=127.0.0.1", `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${root}`,
      ...(process.getuid?.() === 0 ? ["--ServerApp.allow_root=True"] : [])], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, JUPYTER_PLATFORM_DIRS: "1" } });
    server.stdout!.on("data", (d) => (log += d));
    server.stderr!.on("data", (d) => (log += d));
    const { PageConfig } = require("@jupyterlab/coreutils") as typeof import("@jupyterlab/coreutils");
    PageConfig.setOption("untracked_message_types", JSON.stringify(untrackedMessageTypes()));
    const services = require("@jupyterlab/services") as typeof import("@jupyterlab/services");
    const serverSettings = services.ServerConnection.makeSettings({
      baseUrl: `http://127.0.0.1:${port}/`, wsUrl: `ws://127.0.0.1:${port}/`, token, appendToken: true,
      WebSocket: require("ws"), fetch, Request, Headers,
    } as never);
    const deadline = Date.now() + 60000;
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/api/status?token=${token}`);
        if (r.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`jupyter server did not start:\n${log}`);
      await sleep(200);
    }
    manager = new services.KernelManager({ serverSettings });
    await manager.ready;
  });

  after(async () => {
    await manager?.shutdownAll().catch(() => undefined);
    manager?.dispose();
    server?.kill();
    rmSync(root, { recursive: true, force: true });
  });

  for (const when of ["during the warm-up", "after a first cell"] as const) {
    test(`a restart ${when} comes back idle without any request from the user`, async () => {
      const k: Kernel.IKernelConnection = await manager.startNew({ name: "threadlab" });
      const statuses: string[] = [];
      k.statusChanged.connect((_, s) => statuses.push(s));
      try {
        await until("a websocket", () => k.connectionStatus === "connected", 60000);
        // Its kernel_info reply: a restart would otherwise cancel that request, whose rejection nobody catches.
        // The kernel starts its warm-up right after answering kernel_info, so the restart below lands in it.
        await k.info;
        if (when === "after a first cell") {
          await k.requestExecute({ code: "1 + 1" }).done;
        }
        await k.restart();
        await until(`idle after the restart (statuses: ${statuses.join(" → ")})`, () => k.status === "idle", 60000);
        assert.ok(statuses.includes("restarting"), statuses.join(" → "));
        const reply = await k.requestExecute({ code: "2 + 3" }).done;
        assert.equal(reply.content.status, "ok");
      } finally {
        await k.shutdown().catch(() => undefined);
        k.dispose();
      }
    });
  }
});
