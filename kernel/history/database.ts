import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { absoluteSession, HistoryBackend, HistoryEntry, HistoryQuery } from "./query";
import { BUSY_TIMEOUT_MS, openSqlite, SqliteDatabase, SqliteStatement } from "./sqlite";

/**
 * History across sessions in SQLite, with IPython's schema (sessions, history, output_history), so the
 * file reads like an IPython history.sqlite. Several kernels may write to one file at once: WAL lets
 * readers and the writer proceed together, each batch of writes is one short transaction, and a kernel's
 * session number comes from the database's AUTOINCREMENT, so no two kernels share one.
 */
export class HistoryDatabase implements HistoryBackend {
  readonly session: number;
  readonly binding: string;
  private readonly db: SqliteDatabase;
  private readonly insertInput: SqliteStatement;
  private readonly insertOutput: SqliteStatement;
  private readonly endSession: SqliteStatement;
  private count = 0;

  /** Opens (creating it if needed) the database and starts a new session. Throws if the file is unusable. */
  constructor(readonly path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const opened = openSqlite(path);
    this.db = opened.db;
    this.binding = opened.binding;
    try {
      this.db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      // WAL: readers never block the writer; a reader-only failure (e.g. a read-only file system) is not
      // fatal here, the first write will tell.
      this.db.exec(`PRAGMA journal_mode = WAL`);
      // With WAL, NORMAL syncs at checkpoints instead of on every commit (measured here: the default FULL
      // added ~1 ms per commit). A crash of the machine may lose the last cells' history, never corrupt the file.
      this.db.exec(`PRAGMA synchronous = NORMAL`);
      this.db.exec(SCHEMA);
      const r = this.db
        .prepare(`INSERT INTO sessions (start, num_cmds, remark) VALUES (datetime('now'), 0, 'threadlab')`)
        .run();
      this.session = Number(r.lastInsertRowid);
      this.insertInput = this.db.prepare(
        `INSERT OR REPLACE INTO history (session, line, source, source_raw) VALUES (?, ?, ?, ?)`,
      );
      this.insertOutput = this.db.prepare(
        `INSERT OR REPLACE INTO output_history (session, line, output) VALUES (?, ?, ?)`,
      );
      this.endSession = this.db.prepare(`UPDATE sessions SET end = datetime('now'), num_cmds = ? WHERE session = ?`);
    } catch (e) {
      this.db.close();
      throw e;
    }
  }

  add(line: number, input: string): void {
    this.insertInput.run(this.session, line, input, input);
    this.count++;
  }

  setOutput(line: number, output: string): void {
    this.insertOutput.run(this.session, line, output);
  }

  /** Runs `writes` as one transaction: all of them are kept, or none (and the error is thrown). */
  transaction(writes: () => void): void {
    this.db.exec("BEGIN");
    try {
      writes();
      this.db.exec("COMMIT");
    } catch (e) {
      try {
        this.db.exec("ROLLBACK");
      } catch {
        // The failed statement may have ended the transaction already.
      }
      throw e;
    }
  }

  select(q: HistoryQuery): HistoryEntry[] {
    const base = `SELECT h.session AS session, h.line AS line, h.source AS input, o.output AS output
      FROM history h LEFT JOIN output_history o ON o.session = h.session AND o.line = h.line`;
    const limit = q.n && q.n > 0 ? Math.trunc(q.n) : -1;
    switch (q.hist_access_type ?? "tail") {
      case "tail":
        return rows(this.db.prepare(`${base} ORDER BY h.session DESC, h.line DESC LIMIT ?`).all(limit)).reverse();
      case "range": {
        const session = absoluteSession(q.session, this.session);
        const start = q.start ?? 0;
        const stop = q.stop && q.stop > 0 ? q.stop : Number.MAX_SAFE_INTEGER;
        return rows(
          this.db
            .prepare(`${base} WHERE h.session = ? AND h.line >= ? AND h.line < ? ORDER BY h.line`)
            .all(session, start, stop),
        );
      }
      case "search": {
        const pattern = q.pattern ?? "*";
        // SQLite's GLOB is the shell glob IPython's search uses. With `unique`, a bare column next to MAX()
        // comes from the row holding the maximum: the latest occurrence of each input.
        const sql = q.unique
          ? `SELECT session, line, input, output, MAX(session * 4294967296 + line) FROM (${base} WHERE h.source GLOB ?) GROUP BY input ORDER BY session DESC, line DESC LIMIT ?`
          : `${base} WHERE h.source GLOB ? ORDER BY h.session DESC, h.line DESC LIMIT ?`;
        return rows(this.db.prepare(sql).all(pattern, limit)).reverse();
      }
      default:
        return [];
    }
  }

  close(): void {
    try {
      this.endSession.run(this.count, this.session);
    } finally {
      this.db.close();
    }
  }
}

function rows(raw: Array<Record<string, unknown>>): HistoryEntry[] {
  return raw.map((r) => ({
    session: Number(r.session),
    line: Number(r.line),
    input: String(r.input),
    output: r.output == null ? null : String(r.output),
  }));
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (session INTEGER PRIMARY KEY AUTOINCREMENT, start TIMESTAMP, end TIMESTAMP, num_cmds INTEGER, remark TEXT);
CREATE TABLE IF NOT EXISTS history (session INTEGER, line INTEGER, source TEXT, source_raw TEXT, PRIMARY KEY (session, line));
CREATE TABLE IF NOT EXISTS output_history (session INTEGER, line INTEGER, output TEXT, PRIMARY KEY (session, line));
`;
