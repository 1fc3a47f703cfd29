/**
 * How many CPUs this process may really use, after loky's `cpu_count()`: the minimum of the logical CPUs,
 * the affinity mask, the cgroup CPU quota (rounded up) and `THREADLAB_MAX_CPUS`, at least 1. Node's
 * `os.availableParallelism()` covers affinity only, so a container limited to 2 CPUs on a 64-core host
 * would otherwise start 64 workers.
 *
 * Everything is read below `root` so tests can point it at fixture directories.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism, cpus as osCpus } from "node:os";
import { join } from "node:path";

export type CpuSource = "logical" | "affinity" | "cgroup" | "THREADLAB_MAX_CPUS";

export interface CgroupQuota {
  /** Quota in CPUs, possibly fractional (quota / period). */
  cpus: number;
  /** The file that set it (inside `root`), for the doctor. */
  file: string;
  version: 1 | 2;
}

export interface CpuReport {
  logical: number;
  /** CPUs in this process's affinity mask (`os.availableParallelism()`). */
  affinity: number;
  cgroupQuota: CgroupQuota | null;
  maxCpusEnv: number | null;
  /** Physical cores, or null when the topology cannot be read. */
  physical: number | null;
  effective: number;
  effectiveSource: CpuSource;
}

export interface CpuOptions {
  /** Filesystem root to read `/proc` and `/sys` under (default `/`). */
  root?: string;
  env?: NodeJS.ProcessEnv;
  logical?: number;
  affinity?: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

// mountinfo escapes space, tab, newline and backslash as octal.
function unescapeMount(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

interface CgroupMount {
  root: string;
  mountPoint: string;
}

function findMount(mountinfo: string | undefined, version: 1 | 2): CgroupMount | undefined {
  for (const line of (mountinfo ?? "").split("\n")) {
    const [pre, post] = line.split(" - ");
    if (!post) continue;
    const f = pre.split(" ");
    const [fstype, , superOptions = ""] = post.split(" ");
    const ok = version === 2 ? fstype === "cgroup2" : fstype === "cgroup" && superOptions.split(",").includes("cpu");
    if (ok && f.length >= 5) return { root: unescapeMount(f[3]), mountPoint: unescapeMount(f[4]) };
  }
  return undefined;
}

/** Quota in CPUs from one cgroup directory, or undefined when it has no limit ("max" or -1). */
function quotaAt(dir: string, version: 1 | 2): { cpus: number; file: string } | undefined {
  if (version === 2) {
    const file = join(dir, "cpu.max");
    const [quota, period] = (read(file) ?? "").trim().split(/\s+/);
    if (!quota || quota === "max") return undefined;
    const q = Number(quota),
      p = Number(period ?? 100000);
    return q > 0 && p > 0 ? { cpus: q / p, file } : undefined;
  }
  const file = join(dir, "cpu.cfs_quota_us");
  const q = Number((read(file) ?? "").trim());
  const p = Number((read(join(dir, "cpu.cfs_period_us")) ?? "").trim());
  return q > 0 && p > 0 ? { cpus: q / p, file } : undefined;
}

/**
 * The tightest CPU quota on the way from this process's cgroup up to the hierarchy's root. Limits set on a
 * parent apply to every child, and container runtimes often set them one or two levels up.
 */
export function cgroupCpuQuota(root = "/"): CgroupQuota | null {
  const cgroupText = read(join(root, "proc/self/cgroup"));
  if (!cgroupText) return null;
  const mountinfo = read(join(root, "proc/self/mountinfo"));
  let best: CgroupQuota | null = null;
  for (const line of cgroupText.split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const version: 1 | 2 = m[1] === "0" && m[2] === "" ? 2 : 1;
    if (version === 1 && !m[2].split(",").includes("cpu")) continue;
    const cgroupPath = m[3];
    const mount = findMount(mountinfo, version);
    const mountPoints = mount
      ? [mount.mountPoint]
      : version === 2
        ? ["/sys/fs/cgroup"]
        : ["/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu"];
    // Inside a cgroup namespace the mount's root is the process's own cgroup, so the path is relative to it.
    const mountRoot = mount?.root ?? "/";
    let rel = cgroupPath;
    if (mountRoot !== "/" && (rel === mountRoot || rel.startsWith(mountRoot + "/"))) rel = rel.slice(mountRoot.length);
    else if (mountRoot !== "/") rel = "/";
    for (const mp of mountPoints) {
      const parts = rel.split("/").filter(Boolean);
      for (let depth = parts.length; depth >= 0; depth--) {
        const q = quotaAt(join(root, mp, ...parts.slice(0, depth)), version);
        if (q && (!best || q.cpus < best.cpus)) best = { ...q, version };
      }
    }
  }
  return best;
}

/** Physical cores: distinct (package, core) pairs from /proc/cpuinfo, else from /sys topology. */
export function physicalCores(root = "/"): number | null {
  const cores = new Set<string>();
  let physicalId = "0";
  for (const line of (read(join(root, "proc/cpuinfo")) ?? "").split("\n")) {
    const [key, value] = line.split(":").map((s) => s?.trim());
    if (key === "physical id") physicalId = value;
    else if (key === "core id") cores.add(`${physicalId}/${value}`);
  }
  if (cores.size > 0) return cores.size;
  const base = join(root, "sys/devices/system/cpu");
  let entries: string[];
  try {
    entries = readdirSync(base).filter((d) => /^cpu\d+$/.test(d));
  } catch {
    return null;
  }
  for (const cpu of entries) {
    const pkg = read(join(base, cpu, "topology/physical_package_id"))?.trim();
    const core = read(join(base, cpu, "topology/core_id"))?.trim();
    if (pkg !== undefined && core !== undefined) cores.add(`${pkg}/${core}`);
  }
  return cores.size > 0 ? cores.size : null;
}

/** Parses `THREADLAB_MAX_CPUS`; throws an error that names the variable and the accepted form. */
export function parseMaxCpus(value: string | undefined): number | null {
  if (value === undefined || value.trim() === "") return null;
  if (!/^\s*\d+\s*$/.test(value) || Number(value) < 1) {
    throw new Error(
      `THREADLAB_MAX_CPUS=${JSON.stringify(value)} is not valid: use a whole number ≥ 1 ` +
        `(the most CPUs threadlab may use), or unset it.`,
    );
  }
  return Number(value);
}

/** Every CPU figure and the effective count, each with where it came from. */
export function cpuReport(options: CpuOptions = {}): CpuReport {
  const root = options.root ?? "/";
  const env = options.env ?? process.env;
  const affinity = options.affinity ?? availableParallelism();
  const logical = options.logical ?? (osCpus().length || affinity);
  const cgroupQuota = cgroupCpuQuota(root);
  const maxCpusEnv = parseMaxCpus(env.THREADLAB_MAX_CPUS);
  // In tie order: the most explicit reason first, so the doctor names the cap a person set.
  const candidates: [CpuSource, number | null][] = [
    ["THREADLAB_MAX_CPUS", maxCpusEnv],
    ["cgroup", cgroupQuota ? Math.ceil(cgroupQuota.cpus) : null],
    ["affinity", affinity],
    ["logical", logical],
  ];
  let effective = Infinity;
  let effectiveSource: CpuSource = "logical";
  for (const [source, n] of candidates) {
    if (n !== null && n < effective) {
      effective = n;
      effectiveSource = source;
    }
  }
  return {
    logical,
    affinity,
    cgroupQuota,
    maxCpusEnv,
    physical: physicalCores(root),
    effective: Math.max(1, effective),
    effectiveSource,
  };
}

/** The effective CPU count alone. */
export function effectiveCpuCount(options?: CpuOptions): number {
  return cpuReport(options).effective;
}
