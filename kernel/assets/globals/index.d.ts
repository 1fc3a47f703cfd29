// Globals the threadlab kernel defines in every cell (kernel/module/input.ts). Made visible to the cell
// compiler as the type package @types/threadlab-globals by kernel/execution/typescript-env.ts.

/** Asks the person at the notebook for a line of text (Jupyter's stdin channel). `await input("name? ")`. */
declare function input(prompt?: string, opts?: { password?: boolean }): Promise<string>;

/** Like the browser's `prompt(message, default)`, but asynchronous: `await prompt("name?")`. */
declare function prompt(message?: string, defaultValue?: string): Promise<string>;
