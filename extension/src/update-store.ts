/**
 * The kernel's latest state as the panel holds it: each `update` completed from the previous one (the kernel
 * leaves out the slow parts that did not change) and added to the last 60 s of updates the live sections draw (recent-updates.ts).
 *
 * @module
 */
import { completeUpdate, type Update, type UpdateMessage } from "../../schema/sidebar";
import { RecentUpdates } from "./recent-updates";

export class UpdateStore {
  readonly recent = new RecentUpdates();
  private _latest: Update | null = null;

  get latest(): Update | null {
    return this._latest;
  }

  /**
   * Takes an update; returns the whole state, or null when there was nothing to complete it from (the
   * caller subscribes again, which makes the kernel send the whole state next).
   */
  receive(m: UpdateMessage): Update | null {
    const full = completeUpdate(m, this._latest);
    if (!full) return null;
    this._latest = full;
    this.recent.add(full);
    return full;
  }

  /** Forgets everything: it belonged to another kernel process. */
  clear(): void {
    this._latest = null;
    this.recent.clear();
  }
}
