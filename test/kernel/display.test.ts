/** Rich display of cell values and `display(…)` in a real kernel. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Message } from "../../kernel/protocol/messages";
import { RawClient, resultText, streamText } from "./client";
import { kernelForSuite } from "./suite-kernel";

/** A 1×1 PNG. */
const PNG_1x1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

function result(outputs: Message[]): Record<string, unknown> {
  const r = outputs.find((m) => m.header.msg_type === "execute_result");
  assert.ok(r, `no execute_result in ${outputs.map((m) => m.header.msg_type)}`);
  return r.content.data as Record<string, unknown>;
}

describe("rich display", () => {
  let k: RawClient;
  kernelForSuite((client) => (k = client));

  test("an object's [Symbol.for('Jupyter.display')]() is its display, sync or async (Deno's convention)", async () => {
    const sync = await k.execute(`({ [Symbol.for("Jupyter.display")]() { return { "text/html": "<b>mine</b>" }; } })`);
    assert.equal(result(sync.outputs)["text/html"], "<b>mine</b>");
    assert.ok(typeof result(sync.outputs)["text/plain"] === "string", "text/plain is kept as the fallback");
    const later = await k.execute(
      `({ async [Symbol.for("Jupyter.display")]() { return { "text/markdown": "**later**" }; } })`,
    );
    assert.equal(result(later.outputs)["text/markdown"], "**later**");
  });

  test("a display method that throws: the value is shown as text with a note; the kernel lives", async () => {
    const r = await k.execute(`({ label: "broken", [Symbol.for("Jupyter.display")]() { throw new Error("boom"); } })`);
    assert.equal(r.reply.content.status, "ok");
    assert.deepEqual(Object.keys(result(r.outputs)), ["text/plain"]);
    assert.match(String(result(r.outputs)["text/plain"]), /label: 'broken'/);
    assert.match(
      streamText(r.outputs, "stderr"),
      /display: shown as text because its \[Symbol\.for\("Jupyter\.display"\)\]\(\) threw Error: boom/,
    );
    assert.equal(resultText((await k.execute("2 + 2")).outputs), "4");
  });

  test("an array of 1,000 row objects is an HTML table of the first 50 rows with the total, plus text", async () => {
    const r = await k.execute(
      `Array.from({ length: 1000 }, (_, i) => ({ id: i, name: "row " + i, even: i % 2 === 0 }))`,
    );
    const html = String(result(r.outputs)["text/html"]);
    assert.match(html, /<caption>1,000 rows × 3 columns<\/caption>/);
    assert.match(html, /<th>id<\/th><th>name<\/th><th>even<\/th>/);
    assert.equal((html.match(/<tr><th>\d+<\/th>/g) ?? []).length, 50);
    assert.match(html, /<td>row 49<\/td>/);
    assert.doesNotMatch(html, /row 50</);
    assert.match(html, /50 of 1,000 rows shown/);
    assert.match(String(result(r.outputs)["text/plain"]), /id: 0/);
  });

  test("an object of equal-length columns is a table; cells are escaped", async () => {
    const r = await k.execute(`({ x: new Float64Array([1.5, 2.5]), label: ["<a>", "b&c"] })`);
    const html = String(result(r.outputs)["text/html"]);
    assert.match(html, /<th>x<\/th><th>label<\/th>/);
    assert.match(html, /<td>1\.5<\/td><td>&lt;a&gt;<\/td>/);
    assert.match(html, /<td>b&amp;c<\/td>/);
    const ragged = await k.execute(`({ x: [1, 2], y: [1] })`);
    assert.equal(result(ragged.outputs)["text/html"], undefined, "columns of different lengths are not a table");
  });

  test("PNG and SVG bytes are shown as images", async () => {
    const png = await k.execute(`Buffer.from("${PNG_1x1}", "base64")`);
    assert.equal(result(png.outputs)["image/png"], PNG_1x1);
    assert.equal(result(png.outputs)["text/plain"], "<PNG image 1×1, 70 bytes>");
    const svg = await k.execute(
      `new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')`,
    );
    assert.match(String(result(svg.outputs)["image/svg+xml"]), /^<svg xmlns/);
    const plain = await k.execute(`new Uint8Array([1, 2, 3, 4])`);
    assert.equal(result(plain.outputs)["image/png"], undefined);
  });

  test("display(value) shows a value mid-cell; display.vegalite(spec) emits Vega-Lite v5", async () => {
    const r = await k.execute(
      `import { display } from "threadlab"\ndisplay([{ a: 1 }, { a: 2 }])\nconsole.log("after")\ndisplay.vegalite({ data: { values: [{ a: 1 }] }, mark: "bar", encoding: { x: { field: "a", type: "quantitative" } } })`,
    );
    assert.equal(r.reply.content.status, "ok", JSON.stringify(r.reply.content));
    const kinds = r.outputs.filter((m) => ["display_data", "stream"].includes(m.header.msg_type));
    assert.deepEqual(
      kinds.map((m) => m.header.msg_type),
      ["display_data", "stream", "display_data"],
      "in the order called",
    );
    assert.match(String((kinds[0].content.data as Record<string, string>)["text/html"]), /<table/);
    const vl = kinds[2].content.data as Record<string, unknown>;
    assert.deepEqual((vl["application/vnd.vegalite.v5+json"] as { mark: string }).mark, "bar");
    assert.equal(vl["text/plain"], "<Vega-Lite chart: bar>");
    const bad = await k.execute(`display.vegalite("bar" as any)`);
    assert.match(String(bad.reply.content.evalue), /display\.vegalite needs a Vega-Lite spec object/);
  });
});

