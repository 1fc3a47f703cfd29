import { readdirSync, readFileSync } from "node:fs";
import { cpus, hostname } from "node:os";

/** A worker's cumulative figures, from the pool (pool.ts workerUsage()). */
export type WorkerUsage = Record<string, number | string>;

interface CpuSample {
  at: bigint;
  /** Process CPU time, µs: user + system of every thread of the process, pool workers included. */
  process: number;
  /** Each child process's CPU time, µs, by pid (cluster agents and nats-server it started, snapshot builds). */
  children: Map<number, number>;
  host: { busy: number; total: number };
}

/**
 * What only the main thread can tell: the pool's workers (pool.ts workerUsage()) and its own V8 heap. The
 * control thread asks for it with each usage_request (protocol/control-usage.ts).
 */
export interface MainThreadUsage {
  workers: WorkerUsage[];
  heap_used: number;
}

/** Called on the main thread. */
export function mainThreadUsage(workers: WorkerUsage[] | undefined): MainThreadUsage {
  return { workers: workers ?? [], heap_used: process.memoryUsage().heapUsed };
}

/**
 * The reply to `usage_request` (control channel), in ipykernel 7's fields, which JupyterLab's Kernel Usage
 * panel (jupyter-resource-usage) shows. As ipykernel, the kernel is this process and its child processes,
 * recursively: `kernel_cpu` and `kernel_memory` are their sums. CPU figures are percentages since the
 * previous request, as psutil's cpu_percent: the first request has no interval, so its kernel_cpu is 0 and
 * host_cpu_percent is left out, as ipykernel leaves out psutil's meaningless first 0.0; a child first seen
 * counts 0 until the next request. `kernel_cpu` counts every thread of the process (the pool's workers,
 * libuv's, V8's), so 150 means one and a half cores. threadlab's own per-worker figures go under
 * `threadlab`, a key no frontend reads by accident.
 *
 * It runs on the control thread, so that a cell holding the main thread in a synchronous loop does not keep
 * the panel from its figures: everything here is process-wide (process.cpuUsage, the RSS, /proc) and reads
 * the same from any thread, except what the main thread gives (MainThreadUsage). When the main thread is
 * too busy to give it, the last one it gave is sent, with `threadlab.main_thread_busy`.
 */
export class UsageMeter {
  private last: CpuSample | undefined;
  private lastMain: MainThreadUsage = { workers: [], heap_used: 0 };

  reply(main: MainThreadUsage | undefined): Record<string, unknown> {
    if (main) this.lastMain = main;
    const pids = descendants(process.pid);
    const now = sample(pids);
    const prev = this.last;
    this.last = now;
    const seconds = prev ? Number(now.at - prev.at) / 1e9 : 0;
    let cpuUs = prev ? now.process - prev.process : 0;
    for (const [pid, us] of now.children) {
      const before = prev?.children.get(pid);
      if (before !== undefined) cpuUs += us - before;
    }
    const kernelCpu = seconds > 0 ? Math.max(0, cpuUs) / 1e6 / seconds : 0;
    const hostTotal = prev ? now.host.total - prev.host.total : 0;
    const content: Record<string, unknown> = {
      hostname: hostname(),
      pid: process.pid,
      cpu_count: cpus().length,
      kernel_cpu: round1(kernelCpu * 100),
      kernel_memory: [process.pid, ...pids].reduce((sum, pid) => sum + memoryOf(pid), 0),
      host_virtual_memory: virtualMemory(),
    };
    if (prev && hostTotal > 0) content.host_cpu_percent = round1(((now.host.busy - prev.host.busy) / hostTotal) * 100);
    content.threadlab = {
      workers: this.lastMain.workers,
      heap_used: this.lastMain.heap_used,
      main_thread_busy: main === undefined,
      rss: process.memoryUsage.rss(),
      child_pids: pids,
    };
    return content;
  }
}

function sample(children: number[]): CpuSample {
  const u = process.cpuUsage();
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
    busy += t.user + t.nice + t.sys + t.irq;
  }
  const byPid = new Map<number, number>();
  for (const pid of children) {
    const us = childCpuUs(pid);
    if (us !== undefined) byPid.set(pid, us);
  }
  return { at: process.hrtime.bigint(), process: u.user + u.system, children: byPid, host: { busy, total } };
}

/** The process's children, grandchildren…, from Linux's /proc (none elsewhere, as without psutil). */
function descendants(root: number): number[] {
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // gone, or not Linux
    }
    for (const tid of tasks) {
      let kids = "";
      try {
        kids = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8");
      } catch {
        /* exited meanwhile */
      }
      for (const k of kids.split(" ").filter(Boolean).map(Number)) {
        out.push(k);
        queue.push(k);
      }
    }
  }
  return out;
}

/** A child's user + system CPU time, µs, from /proc/<pid>/stat (clock ticks of 10 ms, Linux's USER_HZ). */
function childCpuUs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command, which is in parentheses and may hold spaces: state is field 3, utime 14.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10_000;
  } catch {
    return undefined;
  }
}

/** Bytes: the proportional set size where Linux reports it (as ipykernel prefers PSS), else the RSS. */
function memoryOf(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    /* not Linux, no smaps_rollup, or the child exited: the RSS below, or nothing for a child */
  }
  return pid === process.pid ? process.memoryUsage.rss() : 0;
}

/**
 * psutil.virtual_memory()'s dict on Linux, from /proc/meminfo as psutil 7 reads it (bytes; `used` and
 * `percent` are total - available, as `free` shows them).
 */
function virtualMemory(): Record<string, number> {
  let info: Record<string, number>;
  try {
    info = Object.fromEntries(
      readFileSync("/proc/meminfo", "utf8")
        .split("\n")
        .map((l) => /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1], Number(m[2]) * 1024]),
    );
  } catch {
    const { totalmem, freemem } = require("node:os") as typeof import("node:os");
    info = { MemTotal: totalmem(), MemFree: freemem(), MemAvailable: freemem() };
  }
  const total = info.MemTotal ?? 0;
  const free = info.MemFree ?? 0;
  const buffers = info.Buffers ?? 0;
  const cached = (info.Cached ?? 0) + (info.SReclaimable ?? 0);
  let available = Math.max(0, info.MemAvailable || free + buffers + cached);
  // More available than there is: a container's distorted figures (psutil then takes the free memory).
  if (available > total) available = free;
  return {
    total,
    available,
    percent: total > 0 ? round1(((total - available) / total) * 100) : 0,
    used: total - available,
    free,
    active: info.Active ?? 0,
    inactive: info.Inactive ?? 0,
    buffers,
    cached,
    shared: info.Shmem ?? 0,
    slab: info.Slab ?? 0,
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
