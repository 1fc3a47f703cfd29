import { writeSync } from "node:fs";
import Module from "node:module";
import { Socket } from "node:net";
import { dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import { setActiveSnapshot, type SnapshotState } from "./active";

/**
 * Runs after the snapshot is deserialized (build.ts registers it): makes the process look like one started
 * from bin/threadlab.js, hands the snapshot's modules to Node's loader, and starts the CLI.
 */
export function main(state: SnapshotState): void {
  delete (globalThis as { __threadlabSnapshot?: unknown }).__threadlabSnapshot;
  let ready = () => undefined as void;
  if (process.env.THREADLAB_SNAPSHOT_CHANNEL === "3") {
    delete process.env.THREADLAB_SNAPSHOT_CHANNEL;
    // Tells launch.ts that the blob was accepted; until `r` (ready) a death falls back to the plain kernel.
    writeSync(3, "d");
    ready = () => {
      // A worker thread is part of being ready: a kernel runs its maps on them, and a snapshot that breaks
      // workers (Node 24 and crypto, build.ts) must fail here, while launch.ts can still start a plain kernel.
      // It loads what workers load first; its start (~20 ms) is off the path of kernel_info and cells.
      const worker = new Worker('require("node:crypto"); require("node:zlib");', { eval: true, stdout: true });
      worker.on("error", () => undefined);
      worker.once("exit", () => {
        try {
          writeSync(3, "r");
        } catch {
          // The launcher is gone; the channel's close ends this process.
        }
      });
      worker.unref();
    };
    // The launcher only relays signals: if it dies (SIGKILL of its pid alone), the kernel must not outlive it.
    // SIGTERM, not exit: the kernel's handler shuts down cleanly (history written); before the kernel has
    // one, SIGTERM ends the process as exit did.
    const channel = new Socket({ fd: 3, readable: true, writable: false });
    channel.on("data", () => undefined);
    channel.on("close", () => process.kill(process.pid, "SIGTERM"));
    channel.unref();
  }
  setActiveSnapshot(state, ready);
  const M = Module as unknown as { _cache: Record<string, unknown>; _nodeModulePaths(d: string): string[] };
  for (const m of state.modules) {
    const mod = new Module(m.file);
    mod.filename = m.file;
    (mod as unknown as { paths: string[] }).paths = M._nodeModulePaths(dirname(m.file));
    mod.exports = m.exports;
    mod.loaded = true;
    M._cache[m.file] = mod;
  }
  // Child processes forked from the kernel inherit execArgv: they must not start from the kernel's snapshot.
  const exec = process.execArgv;
  for (let i = exec.length - 1; i >= 0; i--) {
    if (exec[i] === "--snapshot-blob") exec.splice(i, 2);
    else if (exec[i].startsWith("--snapshot-blob=")) exec.splice(i, 1);
  }
  const bin = join(state.root, "bin", "threadlab.js");
  process.argv.splice(0, process.argv.length, process.execPath, bin, ...process.argv.slice(1));
  // Loaded by path from the root the snapshot was built for, and typed here by its one entry point, so that
  // snapshot/ and cli/ (which starts snapshots) do not depend on each other.
  (require(join(state.root, "dist", "kernel", "cli", "main")) as { main(argv: string[]): void }).main(process.argv);
}
