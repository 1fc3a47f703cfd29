/** Small formatting helpers shared by the components. */
import type { ConfigSource } from "../../../schema/vocabulary";

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** A count in at most about five characters (a worker row has no room for 1000000). */
export function count(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)}k`;
  return String(n);
}

export function rate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)}M/s`;
  if (perSecond >= 1e4) return `${Math.round(perSecond / 1e3)}k/s`;
  if (perSecond >= 100) return `${Math.round(perSecond)}/s`;
  return `${perSecond.toFixed(1)}/s`;
}

/** What each source means, for tooltips. */
export const SOURCE_TITLE: Readonly<Record<ConfigSource, string>> = {
  default: "threadlab's default",
  env: "set by an environment variable before the kernel started",
  api: "set by code (threadpool.limits)",
  magic: "set by %threadpool limit",
  sidebar: "set from this panel",
  cell: "set for the running cell (%%threadpool limit)",
};

export const CPU_SOURCE_TITLE: Readonly<Record<string, string>> = {
  logical: "all logical CPUs of the machine",
  affinity: "the CPUs this process may run on (affinity mask)",
  cgroup: "the container's CPU quota (cgroup)",
  THREADLAB_MAX_CPUS: "the THREADLAB_MAX_CPUS override",
};