describe("%who, %whos, %timeit", () => {
  let k: RawClient;
  kernelForSuite((client) => (k = client));

  test("%who lists the notebook's names, by type too; %whos is a table with type and value", async () => {
    assert.match(streamText((await k.execute("%who")).outputs), /no top-level variables/);
    await k.execute(
      `const n = 42\nconst greeting = "hi"\nconst xs = new Float32Array(8)\nfunction twice(a: number) { return 2 * a }\nclass Point {}`,
    );
    assert.equal(streamText((await k.execute("%who")).outputs), "Point\tgreeting\tn\ttwice\txs\n");
    assert.equal(streamText((await k.execute("%who number string")).outputs), "greeting\tn\n");
    const table = streamText((await k.execute("%whos")).outputs).split("\n");
    assert.match(table[0], /^Variable\s+Type\s+Data\/Info$/);
    assert.ok(
      table.some((l) => /^n\s+number\s+42$/.test(l)),
      table.join("\n"),
    );
    assert.ok(
      table.some((l) => /^xs\s+Float32Array\s+length 8 \(32 bytes\)$/.test(l)),
      table.join("\n"),
    );
    assert.ok(
      table.some((l) => /^twice\s+function\s+twice\(1 parameter\)$/.test(l)),
      table.join("\n"),
    );
    assert.ok(
      table.some((l) => /^Point\s+class\s/.test(l)),
      table.join("\n"),
    );
  });

  test("%timeit prints IPython's line and returns nothing; -o returns a TimeitResult", async () => {
    const r = await k.execute("%timeit -n 10 -r 3 Math.sqrt(2)");
    assert.match(
      streamText(r.outputs),
      /^\d+(\.\d+)? (ns|µs|ms|s) ± \d+(\.\d+)? (ns|µs|ms|s) per loop \(mean ± std\. dev\. of 3 runs, 10 loops each\)\n$/,
    );
    assert.equal(
      r.outputs.find((m) => m.header.msg_type === "execute_result"),
      undefined,
    );
    const o = await k.execute("%timeit -o -q -n 5 -r 2 Math.sqrt(2)");
    assert.equal(streamText(o.outputs), "");
    assert.match(
      String(resultText(o.outputs)),
      /^<TimeitResult : .* per loop \(mean ± std\. dev\. of 2 runs, 5 loops each\)>$/,
    );
  });

  test("an unknown option suggests the closest valid one", async () => {
    const r = await k.execute("%timeit --number 5 f()");
    assert.equal(r.reply.content.ename, "MagicError");
    assert.match(
      String(r.reply.content.evalue),
      /%timeit: unknown option --number\. Did you mean -n\? Valid options: -n, -r, -o, -q/,
    );
  });
});
