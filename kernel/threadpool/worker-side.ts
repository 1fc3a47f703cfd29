/**
 * The part a pool worker runs inside its own thread. OpenMP keeps its limit per thread, so a limit set on the
 * kernel thread never reaches a worker: the worker must call `applyBackendLimits` itself, at start and each
 * time the kernel posts new limits (the pool subscribes with `onBackendLimitsChanged`).
 *
 * Process-wide pools (OpenBLAS with pthreads, MKL, BLIS, FlexiBLAS) are left to the kernel thread, which
 * owns their baseline and restores it when the pool goes away; a worker setting them would race its
 * siblings and could not know when the last one exits.
 *
 * Kept small on purpose: a worker imports this module and nothing of the kernel side.
 *
 * @module
 */
import { LimitState, winningEntry } from "./limit-state";
import type { BackendLimits } from "./limits";
import { detectControllers, NATIVE_PROVIDERS } from "./registry";

const state = new LimitState();
let current: BackendLimits | undefined;

export interface BackendLimitsReport {
  /** Per-thread pools of this worker and the value each has now. */
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
  const { controllers, errors } = detectControllers({ providers: NATIVE_PROVIDERS });
  const perThread = controllers.filter((c) => c.scope === "thread");
  errors.push(...state.reconcile(perThread, (c) => (c.scope === "thread" ? limits.entries : [])));
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
