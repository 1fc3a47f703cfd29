/** Source analyses are cached by source text: what differs between functions with one source must not be. */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { closeConverter, createNotebook, resultsInWorker } from "./notebook";

after(closeConverter);

test("a function re-run with the same source ships the values of the moment", async () => {
  const nb = createNotebook();
  await nb.run("const k = 2", "const f = (x: number) => x * k");
  const s1 = nb.ship("f");
  await nb.run("const k = 3", "const f = (x: number) => x * k");
  const s2 = nb.ship("f");
  assert.equal(s1.code, s2.code);
  assert.deepEqual(await resultsInWorker(s1, [5]), [10]);
  assert.deepEqual(await resultsInWorker(s2, [5]), [15]);
});

test("a function redefined with another source is analysed again", async () => {
  const nb = createNotebook();
  await nb.run("const k = 2", "const m = 5", "let f = (x: number) => x * k");
  assert.deepEqual(Object.keys(nb.ship("f").scope), ["k"]);
  await nb.run("f = (x: number) => x * m");
  assert.deepEqual(Object.keys(nb.ship("f").scope), ["m"]);
  assert.deepEqual(await resultsInWorker(nb.ship("f"), [3]), [15]);
});
