/**
 * The sidebar's knobs: pool size, per-pool limits and reset. Limits go through the `%threadpool` API and the
 * pool size as a setting of its one size policy (kernel/parallel/notebook-pool.ts), both with source "sidebar", so
 * precedence is the same as for `%threadpool limit` (a cell limit wins; the latest of sidebar/magic/API wins)
 * and every value in the tree shows where it came from. Shared by all panels on this kernel: limits are
 * process-wide.
 *
 * @module
 */
import { MapOptionError } from "../map";
import type { ThreadpoolLimits } from "../threadpool";
import type { SidebarSettings } from "./update";
import type { SidebarSources } from "./sources";

/** A request that was understood but cannot be carried out; becomes an `error` reply naming `field`. */
export class ControlError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly accepted: string,
  ) {
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

  constructor(private readonly sources: SidebarSources) {}

  /** What the sidebar set now. */
  settings(): SidebarSettings {
    const limits: Record<string, number> = {};
    for (const [k, v] of this.limits) limits[k] = v.value;
    return { workers: this.sources.poolSize.current() ?? null, limits };
  }

  /** `selector` is an api or a controller id; `field` names the request field it came in. */
  setLimit(selector: string, value: number, field: "api" | "controller"): string {
    let limit: ThreadpoolLimits;
    try {
      limit = this.sources.threadpool.limits({ [selector]: value }, { source: "sidebar" });
    } catch (e) {
      const message = String((e as Error)?.message ?? e);
      const onValue = /limit/.test(message) && !/No thread pool/.test(message);
      throw new ControlError(
        onValue ? "value" : field,
        message,
        onValue
          ? "a whole number of threads ≥ 1, or -1 for all CPUs"
          : "a pool listed in the panel (api or controller id)",
      );
    }
    // The new limit is in force before the old one is restored, so the pool never falls back in between.
    this.limits.get(selector)?.limit.restore();
    this.limits.set(selector, { limit, value });
    return describe(limit);
  }

  /**
   * The pool size is a session setting (like `%parallel workers`), not a limit: the latest of the two wins,
   * and a pool that does not exist yet starts with it.
   */
  setWorkers(n: number): string {
    const max = this.sources.maxWorkers;
    const accepted = `a whole number from 1 to ${max}`;
    try {
      this.sources.poolSize.set(n);
    } catch (e) {
      const message = !(e instanceof MapOptionError)
        ? `The pool refused to resize to ${n}: ${(e as Error)?.message ?? e}`
        : n > max
          ? `The pool holds at most ${max} workers; got ${n}.`
          : e.message;
      throw new ControlError("n", message, accepted);
    }
    return this.sources.pool()
      ? `pool resized to ${n} worker${n === 1 ? "" : "s"}`
      : `the pool will start with ${n} worker${n === 1 ? "" : "s"}`;
  }

  /** Undoes everything the sidebar set, and `%threadpool limit`s; limits held by running code stay. */
  reset(): string {
    let n = 0;
    for (const { limit } of this.limits.values()) {
      limit.restore();
      n++;
    }
    this.limits.clear();
    try {
      if (this.sources.poolSize.clear()) n++;
    } catch {
      // The setting is gone; the pool kept its size and the next update shows it.
      n++;
    }
    const magic = this.sources.threadpool.resetMagicLimits?.() ?? 0;
    return `restored ${n} sidebar setting${n === 1 ? "" : "s"} and ${magic} %threadpool limit${magic === 1 ? "" : "s"}`;
  }
}
