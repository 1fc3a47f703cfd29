import assert from "node:assert/strict";
import { after, test } from "node:test";
import { CELL_FUNCTION_NAME, cellFunctionSource, shipCellBody } from "../../kernel/ship/cell";
import { ShipError } from "../../kernel/ship/errors";
import { trimWorkerStack } from "../../kernel/ship/materialize";
import { closeConverter, createNotebook, NOTEBOOK_DIR, type Notebook, resultsInWorker, runInWorker } from "./notebook";

after(closeConverter);

function shipBody(nb: Notebook, body: string) {
  return shipCellBody(body, { execute: nb.execute, locals: nb.locals, resolveDir: NOTEBOOK_DIR });
}

test("a cell body is the function: it sees earlier cells' names and returns its last expression", async () => {
  const nb = createNotebook();
  await nb.run("const k = 3", "const bonus = (i: number) => i * 100");
  const shipped = await shipBody(nb, "const y = item * k;\ny + bonus(index)");
  assert.equal(shipped.name, "cell");
  assert.deepEqual(await resultsInWorker(shipped, [1, 2]), [3, 106]);
  assert.ok(!(CELL_FUNCTION_NAME in nb.locals), "the temporary name stays behind in the notebook");
});

test("a body that awaits becomes an async function", async () => {
  const nb = createNotebook();
  await nb.run("const k = 2");
  assert.equal(cellFunctionSource("await null;\nitem").isAsync, true);
  assert.equal(cellFunctionSource("const f = async () => { await null; };\nitem").isAsync, false);
  const shipped = await shipBody(nb, "await new Promise((r) => setTimeout(r, 1));\nitem * k");
  assert.deepEqual(await resultsInWorker(shipped, [5]), [10]);
});

test("a failing item's stack points at the cell's own line (the magic is line 1)", async () => {
  const nb = createNotebook();
  await nb.run("interface Row { v: number }");
  // Cell lines: 1 %%parallel map …, 2 comment, 3 const, 4 blank, 5 if/throw (split by the compiler), …
  const body = '// check rows\nconst r: Row = { v: item };\n\nif (r.v > 1) throw new Error("bad row " + index);\nr.v';
  const shipped = await shipBody(nb, body);
  const outcome = await runInWorker(shipped, [1, 2]);
  assert.ok(!outcome.ok);
  assert.equal(outcome.message, "bad row 1");
  // The fixture trims without the map; the pool passes the ShippedFunction to map lines.
  assert.match(trimWorkerStack(outcome.stack, shipped), /at cell \(notebook:cell:5\)/);
});

test("a body that does not compile is refused and leaves no name behind", async () => {
  const nb = createNotebook();
  await assert.rejects(shipBody(nb, "item.noSuchMethod("), (e: unknown) => {
    assert.ok(e instanceof ShipError);
    assert.match(e.message, /^cannot ship `cell`: the cell body does not compile/);
    return true;
  });
  assert.ok(!(CELL_FUNCTION_NAME in nb.locals));
});
