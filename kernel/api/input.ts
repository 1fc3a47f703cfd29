/**
 * `input()` and `prompt()` for cells: ask the person at the notebook, through Jupyter's stdin channel.
 * Both are asynchronous (`await input("name? ")`): the kernel's main thread must stay free to receive the
 * answer. They are globals in cells, and exported by the `threadlab` module.
 */
import { requireHost } from "./host";

export interface InputOptions {
  /** Hide what is typed (a password field in the frontend). */
  password?: boolean;
}

/** Asks the frontend for a line of text; rejects if the frontend does not allow input or on interrupt. */
export function input(prompt = "", opts: InputOptions = {}): Promise<string> {
  const host = requireHost("input()");
  if (!host.input) return Promise.reject(new Error("input() is not available in this kernel"));
  return host.input(String(prompt), opts.password === true);
}

/** The browser's `prompt(message, default)`, asynchronous: an empty answer gives `default` (if any). */
export async function prompt(message = "", defaultValue?: string): Promise<string> {
  const answer = await input(defaultValue === undefined ? message : `${message} [${defaultValue}] `);
  return answer === "" && defaultValue !== undefined ? defaultValue : answer;
}

/** Makes `input` and `prompt` globals for cells (their types come from kernel/assets/globals). */
export function installInputGlobals(): void {
  Object.assign(globalThis, { input, prompt });
}
