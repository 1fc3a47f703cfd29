import { performance } from "node:perf_hooks";
import { errorFromOutcome } from "../outcome";
import { Magic, MagicContext } from "../types";
import { formatSeconds } from "./timing";

async function timed(code: string, ctx: MagicContext) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const outcome = await ctx.evaluate(code);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  ctx.write(
    "stdout",
    `CPU times: user ${formatSeconds(cpu.user / 1e6)}, sys: ${formatSeconds(cpu.system / 1e6)}, total: ${formatSeconds((cpu.user + cpu.system) / 1e6)}\n` +
      `Wall time: ${formatSeconds(wall)}\n`,
  );
  if (outcome.status === "error") throw errorFromOutcome(outcome);
  return outcome.hasValue ? { hasValue: true, value: outcome.value } : { hasValue: false };
}

export const time: Magic = {
  name: "time",
  summary: "Time one run of a statement or cell: wall and CPU time.",
  usage: [
    "%time STATEMENT        time one TypeScript statement",
    "%%time                 time the whole cell",
    "",
    "Prints CPU times (user, sys, total; of the whole kernel process, worker threads included) and the wall",
    "time, then shows the statement's value like a cell would. Works with await.",
  ].join("\n"),
  args: "raw",
  line: (_a, raw, ctx) => timed(raw, ctx),
  cell: (_a, _raw, body, ctx) => timed(body, ctx),
};
