/**
 * Limits, after threadpoolctl's `threadpool_limits`: apply now, restore later (explicitly, with `using`, or
 * around a function), and hand pool workers the limits they must apply in their own threads.
 *
 * @module
 */
import {
  currentSettings,
  disposeSymbol,
  nextSettingOrder,
  resolveParallelConfig,
  settingOrder,
  SOURCE_RANK,
  type ConfigSource,
  type ParallelConfig,
  type ParallelSettings,
} from "./config";
import type { ThreadpoolController } from "./controller";
import { cpuReport } from "./cpus";
import { LimitState, winningEntry, type LimitEntry } from "./limit-state";
import { detectControllers } from "./registry";
import { syncPolarsStartEnv } from "./polars-env";
import { getWorkerPool, setWorkerPoolLookup as setLookup, type ResizablePool } from "./runtime/worker-pool";

/**
 * What to limit: a number (every settable pool), `{ selector: number }` where a selector is a user_api
 * (`blas`, `openmp`, `threadlab`…), an internal_api (`openblas`, `mkl`), a file-name prefix (`libgomp`) or a
 * controller id; or `"sequential_blas_under_openmp"` (BLAS to 1 thread unless it is OpenBLAS built with
 * OpenMP, which already runs sequentially inside OpenMP regions). `-1` means all effective CPUs.
 */
export type LimitSpec = number | Readonly<Record<string, number>> | "sequential_blas_under_openmp";

export type LimitSource = Exclude<ConfigSource, "default" | "env">;

/** A limit in force. `restore()` is idempotent; `using lim = limits(…)` restores at the end of the block. */
export interface ThreadpoolLimits {
  readonly source: LimitSource;
  /** Pools this limit set: id, the value now, the value before. */
  readonly applied: ReadonlyArray<{ id: string; threads: number; previous: number | null }>;
  /** Pools it matched but could not set, and why (held by a higher-precedence limit, or an error). */
  readonly skipped: ReadonlyArray<{ id: string; reason: string }>;
  restore(): void;
  [Symbol.dispose](): void;
}

/** Plain, structured-cloneable limits for pool workers; see `applyBackendLimits` in worker-side.ts. */
export interface BackendLimits {
  version: 1;
  entries: LimitEntry[];
}

const ACCEPTED_SPEC =
  "a number of threads (e.g. 4, or -1 for all CPUs), selector=N pairs such as blas=1 " +
  "openmp=2 (selectors: a user_api, internal_api, library prefix or controller id), or " +
  "sequential_blas_under_openmp";

// Names worth accepting even when no such pool is loaded yet (a notebook may limit BLAS before loading it).
const KNOWN_SELECTORS = new Set([
  "blas",
  "openmp",
  "threadlab",
  "libuv",
  "v8",
  "sharp",
  "onnxruntime",
  "openblas",
  "mkl",
  "blis",
  "flexiblas",
  "worker_threads",
  "libvips",
  "v8-platform",
  "libopenblas",
  "libscipy_openblas",
  "libgomp",
  "libomp",
  "libiomp",
  "libmkl_rt",
  "libblis",
  "libflexiblas",
  "onnxruntime-node",
  "duckdb",
  "@duckdb/node-api",
  "polars",
  "rayon",
  "nodejs-polars",
]);

interface ActiveRecord {
  entries: LimitEntry[];
}
const active: ActiveRecord[] = [];
const mainState = new LimitState();
const listeners = new Set<(limits: BackendLimits) => void>();

function checkThreads(what: string, n: unknown): number {
  if (typeof n !== "number" || !Number.isInteger(n) || (n < 1 && n !== -1)) {
    throw new Error(`${what} = ${JSON.stringify(n)} is not a valid limit: use ${ACCEPTED_SPEC}.`);
  }
  return n === -1 ? cpuReport().effective : n;
}

function entriesOf(spec: LimitSpec, source: LimitSource, controllers: readonly ThreadpoolController[]): LimitEntry[] {
  if (spec === "sequential_blas_under_openmp") {
    // threadpoolctl's rule: OpenBLAS with the OpenMP layer is already sequential inside OpenMP regions,
    // and limiting it would also limit the OpenMP pool it shares.
    const ompBlas = controllers.some((c) => c.internalApi === "openblas" && c.info().threadingLayer === "openmp");
    return ompBlas ? [] : [{ selector: "blas", threads: 1, source, order: nextSettingOrder() }];
  }
  if (typeof spec === "number")
    return [{ selector: "*", threads: checkThreads("limit", spec), source, order: nextSettingOrder() }];
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new Error(`${JSON.stringify(spec)} is not a limit: use ${ACCEPTED_SPEC}.`);
  }
  const names = new Set<string>(KNOWN_SELECTORS);
  for (const c of controllers) for (const n of [c.id, c.prefix, c.internalApi, c.userApi]) names.add(n);
  return Object.entries(spec).map(([selector, n]) => {
    if (!names.has(selector)) {
      throw new Error(
        `No thread pool is called "${selector}". Use a user_api (blas, openmp, threadlab, sharp, ` +
          `onnxruntime, duckdb, polars), an internal_api (openblas, mkl, blis, flexiblas), a library prefix (libgomp, libopenblas) ` +
          `or a controller id from info().`,
      );
    }
    return { selector, threads: checkThreads(selector, n), source, order: nextSettingOrder() };
  });
}

