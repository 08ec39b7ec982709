import { createInterface } from 'node:readline/promises';
import { readRegularFile, readStreamCapped } from '../core/input.ts';

/**
 * Reads a regular file, or standard input for "-", at most 1 MiB either way (a FIFO, a device or
 * an endless pipe ends in a sentence). Secrets come this way, never through argv.
 */
export async function readInput(source: string, what: string): Promise<string> {
  if (source === '-') {
    if (process.stdin.isTTY) process.stderr.write(`Paste the ${what}, then press Ctrl-D:\n`);
    return readStreamCapped(process.stdin, what);
  }
  return readRegularFile(source, what);
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

/**
 * C0 controls but tab and line feed (ESC starts colour, cursor, OSC 52 clipboard and title
 * sequences; CR overwrites a line), DEL, C1 controls (0x9b is a one-byte CSI) and the bidi
 * overrides that reorder what a person reads.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_FOR_TERMINAL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from tokens, provider APIs and files, made safe to print: each unsafe character is shown
 * as an escape (\x1b, \u202e) instead of being obeyed by the terminal.
 */
export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE_FOR_TERMINAL, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Human-readable output: every line escaped. --json output goes through printJson instead. */
export function printLines(lines: readonly string[]): void {
  process.stdout.write(`${lines.map(escapeForTerminal).join('\n')}\n`);
}

/** A line for the person at the terminal (what was done), on stderr so stdout stays the result. */
export function note(message: string): void {
  process.stderr.write(`${escapeForTerminal(message)}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`warning: ${escapeForTerminal(message)}\n`);
}

/** Asks on the terminal; resolves false when there is no terminal to ask on. */
export async function confirmOnTerminal(question: string, expected: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(escapeForTerminal(question))).trim() === expected;
  } finally {
    rl.close();
  }
}

/** Renders rows as aligned columns for people; --json is the format for scripts. */
export function table(header: readonly string[], body: readonly (readonly string[])[]): string[] {
  // Escaped before measuring, so a cell with control characters cannot shift the columns.
  const rows = body.map((row) => row.map(escapeForTerminal));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
