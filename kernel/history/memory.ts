import { absoluteSession, globToRegExp, HistoryBackend, HistoryEntry, HistoryQuery } from "./query";

/**
 * One session's history in memory: what a kernel keeps when it has no usable database, and the copy of
 * this session's entries that stays available if the database fails mid-session.
 */
export class MemoryHistory implements HistoryBackend {
  private readonly entries: HistoryEntry[] = [];
  constructor(readonly session = 1) {}

  add(line: number, input: string): void {
    this.entries.push({ session: this.session, line, input, output: null });
  }

  setOutput(line: number, output: string): void {
    const e = this.entries.findLast((x) => x.line === line);
    if (e) e.output = output;
  }

  /** This session's entries, renumbered to another session (when the database takes over or fails). */
  all(): HistoryEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  select(q: HistoryQuery): HistoryEntry[] {
    switch (q.hist_access_type ?? "tail") {
      case "tail":
        return q.n && q.n > 0 ? this.entries.slice(-q.n) : [...this.entries];
      case "range": {
        if (absoluteSession(q.session, this.session) !== this.session) return [];
        const start = q.start ?? 0;
        const stop = q.stop ?? Infinity;
        return this.entries.filter((e) => e.line >= start && (stop <= 0 ? true : e.line < stop));
      }
      case "search": {
        const re = globToRegExp(q.pattern ?? "*");
        let hits = this.entries.filter((e) => re.test(e.input));
        if (q.unique) {
          // Keep the latest occurrence of each input, in order of that occurrence (IPython does the same).
          const seen = new Set<string>();
          hits = hits
            .reverse()
            .filter((e) => !seen.has(e.input) && seen.add(e.input))
            .reverse();
        }
        return q.n && q.n > 0 ? hits.slice(-q.n) : hits;
      }
      default:
        return [];
    }
  }
}
