import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU ticks (user + system) of each thread of this process, by thread id, from /proc/self/task: the
 * benchmarks here count the threads that computed between two readings.
 */
export function ticksByThread(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const s = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      // Fields after the command name (which may hold spaces): utime and stime are the 14th and 15th.
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      out.set(tid, Number(f[11]) + Number(f[12]));
    } catch {
      // thread gone
    }
  }
  return out;
}
