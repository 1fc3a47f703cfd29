/**
 * The SQLite binding behind the history database. libsql (a SQLite fork with better-sqlite3's API) is the
 * default: its native library ships prebuilt in npm packages, so it installs where only the npm registry is
 * reachable and needs no compiler (better-sqlite3 downloads its prebuilt binary from GitHub or compiles
 * against Node's headers). A WASM SQLite would install anywhere too, but sql.js keeps the database in
 * memory and writes it back whole, and node-sqlite3-wasm does not lock the file, so two kernels writing at
 * once could lose or corrupt entries; libsql uses SQLite's own file locking. Node's `node:sqlite` (22.5+)
 * is used when libsql cannot load (a platform without a prebuilt package).
 */
export interface SqliteStatement {
  run(...params: unknown[]): { lastInsertRowid: number | bigint };
  all(...params: unknown[]): Array<Record<string, unknown>>;
}

export interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  close(): void;
}

export interface OpenedDatabase {
  db: SqliteDatabase;
  binding: "libsql" | "node:sqlite";
}

export function openSqlite(path: string): OpenedDatabase {
  let libsqlError: unknown;
  let Database: (new (path: string, opts?: { timeout?: number }) => SqliteDatabase) | undefined;
  try {
    Database = require("libsql");
  } catch (e) {
    if (!isLoadError(e)) throw e;
    libsqlError = e;
  }
  // Opening is outside the try: a file that cannot be opened is the caller's error, not a missing binding.
  if (Database) return { db: new Database(path, { timeout: BUSY_TIMEOUT_MS }), binding: "libsql" };
  let nodeSqlite: { DatabaseSync: new (path: string) => SqliteDatabase };
  try {
    nodeSqlite = require("node:sqlite");
  } catch {
    throw new Error(
      `no SQLite binding: libsql did not load (${(libsqlError as Error)?.message}) and this Node.js has no node:sqlite (22.5+)`,
      { cause: libsqlError },
    );
  }
  return { db: new nodeSqlite.DatabaseSync(path), binding: "node:sqlite" };
}

/**
 * How long a write waits for another kernel's transaction on the same file. Each transaction is one small
 * row, so waits are milliseconds; the limit only bounds a stuck writer (then history falls back to memory).
 */
export const BUSY_TIMEOUT_MS = 3000;

function isLoadError(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return (
    code === "MODULE_NOT_FOUND" ||
    code === "ERR_DLOPEN_FAILED" ||
    /Cannot find module|not supported|dlopen/i.test(String((e as Error)?.message))
  );
}