function allEntries(): LimitEntry[] {
  return active.flatMap((r) => r.entries);
}

const BACKEND_APIS = new Set(["blas", "openmp"]);

/**
 * Entries for a pool on the kernel thread. While a worker pool exists, process-wide backends (OpenBLAS with
 * pthreads, MKL…) also get the per-worker backend limit: they cannot give workers fewer threads than the
 * kernel thread, and workers × backend threads must fit the CPUs.
 */
function mainEntriesFor(defaultEntry: LimitEntry | undefined) {
  const entries = allEntries();
  return (c: ThreadpoolController): readonly LimitEntry[] =>
    defaultEntry && c.scope === "process" && BACKEND_APIS.has(c.userApi) ? [defaultEntry, ...entries] : entries;
}

function defaultBackendEntry(config: ParallelConfig): LimitEntry {
  return { selector: "*", threads: config.backendThreads.value, source: config.backendThreads.source, order: 0 };
}

/**
 * Re-detects pools and brings every one to its resolved limit. Call after loading a native library that
 * should obey limits already in force (limits reach libraries loaded later only through this or the next
 * limit change). Returns errors from libraries that refused, never throws.
 */
export function refreshLimits(): string[] {
  const { controllers } = detectControllers();
  const pool = getWorkerPool();
  const defaultEntry = pool ? defaultBackendEntry(config()) : undefined;
  const errors = mainState.reconcile(controllers, mainEntriesFor(defaultEntry));
  syncPolarsStartEnv(defaultEntry ? [defaultEntry, ...allEntries()] : allEntries());
  notify();
  return errors;
}

function notify(): void {
  if (listeners.size === 0) return;
  const limits = backendLimitsForWorkers();
  for (const cb of listeners) {
    try {
      cb(limits);
    } catch {
      // A listener (a pool posting to workers) failing must not undo a limit the user asked for.
    }
  }
}

/**
 * Limits thread pools until `restore()`. Pools are detected now; see `LimitSpec` for what to pass.
 * Precedence: a `cell` limit beats `api`/`magic`/`sidebar` ones, which beat the environment; a pool held by a
 * higher-precedence limit is listed in `skipped` and gets this limit once the other one is restored.
 *
 * @example
 * ```ts
 * using _ = threadpool.limits({ blas: 1 });   // restored at the end of the block
 * ```
 */
export function limits(spec: LimitSpec, options: { source?: LimitSource } = {}): ThreadpoolLimits {
  const source = options.source ?? "api";
  if (!(source in SOURCE_RANK) || source === ("default" as string) || source === ("env" as string)) {
    throw new Error(`limits(): source "${source}" is not one of api, magic, sidebar, cell.`);
  }
  const { controllers } = detectControllers();
  const record: ActiveRecord = { entries: entriesOf(spec, source, controllers) };
  active.push(record);
  const previous = new Map(controllers.map((c) => [c.id, mainState.baselineOf(c.id) ?? safeGet(c)]));
  const defaultEntry = getWorkerPool() ? defaultBackendEntry(config()) : undefined;
  const errors = mainState.reconcile(controllers, mainEntriesFor(defaultEntry));
  syncPolarsStartEnv(defaultEntry ? [defaultEntry, ...allEntries()] : allEntries());
  const applied: { id: string; threads: number; previous: number | null }[] = [];
  const skipped: { id: string; reason: string }[] = errors.map((e) => ({ id: e.slice(0, e.indexOf(": ")), reason: e }));
  const all = allEntries();
  for (const c of controllers) {
    const mine = winningEntry(c, record.entries);
    if (!c.settable && mine && mine.selector !== "*") {
      // Named on purpose (polars=1): say why nothing changed rather than pass in silence.
      skipped.push({ id: c.id, reason: c.info().notes?.[0] ?? "read-only" });
    }
    if (!c.settable || !mine) continue;
    const win = winningEntry(c, all)!;
    if (record.entries.includes(win))
      applied.push({ id: c.id, threads: win.threads, previous: previous.get(c.id) ?? null });
    else
      skipped.push({
        id: c.id,
        reason: `held at ${win.threads} by a ${win.source} limit (${win.selector}=${win.threads})`,
      });
  }
  notify();
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    const i = active.indexOf(record);
    if (i >= 0) active.splice(i, 1);
    refreshLimits();
  };
  return { source, applied, skipped, restore, [disposeSymbol]: restore } as ThreadpoolLimits;
}

function safeGet(c: ThreadpoolController): number | null {
  try {
    return c.get();
  } catch {
    return null;
  }
}

/**
 * Runs `fn` under `spec` and restores afterwards, also when `fn` throws or its promise rejects — the shape of
 * a cell-scoped `%%threadpool limit`.
 */
