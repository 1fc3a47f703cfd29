import type { HistoryStore } from "../../history/store";
import { historyMagic } from "./history";
import { MagicRegistry } from "../registry";
import { env } from "./env";
import { lsmagic } from "./lsmagic";
import { npmMagic } from "./npm";
import { systemMagics } from "./system";
import { time } from "./time";
import { timeitMagic } from "./timeit";
import { who, whos } from "./who";

/** What some built-in magics need from the kernel: the notebook's directory and the history. */
export interface BuiltinMagicDeps {
  cwd: string;
  history: HistoryStore;
}

export function registerBuiltinMagics(registry: MagicRegistry, deps: BuiltinMagicDeps): void {
  for (const m of [
    lsmagic,
    time,
    timeitMagic,
    env,
    who,
    whos,
    historyMagic(deps.history),
    npmMagic(deps.cwd),
    ...systemMagics(deps.cwd),
  ])
    registry.register(m);
}
