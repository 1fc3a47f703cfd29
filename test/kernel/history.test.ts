import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { HistoryDatabase } from "../../kernel/history/database";
import { MemoryHistory } from "../../kernel/history/memory";
import { globToRegExp, toRows } from "../../kernel/history/query";
import { HistoryStore } from "../../kernel/history/store";

const inputs = ["a = 1", "b = 2", "a = 1", "print(a)"];

describe("history of one session (memory)", () => {
  const h = new MemoryHistory(1);
  inputs.forEach((code, i) => h.add(i + 1, code));
  h.setOutput(4, "1");
  const q = (query: Parameters<MemoryHistory["select"]>[0]) => toRows(h.select(query), query.output);

  test("tail returns the last n entries, with output when asked", () => {
    assert.deepEqual(q({ hist_access_type: "tail", n: 2 }), [
      [1, 3, "a = 1"],
      [1, 4, "print(a)"],
    ]);
    assert.deepEqual(q({ hist_access_type: "tail", n: 1, output: true }), [[1, 4, ["print(a)", "1"]]]);
  });

  test("range selects lines [start, stop) of this session; other sessions are empty", () => {
    assert.deepEqual(
      q({ hist_access_type: "range", session: 1, start: 2, stop: 4 }).map((r) => r[1]),
      [2, 3],
    );
    assert.deepEqual(
      q({ hist_access_type: "range", session: 0, start: 4, stop: 5 }).map((r) => r[1]),
      [4],
    );
    assert.deepEqual(q({ hist_access_type: "range", session: 7, start: 1, stop: 5 }), []);
  });

  test("search matches globs, keeps the latest of duplicates with unique, and limits with n", () => {
    assert.equal(q({ hist_access_type: "search", pattern: "a*" }).length, 2);
    assert.deepEqual(q({ hist_access_type: "search", pattern: "a*", unique: true }), [[1, 3, "a = 1"]]);
    assert.deepEqual(q({ hist_access_type: "search", pattern: "*", n: 1 }), [[1, 4, "print(a)"]]);
  });

  test("glob syntax", () => {
    assert.ok(globToRegExp("a?c").test("abc"));
    assert.ok(!globToRegExp("a?c").test("abbc"));
    assert.ok(globToRegExp("[ab]x").test("bx"));
    assert.ok(globToRegExp("1 + (2)*").test("1 + (2) * 3"));
  });
});

describe("history database (SQLite)", () => {
  const file = join(mkdtempSync(join(tmpdir(), "threadlab-hist-")), "sub", "history.sqlite");
  const first = new HistoryDatabase(file);
  inputs.forEach((code, i) => first.add(i + 1, code));
  first.setOutput(4, "1");
  first.close();
  const second = new HistoryDatabase(file);
  second.add(1, "c = 3");
  second.add(2, "a = 1");

  test("each kernel gets the next session number; the directory is created", () => {
    assert.equal(second.session, first.session + 1);
  });

  test("tail spans sessions, oldest first", () => {
    assert.deepEqual(toRows(second.select({ hist_access_type: "tail", n: 3 }), false), [
      [first.session, 4, "print(a)"],
      [second.session, 1, "c = 3"],
      [second.session, 2, "a = 1"],
    ]);
  });

  test("range reaches an earlier session by number or counting back, with outputs", () => {
    const back = toRows(
      second.select({ hist_access_type: "range", session: -1, start: 3, stop: 5, output: true }),
      true,
    );
    assert.deepEqual(back, [
      [first.session, 3, ["a = 1", null]],
      [first.session, 4, ["print(a)", "1"]],
    ]);
    assert.deepEqual(second.select({ hist_access_type: "range", session: first.session, start: 1 }).length, 4);
    assert.deepEqual(
      second.select({ hist_access_type: "range", session: 0, start: 1 }).map((e) => e.input),
      ["c = 3", "a = 1"],
    );
  });

  test("search is a glob over all sessions; unique keeps each input's latest occurrence", () => {
    assert.deepEqual(
      second.select({ hist_access_type: "search", pattern: "a = *" }).map((e) => [e.session, e.line]),
      [
        [first.session, 1],
        [first.session, 3],
        [second.session, 2],
      ],
    );
    assert.deepEqual(
      second.select({ hist_access_type: "search", pattern: "a = *", unique: true }).map((e) => [e.session, e.line]),
      [[second.session, 2]],
    );
    assert.deepEqual(
      second.select({ hist_access_type: "search", pattern: "*", n: 2 }).map((e) => e.input),
      ["c = 3", "a = 1"],
    );
  });
});

