import type { KernelDoor } from "../door";
import { mapInNotebook } from "../parallel/map";
import { startRunningMap } from "../parallel/running-map";
import { createComm } from "./comm";
import { createDisplay } from "./display";
import * as plain from "./index";
import { createInput } from "./input";

export type ThreadlabModule = typeof plain;

/**
 * The `threadlab` module one kernel's cells get from `require("threadlab")`: the plain library's names, with
 * those that need the kernel wired to its door. Built per kernel, so no module-level global holds the kernel.
 */
export function createThreadlab(door: KernelDoor): ThreadlabModule {
  const run: ThreadlabModule["parallel"]["run"] = (items, fn, options = {}) => mapInNotebook(door, items, fn, options);
  const map: ThreadlabModule["parallel"]["map"] = async (items, fn, options = {}) =>
    (await run(items, fn, options)).results as never;
  const start: ThreadlabModule["parallel"]["start"] = (items, fn, options = {}) =>
    startRunningMap(door, items, fn, options);
  const parallel: ThreadlabModule["parallel"] = { ...plain.parallel, map, run, start };
  return {
    ...plain,
    parallel,
    clearOutput: (wait = false) => door.clearOutput(wait),
    display: createDisplay(door),
    ...createInput(door),
    comm: createComm(door),
  };
}
