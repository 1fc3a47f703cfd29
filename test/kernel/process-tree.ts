/**
 * Processes by pid, for tests that kill a parent and check that nothing of ours is left. Found through
 * /proc parent links, never by name: other people's kernels, agents and nats-servers run on the same machine.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Parent pid of `pid`, or undefined when it is gone (a zombie counts as gone: it has exited). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may hold spaces: the fields after its closing one are fixed.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X") return undefined;
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  return parentOf(pid) !== undefined;
}

/** Every live descendant of `root` (children, their children, …). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const ppid = parentOf(pid);
    if (ppid === undefined) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

/** The command line of a live process, for failure messages. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "(gone)";
  }
}

/** Every command line on the machine (`ps -eo args`), for tests that look for a secret in them. */
export function allCommandLines(): string[] {
  const out: string[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const line = commandLine(Number(name));
    if (line !== "(gone)") out.push(line);
  }
  return out;
}

/**
 * Waits until none of `pids` is alive; resolves with the milliseconds that took, or rejects naming the ones
 * left (with their command lines) after `ms`.
 */
export async function waitForExit(pids: number[], ms: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0) return Date.now() - t0;
    if (Date.now() - t0 > ms)
      throw new Error(`still running after ${ms} ms: ${left.map((p) => `${p} (${commandLine(p)})`).join(", ")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
