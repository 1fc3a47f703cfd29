import { HistoryDatabase } from "./database";
import { historyFile } from "./location";
import { MemoryHistory } from "./memory";
import { HistoryBackend, HistoryQuery, HistoryRow, toRows } from "./query";

export type { HistoryEntry, HistoryQuery, HistoryRow } from "./query";
export { globToRegExp } from "./query";

/**
 * The kernel's history: every executed cell in the per-user database (database.ts), so history_request
 * and %history reach earlier sessions. The database is opened on first use, not at start (kernel_info is
 * answered first). A database that cannot be opened or written — corrupt, read-only, locked for too long —
 * never stops the kernel: history then stays in memory for the rest of the session, with a warning in the
 * kernel's log (the Jupyter server's output).
 */
/** How long an entry may wait to be written: a client running cells back to back commits a batch at a time. */
const WRITE_DELAY_MS = 200;

export class HistoryStore {
  private backend?: HistoryBackend;
  /** This session's entries, kept also in memory so a database failure mid-session loses nothing. */
  private memory?: MemoryHistory;
  /** Entries not written yet (see `defer`). */
  private pending: Array<(b: HistoryBackend) => void> = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly log: (text: string) => void,
    private readonly file: () => string = () => historyFile(),
  ) {}

  get session(): number {
    return this.open().session;
  }

  /** Where history is kept: the database's path, or "memory". */
  get location(): string {
    const b = this.open();
    return b instanceof HistoryDatabase ? b.path : "memory";
  }

  add(line: number, input: string): void {
    this.defer((b) => b.add(line, input));
  }

  setOutput(line: number, output: string): void {
    this.defer((b) => b.setOutput(line, output));
  }

  query(q: HistoryQuery): HistoryRow[] {
    this.flush();
    const b = this.open();
    try {
      return toRows(b.select(q), q.output);
    } catch (e) {
      this.fallBack(`cannot read the history database`, e);
      return toRows(this.memory!.select(q), q.output);
    }
  }

  close(): void {
    this.flush();
    const b = this.backend;
    if (b instanceof HistoryDatabase) {
      try {
        b.close();
      } catch (e) {
        this.log(`history: closing the database failed: ${(e as Error)?.message ?? e}`);
      }
    }
  }

  private open(): HistoryBackend {
    if (this.backend) return this.backend;
    const file = this.file();
    if (file === ":memory:") {
      this.backend = this.memory = new MemoryHistory(1);
      return this.backend;
    }
    try {
      const db = new HistoryDatabase(file);
      this.backend = db;
      this.memory = new MemoryHistory(db.session);
    } catch (e) {
      this.memory = new MemoryHistory(1);
      this.backend = this.memory;
      this.log(warning(`cannot open the history database ${file}`, e));
    }
    return this.backend;
  }

  /**
   * Writes behind the cell, as IPython's history-saving thread does: an entry is written within
   * WRITE_DELAY_MS, after the reply, and entries waiting together go in one transaction. Opening the
   * database (~50 ms: the SQLite binding, the schema, a new session) and two commits per cell would otherwise
   * sit on the execute round trip, the first cell's above all. Reads flush first, so they see every entry.
   */
  private defer(op: (b: HistoryBackend) => void): void {
    this.pending.push(op);
    this.timer ??= setTimeout(() => this.flush(), WRITE_DELAY_MS).unref();
  }

  /** Writes the waiting entries now: to the memory copy, and to the database in one transaction. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const ops = this.pending;
    this.pending = [];
    const b = this.open();
    for (const op of ops) op(this.memory!);
    if (b === this.memory) return;
    try {
      (b as HistoryDatabase).transaction(() => {
        for (const op of ops) op(b);
      });
    } catch (e) {
      this.fallBack(`cannot write to the history database ${(b as HistoryDatabase).path}`, e);
    }
  }

  private fallBack(what: string, e: unknown): void {
    if (this.backend === this.memory) return;
    this.log(warning(what, e));
    const db = this.backend as HistoryDatabase;
    this.backend = this.memory;
    try {
      db.close();
    } catch {
      // Already broken; the warning above says why.
    }
  }
}

function warning(what: string, e: unknown): string {
  return (
    `history: ${what}: ${(e as Error)?.message ?? e}. This session's history stays in memory. ` +
    `Move the file away (a new one is created), or set THREADLAB_HISTORY_FILE to another path (":memory:" for none).`
  );
}
