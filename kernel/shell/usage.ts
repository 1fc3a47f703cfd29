import { readFileSync } from "node:fs";
import { cpus, hostname } from "node:os";

/** A worker's cumulative figures, from the pool (pool.ts workerUsage()). */
export type WorkerUsage = Record<string, number | string>;

interface CpuSample {
  at: bigint;
  /** Process CPU time, µs: user + system of every thread of the process, pool workers included. */
  process: number;
  host: { busy: number; total: number };
}

/**
 * The reply to `usage_request` (control channel), in ipykernel 7's fields, which JupyterLab's Kernel Usage
 * panel (jupyter-resource-usage) shows. CPU figures are percentages since the previous request, as psutil's
 * cpu_percent: the first request has no interval, so its kernel_cpu is 0 and host_cpu_percent is left out,
 * as ipykernel leaves out psutil's meaningless first 0.0. `kernel_cpu` is the process's CPU time, which
 * counts every thread (the pool's workers, libuv's, V8's), so 150 means one and a half cores. threadlab's
 * own per-worker figures go under `threadlab`, a key no frontend reads by accident.
 */
export class UsageMeter {
  private last: CpuSample | undefined;

  constructor(private readonly workers: () => WorkerUsage[] | undefined) {}

  reply(): Record<string, unknown> {
    const now = sample();
    const prev = this.last;
    this.last = now;
    const seconds = prev ? Number(now.at - prev.at) / 1e9 : 0;
    const kernelCpu = prev && seconds > 0 ? (now.process - prev.process) / 1e6 / seconds : 0;
    const hostTotal = prev ? now.host.total - prev.host.total : 0;
    const content: Record<string, unknown> = {
      hostname: hostname(),
      pid: process.pid,
      cpu_count: cpus().length,
      kernel_cpu: round1(kernelCpu * 100),
      kernel_memory: kernelMemory(),
      host_virtual_memory: virtualMemory(),
    };
    if (prev && hostTotal > 0) content.host_cpu_percent = round1(((now.host.busy - prev.host.busy) / hostTotal) * 100);
    const workers = this.workers() ?? [];
    content.threadlab = { workers, heap_used: process.memoryUsage().heapUsed, rss: process.memoryUsage.rss() };
    return content;
  }
}

function sample(): CpuSample {
  const u = process.cpuUsage();
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
    busy += t.user + t.nice + t.sys + t.irq;
  }
  return { at: process.hrtime.bigint(), process: u.user + u.system, host: { busy, total } };
}

/** Bytes: the proportional set size where Linux reports it (as ipykernel prefers PSS), else the RSS. */
function kernelMemory(): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync("/proc/self/smaps_rollup", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    /* not Linux, or no smaps_rollup: the RSS below */
  }
  return process.memoryUsage.rss();
}

/**
 * psutil.virtual_memory()'s dict on Linux, from /proc/meminfo as psutil reads it (bytes; `used` is
 * total - free - buffers - cached, `percent` is (total - available) / total).
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
  const available = info.MemAvailable ?? free + buffers + cached;
  let used = total - free - buffers - cached;
  if (used < 0) used = total - free;
  return {
    total,
    available,
    percent: total > 0 ? round1(((total - available) / total) * 100) : 0,
    used,
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
