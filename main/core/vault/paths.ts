import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_NAME = 'Keycast';

/**
 * Electron's `userData` folder for the app name "Keycast", computed without Electron so the
 * CLI and the app open the same vault: appData (per OS) + app name.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_NAME);
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), APP_NAME);
}

/** `--home DIR` wins, then `KEYCAST_HOME`, then the app's own folder. */
export function resolveDataDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return explicit || env.KEYCAST_HOME || defaultDataDir(env);
}
