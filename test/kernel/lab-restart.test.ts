/**
 * JupyterLab's own kernel connection (@jupyterlab/services, with the page config JupyterLab gets) across a
 * restart of a threadlab kernel, through a real `jupyter server` from the test venv: the connection must
 * leave "restarting" by itself, also when the restart comes during the kernel's TypeScript warm-up.
 * test/server/test_restart.py checks the same on the wire.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Kernel, KernelManager as KernelManagerType } from "@jupyterlab/services";
import { skipWithoutJupyter as skip, startJupyterServer, type TestJupyterServer, venvBin } from "./jupyter-server";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What jupyterlab_server puts in JupyterLab's page config: the status of these requests' replies is ignored. */
function untrackedMessageTypes(): string[] {
  const r = spawnSync(
    join(venvBin, "python"),
    [
      "-c",
      "import json; from jupyter_server.services.kernels.kernelmanager import MappingKernelManager as M; " +
        "print(json.dumps(M.class_traits()['untracked_message_types'].make_dynamic_default()))",
    ],
    { encoding: "utf8" },
  );
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
  let jupyterServer: TestJupyterServer | undefined;
  let manager: KernelManagerType;

  before(async () => {
    const { PageConfig } = require("@jupyterlab/coreutils") as typeof import("@jupyterlab/coreutils");
    PageConfig.setOption("untracked_message_types", JSON.stringify(untrackedMessageTypes()));
    jupyterServer = await startJupyterServer("threadlab-lab-restart-");
    manager = jupyterServer.manager;
  });

  after(async () => {
    await jupyterServer?.stop();
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
