import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { globToRegExp, HistoryStore } from "../../kernel/history/store";

describe("history", () => {
  const h = new HistoryStore(1);
  ["a = 1", "b = 2", "a = 1", "print(a)"].forEach((code, i) => h.add(i + 1, code));
  h.setOutput(4, "1");

  test("tail returns the last n entries, with output when asked", () => {
    assert.deepEqual(h.query({ hist_access_type: "tail", n: 2 }), [[1, 3, "a = 1"], [1, 4, "print(a)"]]);
    assert.deepEqual(h.query({ hist_access_type: "tail", n: 1, output: true }), [[1, 4, ["print(a)", "1"]]]);
  });

  test("range selects lines [start, stop) of this session; other sessions are empty", () => {
    assert.deepEqual(h.query({ hist_access_type: "range", session: 1, start: 2, stop: 4 }).map((r) => r[1]), [2, 3]);
    assert.deepEqual(h.query({ hist_access_type: "range", session: 0, start: 4, stop: 5 }).map((r) => r[1]), [4]);
    assert.deepEqual(h.query({ hist_access_type: "range", session: 7, start: 1, stop: 5 }), []);
  });

  test("search matches globs, keeps the latest of duplicates with unique, and limits with n", () => {
    assert.equal(h.query({ hist_access_type: "search", pattern: "a*" }).length, 2);
    assert.deepEqual(h.query({ hist_access_type: "search", pattern: "a*", unique: true }), [[1, 3, "a = 1"]]);
    assert.deepEqual(h.query({ hist_access_type: "search", pattern: "*", n: 1 }), [[1, 4, "print(a)"]]);
  });

  test("glob syntax", () => {
    assert.ok(globToRegExp("a?c").test("abc"));
    assert.ok(!globToRegExp("a?c").test("abbc"));
    assert.ok(globToRegExp("[ab]x").test("bx"));
    assert.ok(globToRegExp("1 + (2)*").test("1 + (2) * 3"));
  });
});
