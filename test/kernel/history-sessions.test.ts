/** History that lasts: real kernel processes sharing one history database, across restarts and at once. */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { RawClient, streamText } from "./client";

type Row = [number, number, string | [string, string | null]];

async function history(c: RawClient, content: Record<string, unknown>): Promise<Row[]> {
  const r = await c.request("shell", "history_request", { output: false, raw: true, ...content });
  assert.equal(r.content.status, "ok");
  return r.content.history as Row[];
}

describe("history across sessions", () => {
  test("a restarted kernel answers history_request with the earlier session's cells (tail, range, search)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "threadlab-hist-")), "history.sqlite");
    const env = { THREADLAB_HISTORY_FILE: file };
    const first = await RawClient.start({ env });
    let firstSession: number;
    try {
      await first.execute("const before = 6 * 7");
      await first.execute("before + 1");
      firstSession = (await history(first, { hist_access_type: "tail", n: 1 }))[0][0];
    } finally {
      await first.close();
    }
    const second = await RawClient.start({ env });
    try {
      await second.execute("const after = 1");
      const tail = await history(second, { hist_access_type: "tail", n: 3, output: true });
      assert.deepEqual(tail, [
        [firstSession, 1, ["const before = 6 * 7", null]],
        [firstSession, 2, ["before + 1", "43"]],
        [firstSession + 1, 1, ["const after = 1", null]],
      ]);
      assert.deepEqual(await history(second, { hist_access_type: "range", session: -1, start: 1, stop: 3 }), [
        [firstSession, 1, "const before = 6 * 7"],
        [firstSession, 2, "before + 1"],
      ]);
      assert.deepEqual(
        (await history(second, { hist_access_type: "search", pattern: "before*", n: 10 })).map((r) => r[2]),
        ["before + 1"],
      );
      const { outputs } = await second.execute("%history -n ~1/1-2");
      assert.equal(streamText(outputs), `${firstSession}/1: const before = 6 * 7\n${firstSession}/2: before + 1\n`);
      const own = await second.execute("%history");
      assert.equal(
        streamText(own.outputs),
        "const after = 1\n%history -n ~1/1-2\n",
        "this session only, without the running %history line",
      );
      const last = await second.execute("%history -l 2");
      assert.equal(
        streamText(last.outputs),
        "%history -n ~1/1-2\n%history\n",
        "the last 2 inputs before the running %history line, as IPython's -l",
      );
    } finally {
      await second.close();
    }
  });

  test("two kernels writing to one database at once lose nothing and keep their own sessions", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "threadlab-hist-")), "history.sqlite");
    const env = { THREADLAB_HISTORY_FILE: file };
    const [a, b] = await Promise.all([RawClient.start({ env }), RawClient.start({ env })]);
    const cells = 40;
    try {
      // Interleaved: both kernels execute at the same time, each cell one write (and one output write).
      await Promise.all(
        [a, b].map(async (c, k) => {
          for (let i = 0; i < cells; i++) await c.execute(`${k * 1000 + i}`);
        }),
      );
      // Each kernel writes its history behind its cells; b's last entries are on disk once it has shut down.
      await b.close();
      const all = await history(a, { hist_access_type: "search", pattern: "*", output: true });
      const sessions = [...new Set(all.map((r) => r[0]))];
      assert.equal(sessions.length, 2, `two sessions, got ${sessions}`);
      for (const [k, session] of sessions.entries()) {
        const mine = all.filter((r) => r[0] === session);
        assert.equal(mine.length, cells);
        assert.deepEqual(
          mine.map((r) => r[1]),
          Array.from({ length: cells }, (_, i) => i + 1),
        );
        const base = Number((mine[0][2] as [string, string])[0]) >= 1000 ? 1000 : 0;
        assert.ok(
          mine.every(
            (r, i) =>
              (r[2] as [string, string])[0] === String(base + i) && (r[2] as [string, string])[1] === String(base + i),
          ),
          `session ${k}: inputs and outputs in order`,
        );
      }
      const Database = require("libsql") as new (path: string) => {
        prepare(sql: string): { get(): Record<string, unknown> };
        close(): void;
      };
      const db = new Database(file);
      assert.equal(db.prepare("PRAGMA integrity_check").get().integrity_check, "ok");
      db.close();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("an unreadable database: the kernel runs, history stays in memory, the server log says why", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "threadlab-hist-")), "history.sqlite");
    writeFileSync(file, Buffer.alloc(8192, 0x5a));
    const c = await RawClient.start({ env: { THREADLAB_HISTORY_FILE: file } });
    try {
      const { reply } = await c.execute("1 + 1");
      assert.equal(reply.content.status, "ok");
      assert.deepEqual(await history(c, { hist_access_type: "tail", n: 5 }), [[1, 1, "1 + 1"]]);
      assert.match(
        c.stderr,
        /history: cannot open the history database .*history\.sqlite: .*This session's history stays in memory/,
      );
    } finally {
      await c.close();
    }
  });
});
