import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { InputError } from '../core/errors.ts';

/** Reads a file, or standard input for "-". Secrets come this way, never through argv. */
export async function readInput(source: string, what: string): Promise<string> {
  if (source === '-') {
    if (process.stdin.isTTY) process.stderr.write(`Paste the ${what}, then press Ctrl-D:\n`);
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return readFileSync(source, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'it does not exist'
        : code === 'EACCES'
          ? 'permission denied'
          : 'it cannot be read';
    throw new InputError(`Cannot read the ${what} from ${source}: ${why}.`, { cause });
  }
}

/** Commander helper for repeatable flags: each use adds one value. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A token given as an argument, or "-" for standard input: only the one line break a pipe adds is dropped. */
export async function readTokenArgument(source: string): Promise<string> {
  return source === '-' ? (await readInput('-', 'token')).replace(/\r?\n$/, '') : source;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLines(lines: readonly string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

/** Asks on the terminal; resolves false when there is no terminal to ask on. */
export async function confirmOnTerminal(question: string, expected: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim() === expected;
  } finally {
    rl.close();
  }
}

/** Renders rows as aligned columns for people; --json is the format for scripts. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
