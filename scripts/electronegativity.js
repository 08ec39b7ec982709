// Runs Doyensec's Electronegativity over the app's source (SECURITY.md §24) and fails on any
// high-severity finding. Its command-line entry breaks against a newer commander hoisted beside
// it, so this calls its documented programmatic runner instead.
import { createRequire } from 'node:module';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runner = require('@doyensec/electronegativity/dist/runner.js');
const run = runner.default ?? runner;

const electronVersion = require('electron/package.json').version;
// One scan over the main process (windows, IPC, protocol) and the UI (its HTML carries the CSP):
// the global checks need both at once, so they are copied side by side into a scratch folder.
const scratch = mkdtempSync(join(tmpdir(), 'keycast-electronegativity-'));
// Other folders can be named on the command line (the test scans a deliberately unsafe one).
const folders = process.argv.length > 2 ? process.argv.slice(2) : ['main', 'renderer'];
for (const folder of folders) {
  cpSync(resolve(root, folder), join(scratch, basename(folder)), { recursive: true });
}
let result;
try {
  result = await run({
    input: scratch,
    electronVersionOverride: electronVersion,
    // This one downloads Electron's release list from GitHub: no run may reach the internet (and
    // its retry crashed the run when the fetch failed). Electron updates are Dependabot's job.
    excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
    isRelative: true,
    parserPlugins: [],
  });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const { issues, errors = [] } = result;
const fatal = errors.filter((e) => !e.tolerable);
const high = issues.filter((i) => i.severity.name === 'HIGH' || i.severity.value >= 3);
for (const issue of issues) {
  const where = `${issue.file}:${issue.location?.line ?? '?'}`;
  console.log(
    `${issue.severity.name.padEnd(13)} ${issue.confidence.name.padEnd(9)} ${issue.id} ${where}`,
  );
}
for (const error of fatal) console.log(`could not scan ${error.file}: ${error.message}`);
console.log(
  `electronegativity ${electronVersion}: ${issues.length} finding(s), ${high.length} high-severity, ${fatal.length} file(s) not scanned`,
);
process.exit(high.length > 0 || fatal.length > 0 ? 1 : 0);
