/**
 * Nothing of ours outlives what started it. A kernel, its snapshot launcher, the agents and the nats-server of
 * `threadlab cluster local` each hold worker threads, shared models or a port with a password: when the
 * process that started one dies (a crash, the OOM killer, `kill -9`, a container stop without a grace period),
 * nobody is left who knows how to reach or stop it, so it must end by itself.
 *
 * How: poll `process.ppid` once a second, as ipykernel's ParentPollerUnix does with `os.getppid()` (it is what
 * jupyter_client's `JPY_PARENT_PID` is for). A process's parent id changes only when its parent exits — the
 * orphan is handed to init or to a subreaper (systemd --user, tini, a container runtime), so "changed", not
 * "became 1", is the test. Linux's `prctl(PR_SET_PDEATHSIG)` would deliver a signal at once, but Node cannot
 * call it without a native addon, and it fires when the *thread* that forked us ends, not the process; the
 * poll costs one syscall a second on an unref'd timer and works in worker threads and on macOS too.
 * Builtins only: snapshot/launch.ts loads this before anything else at a kernel's start.
 */
import type { ChildProcess } from "node:child_process";

/** How often the parent is checked: ipykernel's period, so a kernel exits as soon as ipykernel would. */
export const PARENT_POLL_MS = 1000;

/** How long a process told to end (SIGTERM) gets to end cleanly before it is killed. */
export const END_GRACE_MS = 3000;

/**
 * Set by `LocalCluster` for the agents it starts: "exit when this process, your parent, exits". An agent
 * started by hand or by systemd does not have it, so `nohup threadlab agent &` keeps running after its shell.
 */
export const PARENT_PID_ENV = "THREADLAB_PARENT_PID";

/**
 * Calls `onGone` once, within `intervalMs`, after the process `parentPid` (default: this process's parent now)
 * stops being this process's parent. Returns a function that stops watching. The timer never keeps the process
 * alive. With no parent to watch (already init's child) it watches nothing: init never exits.
 */
export function watchParent(onGone: () => void, o: { parentPid?: number; intervalMs?: number } = {}): () => void {
  const parentPid = o.parentPid ?? process.ppid;
  if (parentPid <= 1) return () => undefined;
  const timer = setInterval(() => {
    if (process.ppid === parentPid) return;
    clearInterval(timer);
    onGone();
  }, o.intervalMs ?? PARENT_POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Ends this process the way SIGTERM does (its own handler: a clean stop) when its parent exits. A process
 * that handles SIGTERM then has one way to stop, whoever asks.
 */
export function terminateWithParent(o: { parentPid?: number; intervalMs?: number } = {}): () => void {
  return watchParent(() => process.kill(process.pid, "SIGTERM"), o);
}

/**
 * For a process started with PARENT_PID_ENV: follows that parent (as `terminateWithParent`) and removes the
 * variable, so that processes this one starts (an agent's child, user code's subprocesses) do not take a pid
 * that is not their parent's for theirs. Returns false when the variable was not set.
 */
export function terminateWithParentFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[PARENT_PID_ENV];
  if (value === undefined) return false;
  delete env[PARENT_PID_ENV];
  const parentPid = Number(value);
  if (!Number.isInteger(parentPid) || parentPid < 1) return false;
  // A parent already gone before we looked is caught by the first poll (the pids differ).
  terminateWithParent({ parentPid });
  return true;
}

/**
 * For a process that only relays to a child (the snapshot launcher, the nats-server tether): when this
 * process's parent exits, SIGTERM the child, and SIGKILL it if it has not ended `graceMs` later (a kernel stuck
 * in a synchronous cell cannot run its SIGTERM handler). The caller exits when the child does, as it already
 * does. Returns a function that stops watching; the child's exit stops it too.
 */
export function endChildWithParent(
  child: ChildProcess,
  o: { graceMs?: number; intervalMs?: number; onGone?: () => void } = {},
): () => void {
  const stop = watchParent(
    () => {
      o.onGone?.();
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), o.graceMs ?? END_GRACE_MS).unref();
    },
    { intervalMs: o.intervalMs },
  );
  child.once("exit", stop);
  return stop;
}
