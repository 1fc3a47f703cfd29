#!/usr/bin/env node
// Folders that import each other, directly or around a loop: madge finds cycles between files only, and a
// tree can be free of those while two folders still reach into each other. Reads madge's file graph, collapses
// it to folders and prints each strongly connected group of folders with the imports that close it.
// Exit code 1 when any group is found: the kernel, the extension and the schema are all layered.
//
// A folder and its subfolders are one node: `kernel/execution/converter/x.ts -> kernel/ship/y.ts` is an edge
// from `kernel/execution` to `kernel/ship`. An earlier version compared exact dirnames, so that edge ran from
// `kernel/execution/converter`, and the cycle it closed with `kernel/ship -> kernel/execution` was never seen.
// Every level is checked: an import counts between the two sibling folders just below the deepest folder the
// two files share (`kernel/threadpool/native -> kernel/threadpool/controller` is an edge between those two;
// `kernel/pool -> kernel/map` one between those). An import between a folder's own files and its subfolder is
// inside one node and never counts.
// Tarjan's algorithm is written out here: ~20 lines, against a dependency for one function.
//
// Usage: check-folder-cycles.mjs [SOURCE…], from the tree's root; the sources default to the project's
// (test/checks plants a cycle in a temporary tree and runs the check there).
import madge from "madge";
import { dirname } from "node:path";

/** The source folders; `npm run check:cycles` also runs madge's file-level check over these. */
const DEFAULT_SOURCES = ["kernel", "extension/src", "schema"];
const given = process.argv.slice(2);
const sources = given.length ? given : DEFAULT_SOURCES;
const res = await madge(sources, { fileExtensions: ["ts", "tsx"] });

/** The two sibling folders an import from `file` to `dep` runs between, or undefined if it stays in one. */
function folderEdge(file, dep) {
  const a = dirname(file).split("/");
  const b = dirname(dep).split("/");
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  // One file sits in a folder that holds the other (or both in the same folder): inside one node.
  if (k === a.length || k === b.length) return undefined;
  const shared = a.slice(0, k);
  return [[...shared, a[k]].join("/"), [...shared, b[k]].join("/")];
}

const edges = new Map(); // folder -> Map(folder -> ["a -> b", …])
for (const [file, deps] of Object.entries(res.obj())) {
  for (const dep of deps) {
    const edge = folderEdge(file, dep);
    if (!edge) continue;
    const [a, b] = edge;
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
