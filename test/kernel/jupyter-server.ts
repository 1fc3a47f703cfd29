/**
 * A real `jupyter server` from the test venv on a free port, and @jupyterlab/services' KernelManager on it:
 * what the sidebar model and JupyterLab's kernel connection are tested against.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KernelManager } from "@jupyterlab/services";
import { freePort, repoRoot } from "./client";

export const venvBin = join(repoRoot, ".venv", "bin");
/** For `describe(…, { skip })`: why the server tests cannot run here, or false. */
export const skipWithoutJupyter = existsSync(join(venvBin, "jupyter"))
  ? false
  : "no .venv/bin/jupyter (npm test creates it)";

export interface TestJupyterServer {
  readonly manager: KernelManager;
  /** The server's output so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts the server (root in a fresh temp dir) and waits until its REST API answers. */
export async function startJupyterServer(prefix: string, timeoutMs = 60000): Promise<TestJupyterServer> {
  const port = await freePort();
  const token = randomBytes(12).toString("hex");
  const root = mkdtempSync(join(tmpdir(), prefix));
  let log = "";
  const server: ChildProcess = spawn(
    join(venvBin, "jupyter"),
    [
      "server",
      "--no-browser",
      `--ServerApp.port=${port}`,
      "--ServerApp.port_retries=0",
      "--ServerApp.ip=127.0.0.1",
      `--IdentityProvider.token=${token}`,
      `--ServerApp.root_dir=${root}`,
      ...(process.getuid?.() === 0 ? ["--ServerApp.allow_root=True"] : []),
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, JUPYTER_PLATFORM_DIRS: "1" } },
  );
  server.stdout!.on("data", (d) => (log += d));
  server.stderr!.on("data", (d) => (log += d));
  const services = require("@jupyterlab/services") as typeof import("@jupyterlab/services");
  const serverSettings = services.ServerConnection.makeSettings({
    baseUrl: `http://127.0.0.1:${port}/`,
    wsUrl: `ws://127.0.0.1:${port}/`,
    token,
    appendToken: true,
    WebSocket: require("ws"),
    fetch,
    Request,
    Headers,
  } as never);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/status?token=${token}`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`jupyter server did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const manager = new services.KernelManager({ serverSettings });
  await manager.ready;
  return {
    manager,
    log: () => log,
    async stop() {
      await manager.shutdownAll().catch(() => undefined);
      manager.dispose();
      server.kill("SIGTERM");
      await new Promise((r) => (server.exitCode !== null ? r(null) : server.once("exit", r)));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
