/**
 * The rule that decides each pool's limit, shared by the kernel thread and every pool worker.
 *
 * A pool's value is always "the winning active limit entry, else what it was before any limit touched it"
 * (its baseline). Recomputing that after every change, instead of undoing changes one by one, is what makes
 * out-of-order restores and precedence come out right: restoring an outer limit while an inner one is
 * active keeps the inner value, and an API call inside a cell-scoped limit cannot override the cell.
 *
 * @module
 */
import type { ThreadpoolController } from "./controller";
import { SOURCE_RANK, type ConfigSource } from "./config";

/** One `selector → threads` pair of a limit. Plain data: it is posted to workers as is. */
export interface LimitEntry {
  /** `*` (every pool), a user_api, an internal_api, a file-name prefix or a controller id. */
  selector: string;
  threads: number;
  source: ConfigSource;
  /** Creation order; among equal rank and specificity the later entry wins. */
  order: number;
}

type Selectable = Pick<ThreadpoolController, "id" | "prefix" | "internalApi" | "userApi">;

/** How precisely `selector` names `c`: 4 id, 3 prefix, 2 internal_api, 1 user_api, 0 `*`; -1 no match. */
export function specificity(selector: string, c: Selectable): number {
  if (selector === c.id) return 4;
  if (selector === c.prefix) return 3;
  if (selector === c.internalApi) return 2;
  if (selector === c.userApi) return 1;
  if (selector === "*") return 0;
  return -1;
}

/** The entry that decides `c`'s limit: highest source rank, then most specific, then latest. */
export function winningEntry(c: Selectable, entries: readonly LimitEntry[]): LimitEntry | undefined {
  let best: LimitEntry | undefined;
  let bestKey: [number, number, number] | undefined;
  for (const e of entries) {
    const s = specificity(e.selector, c);
    if (s < 0) continue;
    const key: [number, number, number] = [SOURCE_RANK[e.source], s, e.order];
    if (
      !bestKey ||
      key[0] > bestKey[0] ||
      (key[0] === bestKey[0] && (key[1] > bestKey[1] || (key[1] === bestKey[1] && key[2] > bestKey[2])))
    ) {
      best = e;
      bestKey = key;
    }
  }
  return best;
}

/** Per-thread memory of baselines; one instance on the kernel thread and one in each worker. */
export class LimitState {
  private readonly baselines = new Map<string, { controller: ThreadpoolController; value: number | null }>();

  /** Controllers this state has changed and will restore. */
  touched(): ThreadpoolController[] {
    return [...this.baselines.values()].map((b) => b.controller);
  }

  baselineOf(id: string): number | null | undefined {
    return this.baselines.get(id)?.value;
  }

  /**
   * Brings every controller in `controllers` (plus any this state touched before) to the value `entries`
   * (or `entries(controller)`, when who may set what depends on the pool's scope) give it, or back to its baseline when no entry matches any more. Returns failures, never throws, so one
   * broken library cannot leave the others half-restored.
   */
  reconcile(
    controllers: readonly ThreadpoolController[],
    entries: readonly LimitEntry[] | ((c: ThreadpoolController) => readonly LimitEntry[]),
  ): string[] {
    const entriesFor = typeof entries === "function" ? entries : () => entries;
    const all = new Map<string, ThreadpoolController>();
    for (const c of this.touched()) all.set(c.id, c);
    for (const c of controllers) if (c.settable) all.set(c.id, c);
    const errors: string[] = [];
    for (const c of all.values()) {
      try {
        const win = winningEntry(c, entriesFor(c));
        if (win) {
          if (!this.baselines.has(c.id)) this.baselines.set(c.id, { controller: c, value: c.get() });
          if (c.get() !== win.threads) c.set(win.threads);
        } else {
          const base = this.baselines.get(c.id);
          if (!base) continue;
          this.baselines.delete(c.id);
          if (base.value === null) c.reset?.();
          else if (c.get() !== base.value) c.set(base.value);
        }
      } catch (err) {
        errors.push(`${c.id}: ${(err as Error)?.message ?? err}`);
      }
    }
    return errors;
  }
}
