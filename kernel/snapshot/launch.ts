/**
 * Starting the kernel from a V8 startup snapshot (build.ts) when one was built for this Node, this threadlab
 * and these tslab/TypeScript/@types/node versions, and building it in the background when it is missing.
 *
 * The kernelspec cannot carry `--snapshot-blob` itself: Node aborts on a missing, corrupt or foreign blob,
 * and the kernel must start regardless. So bin/threadlab.js stays the kernelspec's entry and re-executes
 * Node with the blob (~50 ms), keeping a channel on fd 3: the child writes `d` once deserialized and `r`
 * once the kernel is ready (sockets bound, TypeScript warmed, a worker thread started: runtime.ts). A child
 * that dies before `r` is started again here as the plain in-process kernel, in the same start, so a snapshot
 * can never be the reason a kernel does not start:
 * - died before `d`: V8 refused the file (truncated, foreign): it is deleted and rebuilt in the background;
 *   refused a second time in a row, it is marked bad as below;
 * - died between `d` and `r`: the snapshot itself breaks this Node (as Node 24 did with crypto, build.ts):
 *   it is deleted and marked bad (`<blob>.bad`, with the reason), so no later kernel of this Node and this
 *   threadlab tries or rebuilds it; `threadlab doctor` says so and what to do.
 * This module is loaded before anything else at kernel start: builtins only.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { PACKAGE_ROOT } from "../package-root";
import { endChildWithParent } from "../process/parent-watch";

const root = PACKAGE_ROOT;
const BUILD_SCRIPT = join(__dirname, "build.js");
const CONVERTER_DIR = join(__dirname, "..", "execution", "converter");

export function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "threadlab");
}

export function snapshotDisabled(): boolean {
  return process.env.THREADLAB_SNAPSHOT === "0";
}

function packageVersion(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
}

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`, { paths: [root] }));
}

/**
 * Names the blob after everything baked into it: V8 rejects a blob of another Node outright (an abort, not
 * an error), and the heap holds the code of these exact packages at these paths. Declaration files edited
 * in place are checked one by one at use (build.ts).
 */
export function snapshotPath(): string {
  const tslab = packageDir("tslab");
  const inputs = [
    process.version,
    process.arch,
    process.execPath,
    root,
    packageVersion(root),
    packageVersion(tslab),
    packageVersion(packageDir("typescript")),
    packageVersion(packageDir("@types/node")),
    // TypeScript reads these when it loads, which for a snapshot is at build time.
    Object.entries(process.env)
      .filter(([name]) => name.startsWith("TSC_") || name === "NODE_ENV")
      .sort(),
    // Contents, not mtimes: a rebuild of dist/ that changes nothing keeps the snapshot.
    readFileSync(BUILD_SCRIPT, "utf8"),
    readFileSync(join(__dirname, "runtime.js"), "utf8"),
    // The converter is loaded into the snapshot too (build.ts).
    ...readdirSync(CONVERTER_DIR)
      .filter((f) => f.endsWith(".js"))
      .sort()
      .map((f) => readFileSync(join(CONVERTER_DIR, f), "utf8")),
  ];
  const key = createHash("sha256").update(JSON.stringify(inputs)).digest("hex").slice(0, 16);
  return join(cacheDir(), `${blobPrefix()}${key}.blob`);
}

/** Blobs of this installation and Node share a prefix: a new build replaces the older ones (~50 MB each). */
function blobPrefix(): string {
  return `kernel-${process.version}-${createHash("sha256").update(root).digest("hex").slice(0, 8)}-`;
}

/** Why the blob of this key is not used, if it was marked bad (see the module's comment). */
export interface BadSnapshot {
  blob: string;
  reason: string;
  node: string;
  at: string;
}

/** The files kept beside a blob: its installation's root, the mark of a bad one, a first refusal. */
function marker(blob: string, kind: "root" | "bad" | "refused"): string {
  return `${blob}.${kind}`;
}

export function badSnapshot(blob: string = snapshotPath()): BadSnapshot | undefined {
  let text: string;
  try {
    text = readFileSync(marker(blob, "bad"), "utf8");
  } catch {
    return undefined;
  }
  try {
    return { blob, ...(JSON.parse(text) as Omit<BadSnapshot, "blob">) };
  } catch {
    // A marker cut short (a full disk) still marks the blob bad.
    return { blob, reason: "marked bad (the marker is unreadable)", node: "?", at: "?" };
  }
}

function markBad(blob: string, reason: string): void {
  try {
    mkdirSync(dirname(blob), { recursive: true });
    writeFileSync(marker(blob, "bad"), JSON.stringify({ reason, node: process.version, at: new Date().toISOString() }));
  } catch {
    // A read-only cache: this start still falls back; the next one tries the blob again.
  }
}

