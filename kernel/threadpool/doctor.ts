/**
 * `threadlab doctor` and `%threadpool doctor`: everything that decides how many threads run, in one report,
 * after `lenskit doctor`. The report is plain data (JSON output is the object itself); `formatDoctor` renders
 * it for people. It never throws: a broken variable becomes an error line, since the doctor is what people
 * run when something is wrong.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import * as os from "node:os";
import { dirname, join } from "node:path";
import type { ControllerInfo } from "./controller";
import type { ParallelConfig } from "./config";
import { cpuReport, type CpuReport } from "./cpus";
import { formatInfo } from "./format";
import type { LimitEntry } from "./limit-state";
import { activeLimitEntries, backendLimitsForWorkers, config } from "./limits";
import { openmpWarnings } from "./native/openmp";
import { checkOversubscription, type OversubscriptionCheck } from "./oversubscription";
import { detectControllers } from "./registry";

export interface DoctorReport {
  reportVersion: 1;
  versions: {
    threadlab: string | null;
    node: string;
    v8: string;
    uv: string;
    typescript: string | null;
    tslab: string | null;
  };
  os: { platform: string; release: string; arch: string; hostname: string };
  cpus: CpuReport | null;
  memory: { totalBytes: number; freeBytes: number; processRssBytes: number };
  config: ParallelConfig | null;
  controllers: ControllerInfo[];
  activeLimits: LimitEntry[];
  /** Variables that change thread counts, as set in this process. */
  environment: Record<string, string>;
  oversubscription: OversubscriptionCheck | null;
  warnings: string[];
  errors: string[];
}

const ENV_PATTERN =
  /^(THREADLAB_|OMP_|OPENBLAS_|MKL_|GOMP_|KMP_|BLIS_|VECLIB_|NUMEXPR_|NUMBA_NUM_THREADS$|UV_THREADPOOL_SIZE$|NODE_OPTIONS$|VIPS_CONCURRENCY$|POLARS_MAX_THREADS$)/;

function packageVersion(name: string, from = __dirname): string | null {
  // Read package.json files instead of requiring the packages: the doctor must not load TypeScript or tslab.
  try {
    return JSON.parse(readFileSync(require.resolve(`${name}/package.json`, { paths: [from] }), "utf8")).version ?? null;
  } catch {
    return null;
  }
}

function ownVersion(): string | null {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (!existsSync(file)) continue;
    try {
      const pkg = JSON.parse(readFileSync(file, "utf8"));
      if (pkg.name === "threadlab") return pkg.version ?? null;
    } catch {
      // Keep walking: a broken package.json further down is not ours.
    }
  }
  return null;
}

/** Gathers the report. `env` defaults to the process environment. */
export function doctor(env: NodeJS.ProcessEnv = process.env): DoctorReport {
  const errors: string[] = [];
  const attempt = <T>(what: string, f: () => T): T | null => {
    try {
      return f();
    } catch (err) {
      errors.push(`${what}: ${(err as Error)?.message ?? err}`);
      return null;
    }
  };
  const cpus = attempt("CPUs", () => cpuReport({ env }));
  const cfg = attempt("configuration", () => config());
  const detection = detectControllers();
  errors.push(...detection.errors);
  const controllers: ControllerInfo[] = [];
  for (const c of detection.controllers) {
    const info = attempt(`info of ${c.id}`, () => c.info());
    if (info) controllers.push(info);
  }
  const activeLimits = activeLimitEntries();
  const over = cfg
    ? attempt("oversubscription check", () =>
        checkOversubscription(controllers, cfg, backendLimitsForWorkers().entries),
      )
    : null;
  const environment: Record<string, string> = {};
  for (const k of Object.keys(env).sort()) if (ENV_PATTERN.test(k) && env[k] !== undefined) environment[k] = env[k]!;
  return {
    reportVersion: 1,
    versions: {
      threadlab: ownVersion(),
      node: process.versions.node,
      v8: process.versions.v8,
      uv: process.versions.uv,
      // The TypeScript that compiles cells (kernel/execution/converter/), not tslab's bundled 5.0 fork.
      typescript: packageVersion("typescript"),
      tslab: packageVersion("tslab"),
    },
    os: { platform: os.platform(), release: os.release(), arch: os.arch(), hostname: os.hostname() },
    cpus,
    memory: { totalBytes: os.totalmem(), freeBytes: os.freemem(), processRssBytes: process.memoryUsage.rss() },
    config: cfg,
    controllers,
    activeLimits,
    environment,
    oversubscription: over,
    warnings: [...openmpWarnings(controllers), ...(over?.warnings ?? [])],
    errors,
  };
}

const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;

/** The report as text for people. */
export function formatDoctor(r: DoctorReport): string {
  const out: string[] = [];
  const v = r.versions;
  out.push(
    `threadlab ${v.threadlab ?? "?"} · Node ${v.node} · V8 ${v.v8} · libuv ${v.uv} · TypeScript ` +
      `${v.typescript ?? "?"} · tslab ${v.tslab ?? "?"}`,
  );
  out.push(`OS: ${r.os.platform} ${r.os.release} (${r.os.arch})`);
  if (r.cpus) {
    const c = r.cpus;
    const quota = c.cgroupQuota
      ? `${c.cgroupQuota.cpus} (cgroup v${c.cgroupQuota.version}, ${c.cgroupQuota.file})`
      : "none";
    out.push(
      `CPUs: effective ${c.effective} (from ${c.effectiveSource}) · logical ${c.logical} · physical ` +
        `${c.physical ?? "?"} · affinity ${c.affinity} · cgroup quota ${quota}` +
        (c.maxCpusEnv !== null ? ` · THREADLAB_MAX_CPUS ${c.maxCpusEnv}` : ""),
    );
  }
  out.push(
    `Memory: ${gib(r.memory.totalBytes)} total, ${gib(r.memory.freeBytes)} free, this process ${gib(r.memory.processRssBytes)}`,
  );
  if (r.config) {
    out.push("", "Parallel configuration:");
    for (const k of ["workers", "threads", "backendThreads"] as const) {
      const x = r.config[k];
      out.push(`  ${k.padEnd(15)} ${String(x.value).padStart(4)}  from ${x.source} (${x.detail})`);
    }
    for (const [k, rest] of Object.entries(r.config.rest)) {
      out.push(`  ${k} inside workers: ${rest!.values.join(",")} (from ${rest!.source})`);
    }
  }
  out.push("", "Thread pools:", formatInfo(r.controllers));
  if (r.activeLimits.length) {
    out.push("", "Active limits: " + r.activeLimits.map((e) => `${e.selector}=${e.threads} (${e.source})`).join(", "));
  }
  if (r.oversubscription) {
    out.push(
      "",
      `Compute threads: ${r.oversubscription.poolThreads} in a running map, ` +
        `${r.oversubscription.kernelThreads} on the kernel thread, ${r.oversubscription.cpus} CPUs`,
    );
    for (const b of r.oversubscription.breakdown) out.push(`  ${b}`);
    for (const n of r.oversubscription.notes) out.push(`  note: ${n}`);
  }
  const env = Object.entries(r.environment);
  out.push("", env.length ? "Environment:" : "Environment: no thread-related variables set");
  for (const [k, val] of env) out.push(`  ${k}=${val}`);
  for (const w of r.warnings) out.push(`WARNING: ${w}`);
  for (const e of r.errors) out.push(`ERROR: ${e}`);
  return out.join("\n");
}
