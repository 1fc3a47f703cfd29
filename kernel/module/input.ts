/**
 * `input()` and `prompt()` for cells: ask the person at the notebook, through Jupyter's stdin channel.
 * Both are asynchronous (`await input("name? ")`): the kernel's main thread must stay free to receive the
 * answer. They are globals in cells (installed by the kernel), and exported by the `threadlab` module.
 */
import type { KernelDoor } from "../door";

export interface InputOptions {
  /** Hide what is typed (a password field in the frontend). */
  password?: boolean;
}

export interface InputFunctions {
  /** Asks the frontend for a line of text; rejects if the frontend does not allow input, or on interrupt. */
  input(prompt?: string, opts?: InputOptions): Promise<string>;
  /** The browser's `prompt(message, default)`, asynchronous: an empty answer gives `default` (if any). */
  prompt(message?: string, defaultValue?: string): Promise<string>;
}

/** input/prompt wired to a kernel's door; without one (a plain library) they reject. */
export function createInput(door?: KernelDoor): InputFunctions {
  const input = (prompt = "", opts: InputOptions = {}): Promise<string> =>
    door
      ? door.input(String(prompt), opts.password === true)
      : Promise.reject(
          new Error(
            "input() needs the threadlab kernel; it is not available when threadlab is imported outside a notebook",
          ),
        );
  const prompt = async (message = "", defaultValue?: string): Promise<string> => {
    const answer = await input(defaultValue === undefined ? message : `${message} [${defaultValue}] `);
    return answer === "" && defaultValue !== undefined ? defaultValue : answer;
  };
  return { input, prompt };
}

const plain = createInput();
export const input = plain.input;
export const prompt = plain.prompt;

/** Makes `input` and `prompt` globals for cells (their types come from kernel/assets/globals). */
export function installInputGlobals(fns: InputFunctions): void {
  Object.assign(globalThis, { input: fns.input, prompt: fns.prompt });
}
