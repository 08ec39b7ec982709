#!/usr/bin/env node
// The `keycast` command: runs the compiled CLI (npm install builds it through `prepare`).
import { main } from '../dist/main/cli/main.js';

process.exitCode = await main(process.argv);
