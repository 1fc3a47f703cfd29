/**
 * The `threadlab` module as a plain library: `import { parallel, share, threadpool } from "threadlab"`.
 * In a notebook, `require("threadlab")` gets `createThreadlab(door)` (create.ts) instead: the same names,
 * wired to the running kernel (clearOutput, progress, cancel on interrupt, output to the cell).
 */
import { versions as tslabVersions } from "tslab/dist/public";
import { threadlabVersion } from "../kernel-info";

export type { Display, DisplayHandle } from "./display";

/** `parallel.map(items, fn, { model })`: the notebook's worker pool. See also `%parallel`. */
export * as parallel from "../parallel/public";

/** `share(obj)` moves a model's typed arrays into shared memory: one copy for every worker. */
export { share } from "../share";

/** threadpoolctl for Node: `threadpool.info()`, `threadpool.limits({ blas: 1 })`, `threadpool.doctor()`, … */
export * as threadpool from "./threadpool";

/** Rich output: `display(value)`, `display.html(…)`, `display.vegalite(spec)`, `newDisplay()` — see ./display.ts. */
export { display, newDisplay } from "./display";

/** `await input("name? ")`, `await prompt("name?", "default")`: ask the person at the notebook (also globals). */
export { input, prompt } from "./input";

/** Comms for user code: `comm.registerTarget(name, (c, open) => …)`, `comm.open(target, data)` — see ./comm.ts. */
export { comm } from "./comm";
export type { UserComm, UserCommMessage } from "./comm";

/** Clears the output of the current cell; with `wait`, only when new output arrives (no flicker). */
export function clearOutput(wait = false): void {
  void wait;
  throw new Error(
    "clearOutput needs the threadlab kernel; it is not available when threadlab is imported outside a notebook",
  );
}

export const versions = {
  threadlab: threadlabVersion(),
  tslab: tslabVersions.tslab,
  typescript: tslabVersions.typescript,
  node: process.version,
  v8: process.versions.v8,
};
