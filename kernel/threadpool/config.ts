/**
 * The resolved parallel configuration: how many pool workers, how many explicit threads per worker, and how
 * many threads native backends (BLAS, OpenMP, …) may use per worker thread — each value with its source.
 *
 * Knobs after LensKit: `THREADLAB_WORKERS`, `THREADLAB_THREADS`, `THREADLAB_BACKEND_THREADS`, each a number
 * or a comma-separated list with one entry per nesting level; a child (a worker's own view) pops the head.
 * Defaults after joblib: workers = effective CPUs, threads = 1, backend threads =
 * max(CPUs // (workers × threads), 1), so workers × threads × backend threads ≤ CPUs. `-1` means all CPUs
 * of the level. Precedence: cell > api | magic | sidebar > env > default; among equals, the latest wins.
 *
 * @module
 */
import { cpuReport, type CpuSource } from "./cpus";

export type ConfigSource = import("../../schema/vocabulary").ConfigSource;

/** Higher wins. API, magic and sidebar are the same kind of thing: a person asked for it in this session. */
export const SOURCE_RANK: Readonly<Record<ConfigSource, number>> = {
  default: 0,
  env: 1,
  api: 2,
  magic: 2,
  sidebar: 2,
  cell: 3,
};

export interface Resolved<T> {
  value: T;
  source: ConfigSource;
  /** Human-readable origin, e.g. `THREADLAB_WORKERS=4,2` or `max(2 // 2, 1)`. */
  detail: string;
}

export type Knob = "workers" | "threads" | "backendThreads";
export const KNOB_ENV: Readonly<Record<Knob, string>> = {
  workers: "THREADLAB_WORKERS",
  threads: "THREADLAB_THREADS",
  backendThreads: "THREADLAB_BACKEND_THREADS",
};

/** Values a session sets for some knobs, with where they came from. */
export interface ParallelSettings {
  source: Exclude<ConfigSource, "default" | "env">;
  /** What set it, for `Resolved.detail` (e.g. `limit threadlab=3`); default: the values. */
  what?: string;
  workers?: number | number[];
  threads?: number | number[];
  backendThreads?: number | number[];
}

export interface ParallelConfig {
  /** Nesting level: 0 in the kernel, 1 inside a pool worker, … */
  level: number;
  cpus: { value: number; source: CpuSource | "parent share"; detail: string };
  workers: Resolved<number>;
  threads: Resolved<number>;
  backendThreads: Resolved<number>;
  /** What children inherit: the rest of each list, when a list was given. */
  rest: Partial<Record<Knob, { values: number[]; source: ConfigSource; detail: string }>>;
}

const ACCEPTED =
  "a whole number ≥ 1 (e.g. 4), -1 for all CPUs, or a comma-separated list with one such " +
  "entry per nesting level (e.g. 4,2)";

/** Parses one knob's text; `name` is used in the error (the variable or `workers (magic)`). */
export function parseKnob(name: string, text: string): number[] {
  const parts = text.split(",").map((s) => s.trim());
  const values = parts.map((p) => (/^(-1|[1-9]\d*)$/.test(p) ? Number(p) : NaN));
  if (text.trim() === "" || values.some((v) => Number.isNaN(v))) {
    throw new Error(`${name}=${JSON.stringify(text)} is not valid: use ${ACCEPTED}.`);
  }
  return values;
}

function checkSetting(name: string, value: number | number[]): number[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.some((v) => !Number.isInteger(v) || (v < 1 && v !== -1))) {
    throw new Error(`${name} = ${JSON.stringify(value)} is not valid: use ${ACCEPTED}.`);
  }
  return list;
}

interface Candidate {
  values: number[];
  source: ConfigSource;
  detail: string;
}

function pick(knob: Knob, env: NodeJS.ProcessEnv, settings: readonly ParallelSettings[]): Candidate | undefined {
  let best: Candidate | undefined;
  const envText = env[KNOB_ENV[knob]];
  if (envText !== undefined && envText !== "") {
    best = { values: parseKnob(KNOB_ENV[knob], envText), source: "env", detail: `${KNOB_ENV[knob]}=${envText}` };
  }
  for (const s of settings) {
    const v = s[knob];
    if (v === undefined) continue;
    const values = checkSetting(`${knob} (${s.source})`, v);
    // `>=` so that, among equal ranks, the later setting wins.
    if (!best || SOURCE_RANK[s.source] >= SOURCE_RANK[best.source]) {
      best = { values, source: s.source, detail: `${s.source}: ${s.what ?? values.join(",")}` };
    }
  }
  return best;
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Effective CPUs; default from `cpuReport()`. */
  cpus?: number;
  settings?: readonly ParallelSettings[];
}

function atLevel(c: Candidate, cpus: number): Resolved<number> {
  const head = c.values[0];
  return {
    value: head === -1 ? cpus : head,
    source: c.source,
    detail: head === -1 ? `${c.detail} (-1 = all ${cpus} CPUs)` : c.detail,
  };
}

