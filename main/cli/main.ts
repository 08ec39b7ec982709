import { CommanderError, type Command } from 'commander';
import { EXIT_CODES, KeycastError } from '../core/errors.ts';
import { escapeForTerminal } from './io.ts';
import { runExitTasks } from './exitTasks.ts';
import { buildProgram } from './program.ts';

/** Runs the CLI: errors become one readable line on stderr and an exit code, never a stack. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    overrideExitEverywhere(program);
    await program.parseAsync(argv);
    await runExitTasks();
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    await runExitTasks().catch(() => undefined);
    return exitCodeFor(error);
  }
}

/** Commander exits by itself (with code 1) unless every command, at every depth, is told not to. */
function overrideExitEverywhere(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) overrideExitEverywhere(sub);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help / version text).
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof KeycastError) {
    process.stderr.write(`keycast: ${escapeForTerminal(error.message)}\n`);
    if (process.env.KEYCAST_DEBUG)
      process.stderr.write(`${escapeForTerminal(error.stack ?? '')}\n`);
    return EXIT_CODES[error.kind];
  }
  const message = escapeForTerminal(error instanceof Error ? error.message : String(error));
  process.stderr.write(
    `keycast: unexpected error: ${message}. Set KEYCAST_DEBUG=1 for details and report it.\n`,
  );
  if (process.env.KEYCAST_DEBUG && error instanceof Error)
    process.stderr.write(`${escapeForTerminal(error.stack ?? '')}\n`);
  return 1;
}
