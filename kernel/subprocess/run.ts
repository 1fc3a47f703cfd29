import { spawn } from "node:child_process";
import type { ErrorInfo } from "../execution/executor";
import { CellError } from "../execution/cell-error";

export interface ProcessOptions {
  cwd: string;
  /** Aborted on interrupt: the child's whole process group is stopped. */
  signal: AbortSignal;
  /** Called with each piece of output as it arrives, decoded as UTF-8. */
  onOutput(stream: "stdout" | "stderr", text: string): void;
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** After SIGINT, how long a child may take to exit before it is killed. */
const KILL_AFTER_MS = 1000;

/**
 * Runs a command with its output streamed into the cell. stdin is closed (a cell cannot type into it, so
 * `cat` with no file ends instead of hanging). The child gets its own process group so that an interrupt
 * stops what the shell started too (`sleep` under `sh -c`), as Ctrl-C does in a terminal.
 */
export function runProcess(file: string, args: string[], opts: ProcessOptions): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal.aborted) return reject(interrupted());
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    // SIGINT first, as Ctrl-C would; then SIGKILL to the whole group, whether or not the shell has exited:
    // a non-interactive shell starts `cmd &` with SIGINT ignored, and such a child would outlive it. The
    // cell ends then too, even if an orphan still holds the output pipe.
    const stop = () => {
      signalGroup(child.pid, "SIGINT");
      setTimeout(() => {
        signalGroup(child.pid, "SIGKILL");
        reject(interrupted());
      }, KILL_AFTER_MS);
    };
    opts.signal.addEventListener("abort", stop, { once: true });
    for (const name of ["stdout", "stderr"] as const) {
      child[name].setEncoding("utf8");
      child[name].on("data", (text: string) => opts.onOutput(name, text));
    }
    child.once("error", (e: NodeJS.ErrnoException) => {
      opts.signal.removeEventListener("abort", stop);
      reject(e.code === "ENOENT" ? new CellError(notFound(file)) : e);
    });
    // "close", not "exit": all output has been read by then.
    child.once("close", (code, signal) => {
      opts.signal.removeEventListener("abort", stop);
      // After an interrupt the cell ends when the group has been killed (above), not before.
      if (!opts.signal.aborted) resolve({ code, signal });
    });
  });
}

function signalGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // Already gone.
  }
}

/** A non-zero exit as the cell's error, naming the command and its status (IPython's CalledProcessError). */
export function exitError(what: string, r: ProcessResult): CellError {
  const how = r.signal ? `was killed by ${r.signal}` : `exited with status ${r.code}`;
  const evalue = `${what} ${how}`;
  return new CellError({ ename: "ShellError", evalue, traceback: [`ShellError: ${evalue}`] });
}

function interrupted(): CellError {
  return new CellError({
    ename: "Interrupted",
    evalue: "the cell was interrupted",
    traceback: ["Interrupted: the cell was interrupted"],
  });
}

function notFound(file: string): ErrorInfo {
  const evalue = `${file} was not found on PATH (${process.env.PATH ?? ""}); install it, or use %%sh`;
  return { ename: "ShellError", evalue, traceback: [`ShellError: ${evalue}`] };
}

/** Quotes a word for sh: safe for any path. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** How a command is named in an error: its first line, shortened. */
export function commandLabel(command: string): string {
  const first = command.trim().split("\n")[0];
  const short = first.length > 60 ? `${first.slice(0, 57)}…` : first;
  return `\`${short}${command.trim().includes("\n") ? " …" : ""}\``;
}
