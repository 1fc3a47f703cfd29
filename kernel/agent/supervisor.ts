/**
 * `threadlab agent` keeps the agent up: it runs the agent in a child process and starts a new one when that
 * process dies. An item that takes the whole process down (a native crash, `process.kill(process.pid, 9)`, the
 * OOM killer) then costs one restart, not the node: the batch comes back to the queue and is split until the item
 * is named (agent.ts). Loads nothing but child_process, so it stays a few MB above a bare Node process.
 */
import { fork, type ChildProcess } from "node:child_process";
import { BIN_PATH } from "../package-root";

/** Set in the child's environment: run the agent here rather than supervise one. */
export const SUPERVISED_ENV = "THREADLAB_AGENT_SUPERVISED";

/** Restart delays: doubling from the first while the agent keeps dying soon after starting. */
export const RESTART = {
  firstMs: 500,
  maxMs: 30_000,
  /** A child that ran this long was healthy: the next death restarts after `firstMs` again. */
  healthyAfterMs: 60_000,
};

/**
 * The agent process's main thread starts with a 1 MB semi-space: it only moves messages, and under their churn
 * V8's default (16 MB) let its young generation grow by 4–6 MB over the first maps, most of what put an agent
 * over one model + 10 MB per worker (bench/README.md). V8 reads the flag when an isolate is created, so the agent
 * sets it back to `WORKER_SEMI_SPACE_MB` before it starts its worker threads, which allocate as user code does.
 */
export const MAIN_THREAD_SEMI_SPACE_FLAG = "--max-semi-space-size=1";
/** V8's default on 64-bit systems (Node's documentation of --max-semi-space-size). */
export const WORKER_SEMI_SPACE_MB = 16;

/** A child's message to its supervisor once it is connected and pulling work. */
export interface ReadyMessage {
  t: "ready";
}

/**
 * Runs `threadlab agent ARGS` as a child with SUPERVISED_ENV set, restarting it when it dies after it was ready.
 * A child that fails before it is ready (bad credentials, no server) ends the supervisor with its exit code: a
 * configuration error is not fixed by restarting. SIGTERM/SIGINT stop the child gracefully, then the supervisor.
 */
export function superviseAgent(args: string[], name: string): void {
  const log = (line: string) => process.stderr.write(`[threadlab agent ${name}] ${line}\n`);
  let child: ChildProcess | undefined;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let delay = RESTART.firstMs;

  const start = () => {
    const startedAt = Date.now();
    let ready = false;
    // A user's own --max-semi-space-size (in NODE_OPTIONS or on the command line) wins over ours.
    const own = `${process.env.NODE_OPTIONS ?? ""} ${process.execArgv.join(" ")}`.includes("--max-semi-space-size");
    const c = fork(BIN_PATH, ["agent", ...args], {
      env: { ...process.env, [SUPERVISED_ENV]: "1" },
      execArgv: own ? process.execArgv : [...process.execArgv, MAIN_THREAD_SEMI_SPACE_FLAG],
      stdio: "inherit",
    });
    child = c;
    c.on("message", (m: ReadyMessage) => {
      if (m?.t !== "ready" || ready) return;
      ready = true;
      // Said because it is the moment the supervisor's promise starts: a death before it ends the supervisor.
      log(`the agent process ${c.pid} is ready; a crash from now on restarts it`);
    });
    c.on("exit", (code, signal) => {
      child = undefined;
      if (stopping || code === 0) process.exit(code ?? 0);
      if (!ready) process.exit(code || 1);
      if (Date.now() - startedAt > RESTART.healthyAfterMs) delay = RESTART.firstMs;
      log(
        `the agent process ${c.pid} died (${signal ?? `exit code ${code}`}); its batches return to the queue. ` +
          `Restarting it in ${(delay / 1000).toFixed(1)} s`,
      );
      restartTimer = setTimeout(start, delay);
      delay = Math.min(delay * 2, RESTART.maxMs);
    });
  };

  const stop = () => {
    if (stopping) return;
    stopping = true;
    clearTimeout(restartTimer);
    if (child) child.kill("SIGTERM");
    else process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  start();
}
