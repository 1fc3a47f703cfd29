/** One history entry, as history_reply lists it: [session, line, input] or [session, line, [input, output]]. */
export interface HistoryEntry {
  session: number;
  line: number;
  input: string;
  output: string | null;
}

export interface HistoryQuery {
  hist_access_type?: string;
  output?: boolean;
  raw?: boolean;
  session?: number;
  start?: number;
  stop?: number;
  n?: number;
  pattern?: string;
  unique?: boolean;
}

type Row = [number, number, string] | [number, number, [string, string | null]];

/**
 * This kernel session's input history (IPython's semantics: session numbers, line numbers = execution
 * counts; `session` ≤ 0 counts back from the current session). Kept in memory: history belongs to the
 * kernel's session, and notebooks keep their own record.
 */
export class HistoryStore {
  private readonly entries: HistoryEntry[] = [];
  constructor(readonly session = 1) {}

  add(line: number, input: string): void {
    this.entries.push({ session: this.session, line, input, output: null });
  }

  setOutput(line: number, output: string): void {
    const e = this.entries.findLast((x) => x.line === line);
    if (e) e.output = output;
  }

  query(q: HistoryQuery): Row[] {
    const rows = this.select(q);
    return rows.map((e) => (q.output ? [e.session, e.line, [e.input, e.output]] : [e.session, e.line, e.input]));
  }

  private select(q: HistoryQuery): HistoryEntry[] {
    switch (q.hist_access_type ?? "tail") {
      case "tail":
        return q.n && q.n > 0 ? this.entries.slice(-q.n) : [...this.entries];
      case "range": {
        const session = q.session === undefined || q.session <= 0 ? this.session + (q.session ?? 0) : q.session;
        if (session !== this.session) return [];
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
          hits = hits.reverse().filter((e) => !seen.has(e.input) && seen.add(e.input)).reverse();
        }
        return q.n && q.n > 0 ? hits.slice(-q.n) : hits;
      }
      default:
        return [];
    }
  }
}

/** IPython's history search uses shell globs (`*`, `?`, `[…]`) matched against the whole input. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