describe("writing behind the cell", () => {
  const rowsOnDisk = (file: string): number => {
    const db = new HistoryDatabase(file);
    try {
      return db.select({ hist_access_type: "search", pattern: "*" }).length;
    } finally {
      db.close();
    }
  };

  test("entries reach the file within the delay, in one batch, and a query sees them at once", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "threadlab-hist-")), "history.sqlite");
    const h = new HistoryStore(
      () => undefined,
      () => file,
    );
    h.add(1, "x = 1");
    h.setOutput(1, "1");
    h.add(2, "x + 1");
    // Nothing is opened or written on the cell's path: not even the file exists yet.
    assert.throws(() => readFileSync(file), /ENOENT/);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(rowsOnDisk(file), 2, "written by the timer, without a query or close");
    h.add(3, "x + 2");
    assert.deepEqual(
      h.query({ hist_access_type: "tail", n: 2, output: true }).map((r) => r[2]),
      [
        ["x + 1", null],
        ["x + 2", null],
      ],
    );
    assert.equal(rowsOnDisk(file), 3, "a query writes what waits first");
    h.add(4, "x + 3");
    h.close();
    assert.equal(rowsOnDisk(file), 4, "close writes what waits");
  });
});

describe("a history database that cannot be used", () => {
  test("a corrupt file: history stays in memory, with a warning that names the file and what to do", () => {
    const file = join(mkdtempSync(join(tmpdir(), "threadlab-hist-")), "history.sqlite");
    writeFileSync(file, "this is not a database ".repeat(100));
    const log: string[] = [];
    const h = new HistoryStore(
      (t) => log.push(t),
      () => file,
    );
    h.add(1, "x = 1");
    h.setOutput(1, "1");
    assert.deepEqual(h.query({ hist_access_type: "tail", n: 5, output: true }), [[1, 1, ["x = 1", "1"]]]);
    assert.equal(h.location, "memory");
    assert.equal(log.length, 1);
    assert.match(
      log[0],
      new RegExp(
        `cannot open the history database ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: .*not a database.*stays in memory.*THREADLAB_HISTORY_FILE`,
        "s",
      ),
    );
  });

  test("a path that cannot be created: the same fallback", () => {
    const blocker = join(mkdtempSync(join(tmpdir(), "threadlab-hist-")), "a-file");
    writeFileSync(blocker, "");
    const log: string[] = [];
    const h = new HistoryStore(
      (t) => log.push(t),
      () => join(blocker, "history.sqlite"),
    );
    h.add(1, "y = 2");
    assert.deepEqual(h.query({ hist_access_type: "range", session: 0, start: 1 }), [[1, 1, "y = 2"]]);
    assert.match(log.join("\n"), /cannot open the history database .*a-file\/history\.sqlite/);
  });

  test("a database that fails mid-session: the session's entries stay, later ones go to memory, one warning", () => {
    const file = join(mkdtempSync(join(tmpdir(), "threadlab-hist-")), "history.sqlite");
    const log: string[] = [];
    const h = new HistoryStore(
      (t) => log.push(t),
      () => file,
    );
    h.add(1, "first");
    h.flush();
    assert.equal(h.location, file);
    // SQLite's own refusal to write (as for a file turned read-only): every later write fails.
    (h as unknown as { backend: { db: { exec(sql: string): void } } }).backend.db.exec("PRAGMA query_only = ON");
    h.add(2, "second");
    h.add(3, "third");
    h.flush();
    assert.equal(h.location, "memory");
    assert.deepEqual(
      h.query({ hist_access_type: "range", session: 0, start: 1 }).map((r) => r[2]),
      ["first", "second", "third"],
    );
    assert.equal(log.length, 1, log.join("\n"));
    assert.match(log[0], /cannot write to the history database .*stays in memory/);
  });

  test(":memory: keeps history in memory without a warning", () => {
    const log: string[] = [];
    const h = new HistoryStore(
      (t) => log.push(t),
      () => ":memory:",
    );
    h.add(1, "z");
    assert.equal(h.location, "memory");
    assert.deepEqual(log, []);
  });
});
