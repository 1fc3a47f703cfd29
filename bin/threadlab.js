#!/usr/bin/env node
"use strict";
require("../dist/kernel/cli/main").main(process.argv);