/** What `threadlab doctor` says of the startup snapshot for this Node and this installation. */
export function snapshotStatus(): { state: "disabled" | "ready" | "missing" | "bad"; text: string } {
  if (snapshotDisabled())
    return { state: "disabled", text: "disabled by THREADLAB_SNAPSHOT=0 (a kernel's first result waits ~1–2 s more)" };
  let blob: string;
  try {
    blob = snapshotPath();
  } catch (e) {
    return { state: "missing", text: `cannot be keyed here (${(e as Error).message}); kernels start without it` };
  }
  const bad = badSnapshot(blob);
  if (bad)
    return {
      state: "bad",
      text:
        `marked bad on ${bad.at} (Node.js ${bad.node}: ${bad.reason}); kernels start without it, ~1–2 s slower to ` +
        `their first result. A new threadlab or Node.js tries a new one; to try this one again, delete ${marker(blob, "bad")}`,
    };
  if (existsSync(blob)) return { state: "ready", text: `ready: ${blob}` };
  return { state: "missing", text: "not built yet: the next kernel builds it in the background" };
}

/**
 * Starts the kernel from the snapshot when there is one; returns false (the caller starts the kernel in this
 * process) when there is none, it is disabled or marked bad. `fallback` runs the plain kernel when the child
 * dies before it is ready.
 */
