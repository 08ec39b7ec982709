import type { Command } from 'commander';
import type { ActivitySource } from '../../shared/activity.ts';
import { resolveDataDir } from '../core/vault/paths.ts';
import { Vault } from '../core/vault/vault.ts';
import { atExit } from './exitTasks.ts';
import { warn } from './io.ts';

/**
 * The vault for this invocation: `--home`, then KEYCAST_HOME, then the app's own data folder.
 * `source` names the program in the activity log: `keycast serve` is a server, not a command.
 */
export function openVault(command: Command, source: ActivitySource = 'cli'): Vault {
  const { home } = command.optsWithGlobals<{ home?: string }>();
  const vault = new Vault({ dataDir: resolveDataDir(home), warn, source });
  atExit(() => vault.close());
  return vault;
}
