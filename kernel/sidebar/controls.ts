/**
 * The sidebar's knobs: pool size, per-pool limits and reset. Everything goes through the `%threadpool` API
 * with source "sidebar", so precedence is the same as for `%threadpool limit` (a cell limit wins; the latest
 * of sidebar/magic/API wins) and every value in the tree shows where it came from. Shared by all panels on
 * this kernel: limits are process-wide.
 *
 * @module
 */
import type { ThreadpoolLimits } from "../threadpool";
import type { SidebarState } from "./snapshot";
import type { SidebarSources } from "./sources";

/** A request that was understood but cannot be carried out; becomes an `error` reply naming `field`. */
export class ControlError extends Error {
  constructor(readonly field: string, message: string, readonly accepted: string) {
    super(message);
  }
}

function describe(l: ThreadpoolLimits): string {
  const parts = l.applied.map((a) => `${a.id}: ${a.previous ?? "?"} → ${a.threads}`);
  for (const s of l.skipped) parts.push(`${s.id} not changed (${s.reason})`);
  return parts.length ? parts.join("; ") : "no loaded pool matched; the limit applies to pools loaded later";
}

export class SidebarControls {
  private readonly limits = new Map<string, { limit: ThreadpoolLimits; value: number }>();
  private workers: { limit: ThreadpoolLimits; n: number } | undefined;
  /** Pool size before the sidebar resized a pool directly (one not registered with %threadpool). */
  private sizeBefore: number | undefined;

  constructor(private readonly sources: SidebarSources) {}

  state(): SidebarState {
    const limits: Record<string, number> = {};
    for (const [k, v] of this.limits) limits[k] = v.value;
    return { workers: this.workers?.n ?? null, limits };
  }

  /** `selector` is an api or a controller id; `field` names the request field it came in. */
  setLimit(selector: string, value: number, field: "api" | "controller"): string {
    let limit: ThreadpoolLimits;
    try {
      limit = this.sources.threadpool.limits({ [selector]: value }, { source: "sidebar" });
    } catch (e) {
      const message = String((e as Error)?.message ?? e);
      const onValue = /limit/.test(message) && !/No thread pool/.test(message);
      throw new ControlError(onValue ? "value" : field, message,
        onValue ? "a whole number of threads ≥ 1, or -1 for all CPUs" : "a pool listed in the panel (api or controller id)");
    }
    // The new limit is in force before the old one is restored, so the pool never falls back in between.
    this.limits.get(selector)?.limit.restore();
    this.limits.set(selector, { limit, value });
    return describe(limit);
  }

  setWorkers(n: number): string {
    const max = this.sources.maxWorkers;
    if (n > max) throw new ControlError("n", `The pool holds at most ${max} workers; got ${n}.`, `a whole number from 1 to ${max}`);
    let limit: ThreadpoolLimits;
    try {
      limit = this.sources.threadpool.limits({ threadlab: n }, { source: "sidebar" });
    } catch (e) {
      throw new ControlError("n", String((e as Error)?.message ?? e), `a whole number from 1 to ${max}`);
    }
    const held = limit.skipped.find((s) => s.id === "threadlab");
    if (held) {
      limit.restore();
      throw new ControlError("n", `The pool size is not the sidebar's to change right now: ${held.reason}.`,
        "a change once the cell that limits the pool has finished");
    }
    const pool = this.sources.pool();
    // A pool registered with %threadpool was resized by the limit itself; one that is not is resized here.
    if (pool && pool.size !== n) {
      const before = pool.size;
      try {
        const r = pool.resize(n);
        if (r && typeof (r as Promise<unknown>).then === "function") (r as Promise<unknown>).catch(() => undefined);
      } catch (e) {
        limit.restore();
        throw new ControlError("n", `The pool refused to resize to ${n}: ${(e as Error)?.message ?? e}`, `a whole number from 1 to ${max}`);
      }
      this.sizeBefore ??= before;
    }
    this.workers?.limit.restore();
    this.workers = { limit, n };
    return pool ? `pool resized to ${n} worker${n === 1 ? "" : "s"}` : `the pool will start with ${n} worker${n === 1 ? "" : "s"}`;
  }

  /** Undoes everything the sidebar set, and `%threadpool limit`s; limits held by running code stay. */
  reset(): string {
    let n = 0;
    for (const { limit } of this.limits.values()) {
      limit.restore();
      n++;
    }
    this.limits.clear();
    const workers = this.workers;
    if (workers) {
      workers.limit.restore();
      n++;
      const pool = this.sources.pool();
      if (pool && this.sizeBefore !== undefined && pool.size === workers.n) {
        try {
          pool.resize(this.sizeBefore);
        } catch {
          // The pool keeps its size; the next snapshot shows it.
        }
      }
    }
    this.workers = undefined;
    this.sizeBefore = undefined;
    const magic = this.sources.threadpool.resetMagicLimits?.() ?? 0;
    return `restored ${n} sidebar setting${n === 1 ? "" : "s"} and ${magic} %threadpool limit${magic === 1 ? "" : "s"}`;
  }
}