function build(level: number, cpus: ParallelConfig["cpus"], picked: Partial<Record<Knob, Candidate>>): ParallelConfig {
  const n = cpus.value;
  const workers = picked.workers
    ? atLevel(picked.workers, n)
    : level === 0
      ? { value: n, source: "default" as const, detail: `effective CPUs (${n})` }
      : // LensKit's rule: without a list, workers do not start nested pools.
        { value: 1, source: "default" as const, detail: "1 inside a worker unless a list asks for more" };
  const threads = picked.threads
    ? atLevel(picked.threads, n)
    : { value: 1, source: "default" as const, detail: "1 per worker" };
  const backendThreads = picked.backendThreads
    ? atLevel(picked.backendThreads, n)
    : {
        value: Math.max(Math.floor(n / (workers.value * threads.value)), 1),
        source: "default" as const,
        detail: `max(${n} // (${workers.value} × ${threads.value}), 1)`,
      };
  const rest: ParallelConfig["rest"] = {};
  for (const k of Object.keys(picked) as Knob[]) {
    const c = picked[k]!;
    if (c.values.length > 1) rest[k] = { values: c.values.slice(1), source: c.source, detail: c.detail };
  }
  return { level, cpus, workers, threads, backendThreads, rest };
}

/**
 * Resolves the configuration at the kernel's level (0). Throws an Error naming the variable, the bad value
 * and the accepted forms when an environment variable or setting is invalid.
 */
export function resolveParallelConfig(options: ResolveOptions = {}): ParallelConfig {
  const env = options.env ?? process.env;
  const report = options.cpus === undefined ? cpuReport({ env }) : undefined;
  const cpus =
    options.cpus !== undefined
      ? { value: options.cpus, source: "logical" as CpuSource, detail: "given" }
      : {
          value: report!.effective,
          source: report!.effectiveSource,
          detail: `effective CPUs (${report!.effectiveSource})`,
        };
  const picked: Partial<Record<Knob, Candidate>> = {};
  for (const k of ["workers", "threads", "backendThreads"] as Knob[]) {
    const c = pick(k, env, options.settings ?? []);
    if (c) picked[k] = c;
  }
  return build(0, cpus, picked);
}

/**
 * The configuration one level down, as a pool worker sees it: CPUs = its share of the parent's
 * (max(CPUs // workers, 1)), lists popped, the other knobs back to their defaults.
 */
export function childConfig(parent: ParallelConfig): ParallelConfig {
  const share = Math.max(Math.floor(parent.cpus.value / parent.workers.value), 1);
  const picked: Partial<Record<Knob, Candidate>> = {};
  for (const k of Object.keys(parent.rest) as Knob[]) picked[k] = parent.rest[k]!;
  return build(
    parent.level + 1,
    {
      value: share,
      source: "parent share",
      detail: `max(${parent.cpus.value} // ${parent.workers.value}, 1)`,
    },
    picked,
  );
}

// Session settings (API, magic, sidebar, cell), newest last.
const sessionSettings: ParallelSettings[] = [];
// When each setting was made, on the clock limits use too (limits.ts), so that settings and active limits can
// be put in the one order "among equals, the latest wins" needs.
const madeAt = new WeakMap<ParallelSettings, number>();
let clock = 0;

/** The next tick of the clock session settings and limit entries share (newer is larger). */
export function nextSettingOrder(): number {
  return ++clock;
}

/** When `setParallelConfig` made `s` (0 for settings it did not make). */
export function settingOrder(s: ParallelSettings): number {
  return madeAt.get(s) ?? 0;
}

/**
 * Sets knobs for this session. Validated now, so a bad value fails at the call that made it. Returns a
 * handle whose `restore()` (or `using`) removes exactly this setting.
 */
export function setParallelConfig(settings: ParallelSettings): { restore(): void; [Symbol.dispose](): void } {
  for (const k of ["workers", "threads", "backendThreads"] as Knob[]) {
    const v = settings[k];
    if (v !== undefined) checkSetting(`${k} (${settings.source})`, v);
  }
  const entry = { ...settings };
  madeAt.set(entry, nextSettingOrder());
  sessionSettings.push(entry);
  const restore = () => {
    const i = sessionSettings.indexOf(entry);
    if (i >= 0) sessionSettings.splice(i, 1);
  };
  return { restore, [disposeSymbol]: restore };
}

/** The current session settings (for `config()`), oldest first. */
export function currentSettings(): readonly ParallelSettings[] {
  return sessionSettings;
}

/** `Symbol.dispose` where the runtime has it (Node ≥ 20.? / 22), else the well-known fallback TS uses. */
export const disposeSymbol: typeof Symbol.dispose =
  ((Symbol as { dispose?: symbol }).dispose as typeof Symbol.dispose) ??
  (Symbol.for("nodejs.dispose") as typeof Symbol.dispose);
