import { Command } from 'commander';
import type { StatusReport } from '../../shared/status.ts';
import { collectStatus } from '../core/lifecycle/status.ts';
import { rotationSource } from '../core/lifecycle/statusSources.ts';
import { openVault } from './context.ts';
import { printJson, printLines } from './io.ts';

export function statusCommand(): Command {
  // The description is program.ts's, so --help lists it without loading this file.
  return new Command('status')
    .option('--json', 'machine-readable output: {generatedAt, windowDays, due, items}')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const vault = openVault(command);
      const report = await collectStatus(vault, { rotations: rotationSource });
      if (flags.json) printJson(report);
      else printLines(describeStatus(report));
      // Monitoring and cron read the exit code: 1 means a person has something to do.
      if (report.due) process.exitCode = 1;
    });
}

/** One line per item: kind, key, when, then the sentence of what to do. */
export function describeStatus(report: StatusReport): string[] {
  if (!report.due) {
    return [
      `Nothing is due: no key or upload expires within ${report.windowDays} days, no rotation waits, no keychain item is missing.`,
    ];
  }
  return report.items.map((i) =>
    [i.kind, i.key ? `${i.key.name} (${i.key.id})` : '-', i.at ?? '-', i.message].join('  '),
  );
}
