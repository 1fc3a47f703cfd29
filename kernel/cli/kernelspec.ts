/**
 * The kernelspec threadlab writes: kernel.json, and on POSIX a launcher script beside it.
 *
 * Why a launcher: a kernelspec whose argv is `/abs/node …` dies at start once that Node is gone (an nvm or
 * Homebrew upgrade removes it), and Jupyter's log then shows only a FileNotFoundError. The launcher starts
 * the recorded Node, or else the first Node ≥ 20 on PATH, and otherwise says in the server's log what is
 * missing and which command repairs it. It `exec`s Node, so Jupyter's process is the kernel itself.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TESTED_NODE_LINES } from "./node-lines";

/** The lowest Node.js major the launcher accepts: the oldest line tested; `engines` says the same to npm. */
export const MIN_NODE_MAJOR = TESTED_NODE_LINES[0].major;

/** What install recorded, kept in kernel.json's metadata so `threadlab doctor` can check it later. */
export interface KernelspecRecord {
  version: string;
  /** The Node.js to start; "" for the first Node.js >= MIN_NODE_MAJOR on PATH (the wheel's kernelspec). */
  node: string;
  /** bin/threadlab.js, absolute, or relative to the kernelspec's directory (the wheel's kernelspec). */
  entry: string;
  /** The command that writes this kernelspec again. */
  repair: string;
}

export interface KernelJson {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: string;
  env: Record<string, string>;
  metadata: { debugger: boolean; threadlab?: KernelspecRecord };
}

export const LAUNCHER = "launch.sh";

/** The logos in kernel/assets/ that Jupyter shows for the kernelspec. */
export const LOGOS = ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"];

/**
 * Writes kernel.json and the launcher into `kernelDir`. `relocatable`: the launcher is named through
 * Jupyter's `{resource_dir}`, for a kernelspec whose final place is not known when it is written (a wheel).
 */
export function writeKernelspec(
  kernelDir: string,
  record: KernelspecRecord,
  displayName: string,
  relocatable = false,
): KernelJson {
  const posix = process.platform !== "win32";
  const launcher = join(kernelDir, LAUNCHER);
  const launcherArg = relocatable ? `{resource_dir}/${LAUNCHER}` : launcher;
  const spec: KernelJson = {
    argv: [
      ...(posix ? ["/bin/sh", launcherArg] : [record.node, record.entry, "kernel"]),
      "--connection-file",
      "{connection_file}",
    ],
    display_name: displayName,
    language: "typescript",
    // "message": the control thread turns interrupt_request into SIGINT, so interrupts work on any transport.
    interrupt_mode: "message",
    env: {},
    metadata: { debugger: false, threadlab: record },
  };
  if (posix) {
    writeFileSync(launcher, launcherScript(record));
    chmodSync(launcher, 0o755);
  }
  writeFileSync(join(kernelDir, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
  return spec;
}

function sh(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function launcherScript(r: KernelspecRecord): string {
  return `#!/bin/sh
# Written by threadlab ${r.version}; Jupyter runs it from kernel.json.
# Starts the Node.js recorded at install, or the first Node.js >= ${MIN_NODE_MAJOR} on PATH when none was recorded or
# that one has moved (an nvm/Homebrew upgrade), and otherwise says in the server's log what is missing and how
# to repair it.
node=${sh(r.node)}
entry=${sh(r.entry)}
repair=${sh(r.repair)}
case $entry in /*) ;; *) entry="$(cd "$(dirname "$0")" && pwd)/$entry" ;; esac
if [ ! -f "$entry" ]; then
  echo "threadlab: cannot start the kernel: $entry is gone (threadlab was uninstalled, moved, or removed from a cache). Install threadlab again, then run: $repair" >&2
  exit 1
fi
if [ -z "$node" ] || [ ! -x "$node" ]; then
  found=$(command -v node 2>/dev/null || true)
  if [ -n "$found" ] && "$found" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= ${MIN_NODE_MAJOR} ? 0 : 1)' 2>/dev/null; then
    [ -n "$node" ] && echo "threadlab: the Node.js this kernel was installed with ($node) is gone; starting with $found instead. Run '$repair' to record it." >&2
    node=$found
  elif [ -n "$node" ]; then
    echo "threadlab: cannot start the kernel: the Node.js it was installed with ($node) is gone, and there is no Node.js >= ${MIN_NODE_MAJOR} on PATH\${found:+ ($found is older)}. Install Node.js >= ${MIN_NODE_MAJOR}, then run: $repair" >&2
    exit 1
  else
    echo "threadlab: cannot start the kernel: it needs Node.js >= ${MIN_NODE_MAJOR} on the PATH of the Jupyter server\${found:+ ($found is older)}. Install Node.js >= ${MIN_NODE_MAJOR} (https://nodejs.org), or run: $repair" >&2
    exit 1
  fi
fi
exec "$node" "$entry" kernel "$@"
`;
}
