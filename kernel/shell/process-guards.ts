import { errorInfo } from "../execution/executor";

let realExit: (code?: number) => never = process.exit.bind(process);

/**
 * User code must not end the kernel: `process.exit()` in a cell (or a library it calls) throws instead.
 * The kernel keeps the real function for its own shutdown (`exitKernel`).
 */
export function guardProcessExit(): void {
  if ((process.exit as { threadlabGuard?: boolean }).threadlabGuard) return;
  realExit = process.exit.bind(process);
  const guarded = ((code?: number) => {
    throw new Error(
      `process.exit(${code ?? ""}) would end the kernel and lose every variable; use the Restart or Shut Down command of your notebook instead`,
    );
  }) as typeof process.exit & { threadlabGuard?: boolean };
  guarded.threadlabGuard = true;
  process.exit = guarded;
}

/** Ends the process even with live timers, sockets or worker threads: a shutdown request is final. */
export function exitKernel(code: number): never {
  return realExit(code);
}

/**
 * Errors that escaped a cell (a timer that threw, a rejected promise nobody awaited) are shown as stderr of
 * the current cell instead of ending the kernel.
 */
export function reportStrayErrors(write: (text: string) => void): void {
  const report = (what: string, e: unknown) => write(`${what}: ${errorInfo(e).traceback.join("\n")}\n`);
  process.on("uncaughtException", (e) => report("uncaught exception", e));
  process.on("unhandledRejection", (e) => report("unhandled promise rejection", e));
}