export function withLimits<T>(spec: LimitSpec, fn: () => T, options: { source?: LimitSource } = {}): T {
  const lim = limits(spec, options);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    lim.restore();
    throw err;
  }
  if (result && typeof (result as { then?: unknown }).then === "function") {
    return (result as unknown as Promise<unknown>).finally(() => lim.restore()) as T;
  }
  lim.restore();
  return result;
}

/**
 * Parses the arguments of `%threadpool limit …`: `["4"]`, `["blas=1", "openmp=2"]` (commas also separate),
 * `["sequential_blas_under_openmp"]`.
 */
export function parseLimitSpec(args: readonly string[]): LimitSpec {
  const words = args
    .flatMap((a) => a.split(","))
    .map((a) => a.trim())
    .filter(Boolean);
  if (words.length === 0) throw new Error(`limit needs a value: ${ACCEPTED_SPEC}.`);
  if (words.length === 1 && words[0] === "sequential_blas_under_openmp") return "sequential_blas_under_openmp";
  if (words.length === 1 && !words[0].includes("=")) {
    if (!/^(-1|[1-9]\d*)$/.test(words[0])) throw new Error(`"${words[0]}" is not a limit: use ${ACCEPTED_SPEC}.`);
    return Number(words[0]);
  }
  const spec: Record<string, number> = {};
  for (const w of words) {
    const m = /^([A-Za-z0-9_:./@-]+)=(-1|[1-9]\d*)$/.exec(w);
    if (!m) throw new Error(`"${w}" is not a selector=N pair: use ${ACCEPTED_SPEC}.`);
    spec[m[1]] = Number(m[2]);
  }
  return spec;
}

/**
 * Session settings plus what active limits say about the knobs (a number limit, or one on the pool), oldest
 * first on one clock: a `%parallel workers 2` after a `%threadpool limit threadlab=3` of the same rank wins.
 */
function settingsWithLimits(): ParallelSettings[] {
  const all: { s: ParallelSettings; order: number }[] = currentSettings().map((s) => ({ s, order: settingOrder(s) }));
  for (const r of active) {
    for (const e of r.entries) {
      const source = e.source as LimitSource;
      const what = `limit ${e.selector === "*" ? "" : `${e.selector}=`}${e.threads}`;
      if (e.selector === "*")
        all.push({ s: { source, what, workers: e.threads, backendThreads: e.threads }, order: e.order });
      else if (e.selector === "threadlab" || e.selector === "worker_threads")
        all.push({ s: { source, what, workers: e.threads }, order: e.order });
    }
  }
  return all.sort((a, b) => a.order - b.order).map((x) => x.s);
}

/** The resolved parallel configuration of this kernel, with sources (environment, settings, active limits). */
export function config(): ParallelConfig {
  return resolveParallelConfig({ settings: settingsWithLimits() });
}

/** The limits a pool worker must apply in its own thread (the per-worker backend default, then every active limit). */
export function backendLimitsForWorkers(): BackendLimits {
  return { version: 1, entries: [defaultBackendEntry(config()), ...allEntries().map((e) => ({ ...e }))] };
}

/** Calls `cb` with new worker limits whenever they change. Returns the unsubscribe function. */
export function onBackendLimitsChanged(cb: (limits: BackendLimits) => void): () => void {
  listeners.add(cb);
  return () => void listeners.delete(cb);
}

/**
 * Tells limits how to find the kernel's worker pool (its owner passes its own getter; nothing here keeps the
 * pool) and re-applies limits: process-wide backends get the per-worker limit while a pool exists. The owner
 * calls `refreshLimits()` when the pool stops, so they return to their previous value.
 */
export function setWorkerPoolLookup(find: () => ResizablePool | undefined): void {
  setLookup(find);
  refreshLimits();
}

/**
 * Where each pool's current limit on the kernel thread comes from, by controller id, decided as `limits()`
 * decides the value: the winning limit entry (with the per-worker backend default for process-wide backends
 * while a worker pool exists), else the configured pool size's source for the worker pool, else `env` when a
 * variable the library reads at start is set (`startupEnv`), else `default`.
 */
export function limitSources(env: NodeJS.ProcessEnv = process.env): Map<string, ConfigSource> {
  const { controllers } = detectControllers();
  const cfg = config();
  const entriesFor = mainEntriesFor(getWorkerPool() ? defaultBackendEntry(cfg) : undefined);
  const sources = new Map<string, ConfigSource>();
  for (const c of controllers) {
    const fromEnv = (c.startupEnv ?? []).some((v) => env[v] !== undefined && env[v] !== "");
    const unlimited = c.userApi === "threadlab" ? cfg.workers.source : fromEnv ? "env" : "default";
    sources.set(c.id, winningEntry(c, entriesFor(c))?.source ?? unlimited);
  }
  return sources;
}

/** Active limit entries, oldest first (for the doctor and the sidebar). */
export function activeLimitEntries(): LimitEntry[] {
  return allEntries().map((e) => ({ ...e }));
}
