#!/usr/bin/env node
"use strict";
const argv = process.argv;
const run = () => require("../dist/kernel/cli/main").main(argv);
// A kernel starts from the startup snapshot when one is built (dist/kernel/snapshot/launch.js).
if (argv[2] !== "kernel" || !require("../dist/kernel/snapshot/launch").launchFromSnapshot(argv.slice(2), run)) run();
