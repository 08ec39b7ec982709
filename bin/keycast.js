#!/usr/bin/env node
// The `keycast` command: runs the bundled CLI (npm install builds it through `prepare`: tsc, then
// rolldown into a few chunks, so start-up does not resolve hundreds of module files).
import module from 'node:module';

// Node caches the compiled code of Keycast and its dependencies (zod, jose, commander) on disk:
// the second start skips most of the parsing that dominates a short command.
module.enableCompileCache?.();
const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv);
