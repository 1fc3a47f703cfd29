#!/usr/bin/env node
// Folders that import each other, directly or around a loop: madge finds cycles between files only, and a
// tree can be free of those while two folders still reach into each other. Reads madge's file graph, collapses
// it to folders and prints each strongly connected group of folders with the imports that close it.
// Exit code 1 when any group is found: the kernel, the extension and the schema are all layered.
// Tarjan's algorithm is written out here: ~20 lines, against a dependency for one function.
import madge from "madge";
import { dirname } from "node:path";

/** The source folders; `npm run check:cycles` also runs madge's file-level check over these. */
const SOURCES = ["kernel", "extension/src", "schema"];
const res = await madge(SOURCES, { fileExtensions: ["ts", "tsx"] });
const edges = new Map(); // folder -> Map(folder -> ["a -> b", …])
for (const [file, deps] of Object.entries(res.obj())) {
  for (const dep of deps) {
    const [a, b] = [dirname(file), dirname(dep)];
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Map());
    const out = edges.get(a);
    if (!out.has(b)) out.set(b, []);
    out.get(b).push(`${file} -> ${dep}`);
  }
}

const index = new Map(),
  low = new Map(),
  stack = [],
  onStack = new Set(),
  groups = [];
let next = 0;
function connect(v) {
  index.set(v, next);
  low.set(v, next++);
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!index.has(w)) {
      connect(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) !== index.get(v)) return;
  const group = [];
  for (let w; w !== v;) {
    w = stack.pop();
    onStack.delete(w);
    group.push(w);
  }
  if (group.length > 1) groups.push(group.sort());
}
for (const v of edges.keys()) if (!index.has(v)) connect(v);

for (const group of groups) {
  console.log(`✖ folders that import each other: ${group.join(", ")}`);
  for (const a of group) for (const b of group) for (const e of edges.get(a)?.get(b) ?? []) console.log(`    ${e}`);
}
if (!groups.length) console.log("✔ No folder cycles.");
process.exit(groups.length ? 1 : 0);
