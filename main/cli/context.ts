import type { Command } from 'commander';
import { resolveDataDir } from '../core/vault/paths.ts';
import { Vault } from '../core/vault/vault.ts';
import { atExit } from './exitTasks.ts';
import { warn } from './io.ts';

/** The vault for this invocation: `--home`, then KEYCAST_HOME, then the app's own data folder. */
export function openVault(command: Command): Vault {
  const { home } = command.optsWithGlobals<{ home?: string }>();
  const vault = new Vault({ dataDir: resolveDataDir(home), warn });
  atExit(() => vault.close());
  return vault;
}
