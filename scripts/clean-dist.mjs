#!/usr/bin/env node
// Removes dist/kernel, dist/schema, dist/test and dist/bench before tsc writes them again: tsc never deletes
// the output of a source file that was moved or removed, and a stale `dist/…/controller.js` beside a new
// `controller/index.js` wins Node's resolution of `./controller` — two registries, "no thread pools found".
import { rmSync } from "node:fs";
import { join } from "node:path";
import { root } from "./venv.mjs";

for (const dir of ["kernel", "schema", "test", "bench"])
  rmSync(join(root, "dist", dir), { recursive: true, force: true });
