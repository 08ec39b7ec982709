import { Command } from 'commander';
import { keysCommand } from './keysCommands.ts';
import {
  credentialsCommand,
  linksCommand,
  mintCommand,
  templatesCommand,
  uploadCommand,
} from './providerCommands.ts';
import { tokenCommand } from './tokenCommands.ts';
import { backupCommand, doctorCommand, restoreCommand } from './vaultCommands.ts';

export const VERSION = '0.1.0';

export function buildProgram(): Command {
  return new Command('keycast')
    .description('Keys in the OS keychain, JWTs signed locally, for live video platforms.')
    .version(VERSION)
    .option('--home <DIR>', 'data folder (default: $KEYCAST_HOME, else the Keycast app folder)')
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(keysCommand())
    .addCommand(tokenCommand())
    .addCommand(mintCommand())
    .addCommand(linksCommand())
    .addCommand(uploadCommand())
    .addCommand(credentialsCommand())
    .addCommand(templatesCommand())
    .addCommand(doctorCommand())
    .addCommand(backupCommand())
    .addCommand(restoreCommand());
}