export function launchFromSnapshot(args: string[], fallback: () => void): boolean {
  if (snapshotDisabled()) return false;
  let blob: string;
  try {
    blob = snapshotPath();
  } catch {
    return false;
  }
  if (!existsSync(blob) || badSnapshot(blob)) return false;
  const child = spawn(process.execPath, ["--snapshot-blob", blob, ...args], {
    stdio: ["inherit", "inherit", "inherit", "pipe"],
    env: { ...process.env, THREADLAB_SNAPSHOT_CHANNEL: "3" },
  });
  let phase: "starting" | "deserialized" | "ready" = "starting";
  const channel = child.stdio[3] as NodeJS.ReadableStream;
  channel.on("data", (d: Buffer) => {
    if (d.includes("r")) {
      phase = "ready";
      rmSync(marker(blob, "refused"), { force: true });
    } else if (d.includes("d")) phase = "deserialized";
  });
  channel.on("error", () => undefined);
  let relayed = false;
  const relay = (signal: NodeJS.Signals) => () => {
    relayed = true;
    child.kill(signal);
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];
  const handlers = signals.map((s) => [s, relay(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  child.on("error", () => undefined);
  // Ended because Jupyter is gone: a stop like a relayed signal, never a reason to start a plain kernel.
  endChildWithParent(child, { onGone: () => (relayed = true) });
  child.on("exit", (code, signal) => {
    for (const [s, h] of handlers) process.off(s, h);
    // A kernel stopped before it was ready (a signal relayed from Jupyter, a shutdown_request: exit 0) is not
    // the snapshot's fault, and must not come back as a plain kernel: only a death of its own counts. Nor is
    // one killed from outside (SIGKILL/SIGTERM sent to it rather than to us: `kill -9` of a process tree, the OOM
    // killer, a test run stopped with Ctrl-C) — that marked a good blob bad. A blob's own death is a crash
    // signal (SIGABRT, SIGSEGV, …) or a non-zero exit.
    const killed = signal === "SIGKILL" || signal === "SIGTERM";
    if (phase === "ready" || relayed || code === 0 || killed) {
      if (signal) process.kill(process.pid, signal);
      else process.exit(code ?? 0);
      return;
    }
    const how = signal ?? `exit ${code}`;
    const refusedBefore = existsSync(marker(blob, "refused"));
    if (phase === "starting" && !refusedBefore) {
      process.stderr.write(
        `threadlab: the startup snapshot ${blob} was refused (${how}); starting without it, and a new one is built in the background\n`,
      );
      try {
        writeFileSync(marker(blob, "refused"), how);
      } catch {
        // read-only cache
      }
    } else {
      const reason =
        phase === "starting"
          ? `refused twice in a row (${how})`
          : `the kernel started from it died before it was ready (${how})`;
      markBad(blob, reason);
      process.stderr.write(
        `threadlab: the startup snapshot ${blob}: ${reason}. Starting the kernel without it; the snapshot is marked bad ` +
          `(${marker(blob, "bad")}) and not used or rebuilt for Node.js ${process.version} and this threadlab. ` +
          `Nothing to do: kernels work without it, ~1–2 s slower to their first result; \`threadlab doctor\` tells more\n`,
      );
    }
    rmSync(blob, { force: true });
    fallback();
  });
  return true;
}

/**
 * Builds the snapshot (~3–8 s of CPU) into a temporary file renamed into place, so kernels starting
 * meanwhile see either no blob or a whole one; a lock file keeps concurrent kernels from building twice.
 */
export function buildSnapshot(opts: { blob?: string } = {}): { ok: boolean; blob: string; message: string } {
  const blob = opts.blob ?? snapshotPath();
  const bad = badSnapshot(blob);
  if (bad)
    return {
      ok: false,
      blob,
      message: `it was marked bad (${bad.reason}); delete ${marker(blob, "bad")} to try again`,
    };
  mkdirSync(dirname(blob), { recursive: true });
  const lock = `${blob}.lock`;
  try {
    closeSync(openSync(lock, "wx"));
  } catch {
    try {
      // A lock older than a build can take was left by a builder that died.
      if (Date.now() - statSync(lock).mtimeMs < 120_000)
        return { ok: false, blob, message: "another build is running" };
      unlinkSync(lock);
      closeSync(openSync(lock, "wx"));
    } catch {
      return { ok: false, blob, message: "another build is running" };
    }
  }
  const tmp = `${blob}.${process.pid}.tmp`;
  try {
    const r = spawnSync(process.execPath, ["--snapshot-blob", tmp, "--build-snapshot", BUILD_SCRIPT], {
      cwd: root,
      env: { ...process.env, THREADLAB_SNAPSHOT_ROOT: root, THREADLAB_SNAPSHOT_KEY: blob },
      encoding: "utf8",
      timeout: 300_000,
    });
    if (r.status !== 0 || !existsSync(tmp)) {
      return {
        ok: false,
        blob,
        message: `snapshot build failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr ?? "").trim().split("\n").slice(-5).join(" | ")}`,
      };
    }
    renameSync(tmp, blob);
    writeFileSync(marker(blob, "root"), root);
    pruneBlobs(blob);
    return { ok: true, blob, message: (r.stdout ?? "").trim() };
  } finally {
    for (const f of [tmp, lock]) {
      try {
        unlinkSync(f);
      } catch {
        // not there
      }
    }
  }
}

const ORPHAN_AGE_MS = 14 * 24 * 3600_000;

/**
 * Keeps the cache to live installations: older blobs of this one, and blobs whose installation is gone (a
 * deleted checkout or venv; named in the `.root` file beside each blob), ~50 MB each, would pile up.
 * Blobs from before the `.root` files are removed after two weeks.
 */
function pruneBlobs(current: string): void {
  const dir = dirname(current);
  const ours = blobPrefix();
  for (const file of readdirSync(dir)) {
    // A blob marked bad is deleted and leaves its marker, which goes with its installation's older blobs.
    const name = file.replace(/\.bad$/, "");
    if (!name.startsWith("kernel-") || !name.endsWith(".blob")) continue;
    const f = join(dir, name);
    if (f === current) continue;
    let gone: boolean;
    try {
      if (name.startsWith(ours)) gone = true;
      else if (existsSync(marker(f, "root")))
        gone = !existsSync(join(readFileSync(marker(f, "root"), "utf8"), "package.json"));
      else gone = Date.now() - statSync(f).mtimeMs > ORPHAN_AGE_MS;
    } catch {
      continue;
    }
    if (gone)
      for (const x of [f, marker(f, "root"), marker(f, "bad"), marker(f, "refused")]) rmSync(x, { force: true });
  }
}

/**
 * From a kernel that started without a snapshot: build one for the next kernel in a detached, low-priority
 * process, once this kernel has had its own start (`delayMs`), so it does not compete with the first cells.
 */
export function buildSnapshotInBackground(delayMs: number): void {
  if (snapshotDisabled()) return;
  let blob: string;
  try {
    blob = snapshotPath();
  } catch {
    return;
  }
  if (existsSync(blob) || badSnapshot(blob)) return;
  const timer = setTimeout(() => {
    try {
      const child = spawn(process.execPath, [__filename, "--build"], {
        detached: true,
        stdio: "ignore",
        env: process.env,
      });
      child.on("error", () => undefined);
      child.unref();
    } catch {
      // The next kernel tries again.
    }
  }, delayMs);
  timer.unref();
}

if (require.main === module && process.argv[2] === "--build") {
  try {
    require("node:os").setPriority(10);
  } catch {
    // Not allowed to lower it: build at normal priority.
  }
  const r = buildSnapshot();
  process.exitCode = r.ok ? 0 : 1;
}
