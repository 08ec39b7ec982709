import type { Vault } from '../vault/vault.ts';
import { DEFAULT_OBS_URL, parseObsUrl, type ObsTarget } from './connection.ts';

/** The vault setting that holds the obs-websocket address (CLI and app share it). */
export const OBS_URL_SETTING = 'obs.url';
/** The keychain credential that holds the obs-websocket password. */
export const OBS_CREDENTIAL = 'obs';

/** The saved obs-websocket address, or obs-websocket's default. */
export function savedObsUrl(vault: Vault): string {
  const saved = vault.settings.get(OBS_URL_SETTING);
  return typeof saved === 'string' ? saved : DEFAULT_OBS_URL;
}

export function saveObsUrl(vault: Vault, url: string): string {
  const normalized = parseObsUrl(url).href.replace(/\/$/, '');
  vault.settings.set(OBS_URL_SETTING, normalized);
  return normalized;
}

/** Where to reach OBS: the given address (a flag) or the saved one, and the stored password if any. */
export async function obsTarget(
  vault: Vault,
  url?: string,
  timeoutMs?: number,
): Promise<ObsTarget> {
  const password = vault.credentialNames().includes(OBS_CREDENTIAL)
    ? await vault.credential(OBS_CREDENTIAL)
    : undefined;
  return { url: url ?? savedObsUrl(vault), password, timeoutMs };
}
