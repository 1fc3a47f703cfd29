/**
 * The part a pool worker runs inside its own thread. OpenMP keeps its limit per thread, so a limit set on the
 * kernel thread never reaches a worker: the worker must call `applyBackendLimits` itself, at start and each
 * time the kernel posts new limits (the pool subscribes with `onBackendLimitsChanged`).
 *
 * Process-wide pools (OpenBLAS with pthreads, MKL, BLIS, FlexiBLAS) are left to the kernel thread, which
 * owns their baseline and restores it when the pool goes away; a worker setting them would race its
 * siblings and could not know when the last one exits.
 *
 * Objects a worker creates carry their own limit: DuckDB instances (`threads`) and onnxruntime sessions
 * (intra-op threads) get the worker's backend threads too. The body usually requires those packages after the
 * worker started, so their loads are watched (`runtime/module-hooks.ts`) and limits re-applied on load —
 * before the body can open its first database or session.
 *
 * Kept small on purpose: a worker imports this module and nothing of the kernel side.
 *
 * @module
 */
import { LimitState, winningEntry } from "./limit-state";
import type { BackendLimits } from "./limits";
import { detectControllers, WORKER_PROVIDERS } from "./registry";
import { watchDuckDB } from "./runtime/duckdb";
import { watchModule } from "./runtime/module-hooks";

const state = new LimitState();
let current: BackendLimits | undefined;
let watching = false;

/** Scopes a worker sets in its own thread: per-thread pools, and objects this thread creates. */
const OWN_SCOPES = new Set(["thread", "session"]);

function watchPackages(): void {
  if (watching) return;
  watching = true;
  watchDuckDB(() => void refreshBackendLimits());
  watchModule(/^onnxruntime-node$|[\\/]onnxruntime-node[\\/]dist[\\/]index\.js$/, () => void refreshBackendLimits());
}

export interface BackendLimitsReport {
  /** Per-thread pools (and per-object defaults: DuckDB, onnxruntime) of this worker and the value each has now. */
  applied: { id: string; threads: number }[];
  /** Process-wide pools this worker can see; the kernel thread sets them (see `refreshLimits`). */
  processWide: string[];
  errors: string[];
}

function checkLimits(limits: BackendLimits): void {
  if (!limits || limits.version !== 1 || !Array.isArray(limits.entries)) {
    throw new Error(
      "applyBackendLimits(): expected the object from backendLimitsForWorkers() (version 1); " +
        "the kernel and the worker may be running different threadlab versions.",
    );
  }
}

/**
 * Applies `limits` to the per-thread pools mapped in this process, in the calling thread. Pools that no
 * longer match any entry go back to the value they had before this worker first limited them.
 */
export function applyBackendLimits(limits: BackendLimits): BackendLimitsReport {
  checkLimits(limits);
  current = limits;
  watchPackages();
  const { controllers, errors } = detectControllers({ providers: WORKER_PROVIDERS });
  const perThread = controllers.filter((c) => OWN_SCOPES.has(c.scope));
  errors.push(...state.reconcile(perThread, (c) => (OWN_SCOPES.has(c.scope) ? limits.entries : [])));
  const applied = perThread
    .filter((c) => winningEntry(c, limits.entries))
    .map((c) => ({ id: c.id, threads: c.get() ?? 0 }));
  const processWide = controllers.filter((c) => c.scope === "process").map((c) => c.id);
  return { applied, processWide, errors };
}

/** Re-applies the last limits; call after this worker loads a native library (detection is only at apply time). */
export function refreshBackendLimits(): BackendLimitsReport | undefined {
  return current ? applyBackendLimits(current) : undefined;
}

/** The limits this worker applied last, if any. */
export function currentBackendLimits(): BackendLimits | undefined {
  return current;
}
