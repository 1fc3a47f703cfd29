/**
 * The `threadlab` module as a plain library: `import { parallel, share, threadpool } from "threadlab"`.
 * In a notebook, `require("threadlab")` gets `createThreadlab(door)` (create.ts) instead: the same names,
 * wired to the running kernel (clearOutput, progress, cancel on interrupt, output to the cell).
 */
import { display as tslabDisplay, newDisplay as tslabNewDisplay, versions as tslabVersions } from "tslab/dist/public";
import { threadlabVersion } from "../kernel-info";

export type { Display } from "tslab/dist/public";

/** `parallel.map(items, fn, { model })`: the notebook's worker pool. See also `%parallel`. */
export * as parallel from "../parallel/public";

/** `share(obj)` moves a model's typed arrays into shared memory: one copy for every worker. */
export { share } from "../share";

/** threadpoolctl for Node: `threadpool.info()`, `threadpool.limits({ blas: 1 })`, `threadpool.doctor()`, … */
export * as threadpool from "./threadpool";

/** Rich output: `display.html("<b>hi</b>")`, `display.png(bytes)`, `display.markdown(…)`, … (tslab's helpers). */
export const display = tslabDisplay;

/** A display that later calls overwrite in place (update_display_data), for progress and live values. */
export const newDisplay = tslabNewDisplay;

/** Clears the output of the current cell; with `wait`, only when new output arrives (no flicker). */
export function clearOutput(wait = false): void {
  void wait;
  throw new Error("clearOutput needs the threadlab kernel; it is not available when threadlab is imported outside a notebook");
}

export const versions = {
  threadlab: threadlabVersion(),
  tslab: tslabVersions.tslab,
  typescript: tslabVersions.typescript,
  node: process.version,
  v8: process.versions.v8,
};
