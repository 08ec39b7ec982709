import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'keycast.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'keycast-test-'));
}

/** Spawns the real `keycast` command, as a user would run it, and waits for it to exit. */
export function runCli(
  args: readonly string[],
  options: { home?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('The CLI is not built: run "npm run build" first (npm test does).');
  }
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (options.home) env.KEYCAST_HOME = options.home;
  return runProcess(process.execPath, [BIN, ...args], { env, input: options.input });
}

/** Runs a program with its standard input given, and collects what it prints and its exit code. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    // A program that stops reading early (input over its limit) closes the pipe: that is its
    // answer, read from its exit code, not an error of the test.
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin.end(options.input ?? '');
  });
}
