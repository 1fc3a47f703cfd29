import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, test } from "node:test";
import { renderValue, type Rendered } from "../../kernel/execution/mime";

/** DuckDB results and Arrow tables render as the kernel's row-array table, with the real packages. */
describe("data-tool tables", () => {
  const sync = (v: unknown) => renderValue(v) as Rendered;

  test("a DuckDB materialized result (connection.run) renders its rows, NULL as NULL in the text", async () => {
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const c = await (await DuckDBInstance.create(":memory:")).connect();
    const r = await c.run("SELECT 1 AS a, NULL AS b, 'x<y' AS s UNION ALL SELECT 2, 3, 'z'");
    const { data } = sync(r);
    assert.match(data["text/html"] as string, /<caption>2 rows × 3 columns<\/caption>/);
    assert.match(data["text/html"] as string, /<td>x&lt;y<\/td>/);
    assert.match(data["text/plain"] as string, /^DuckDB DuckDBMaterializedResult: 2 rows × 3 columns\na +b +s\n/);
    assert.match(data["text/plain"] as string, /\n1 +NULL +x<y\n/);
    c.disconnectSync();
  });

  test("an apache-arrow Table renders its columns and the first 50 of its rows", async () => {
    const arrow = await import("apache-arrow");
    const n = 120;
    const t = arrow.tableFromArrays({
      x: Float64Array.from({ length: n }, (_, i) => i / 2),
      name: Array.from({ length: n }, (_, i) => `row ${i}`),
    });
    const { data } = sync(t);
    const html = data["text/html"] as string;
    assert.match(html, /<caption>120 rows × 2 columns<\/caption><thead><tr><th><\/th><th>x<\/th><th>name<\/th>/);
    assert.match(html, /<td>24.5<\/td><td>row 49<\/td>/);
    assert.doesNotMatch(html, /row 50/);
    assert.match(html, /50 of 120 rows shown/);
    assert.match(data["text/plain"] as string, /^Arrow Table: 120 rows × 2 columns\n[\s\S]*… 110 more rows$/);
  });

  test("rendering other values loads neither DuckDB nor Arrow", () => {
    const script =
      `const { renderValue } = require(${JSON.stringify(require.resolve("../../kernel/execution/mime"))});` +
      "renderValue([{ a: 1 }]); renderValue(new Map()); renderValue({ numRows: 1, schema: { fields: [] } });" +
      "class DuckDBResultReader {}; renderValue(new DuckDBResultReader());" +
      "console.log(Object.keys(require.cache).filter((p) => /duckdb|apache-arrow/.test(p)).length)";
    assert.equal(execFileSync(process.execPath, ["-e", script]).toString().trim(), "0");
  });
});
