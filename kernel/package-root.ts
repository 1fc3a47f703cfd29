import { join } from "node:path";

/**
 * This package's root (the folder holding package.json and bin/), the one place that knows where the compiled
 * kernel sits in it: this file is dist/kernel/package-root.js. Modules moving between folders used to count
 * their own `..`s to it, six times over.
 */
export const PACKAGE_ROOT = join(__dirname, "..", "..");

/** The `threadlab` command's entry, which agents and local clusters start as child processes. */
export const BIN_PATH = join(PACKAGE_ROOT, "bin", "threadlab.js");
