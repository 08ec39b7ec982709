/**
 * CLI start-up: `keycast --version` and `keycast token mint` (the keychain included) as ratios to
 * `node -e 0`, all three spawned interleaved in the same run so a busy machine slows each alike.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'keycast.js');
export const TARGET_VERSION_RATIO = 3;
export const TARGET_MINT_RATIO = 4;

export interface StartupResult {
  label: string;
  ms: number;
  ratio: number;
}

function timeOnce(args: readonly string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${args.join(' ')} failed: ${run.stderr.toString()}`);
  return ms;
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** Null when no keychain is reachable (the mint row needs one): the caller says so. */
export function startup(rounds = 15): StartupResult[] | null {
  const home = mkdtempSync(join(tmpdir(), 'keycast-bench-'));
  const env = { ...process.env, KEYCAST_HOME: home };
  const made = spawnSync(
    process.execPath,
    [BIN, 'keys', 'generate', '--alg', 'ES256', '--name', 'bench'],
    { env },
  );
  if (made.status !== 0) return null;
  const commands: [string, string[]][] = [
    ['node -e 0', ['-e', '0']],
    ['keycast --version', [BIN, '--version']],
    ['keycast token mint', [BIN, 'token', 'mint', 'bench']],
  ];
  for (const [, args] of commands) timeOnce(args, env); // warm the compile cache and the disk
  const times = commands.map(() => [] as number[]);
  for (let round = 0; round < rounds; round += 1) {
    commands.forEach(([, args], i) => times[i]!.push(timeOnce(args, env)));
  }
  spawnSync(process.execPath, [BIN, 'keys', 'delete', 'bench', '--yes'], { env });
  const base = median(times[0]!);
  return commands.map(([label], i) => ({
    label,
    ms: median(times[i]!),
    ratio: median(times[i]!) / base,
  }));
}
