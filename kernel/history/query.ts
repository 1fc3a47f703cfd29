/** One history entry: an executed cell's input and (when it had one) the text of its value. */
export interface HistoryEntry {
  session: number;
  line: number;
  input: string;
  output: string | null;
}

/** The fields of a history_request (Jupyter messaging spec), all optional on the wire. */
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

/** As history_reply lists an entry: [session, line, input] or, with `output`, [session, line, [input, output]]. */
export type HistoryRow = [number, number, string] | [number, number, [string, string | null]];

/** What both the database and the in-memory fallback answer. Lines are execution counts (IPython's). */
export interface HistoryBackend {
  /** This kernel's session number. */
  readonly session: number;
  add(line: number, input: string): void;
  setOutput(line: number, output: string): void;
  /** Entries in order (session, line), per IPython's semantics of tail / range / search. */
  select(q: HistoryQuery): HistoryEntry[];
}

export function toRows(entries: HistoryEntry[], output: boolean | undefined): HistoryRow[] {
  return entries.map((e) => (output ? [e.session, e.line, [e.input, e.output]] : [e.session, e.line, e.input]));
}

/** `session` ≤ 0 counts back from the current one (0: this session, -1: the one before), as in IPython. */
export function absoluteSession(session: number | undefined, current: number): number {
  return session === undefined || session <= 0 ? current + (session ?? 0) : session;
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
        re += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
