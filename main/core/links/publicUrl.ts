import type { Vault } from '../vault/vault.ts';
import { normalizePublicUrl } from './service.ts';

/** Where links point when nothing else was said: `keycast serve` on this machine's loopback. */
export const DEFAULT_PUBLIC_URL = 'http://127.0.0.1:8080';
const SETTING = 'links.publicUrl';

/**
 * The address links are given out under, as the person set it: the flag, else KEYCAST_PUBLIC_URL,
 * else the vault's setting (`keycast redirects public-url`); null when none was given.
 */
export function configuredPublicUrl(
  vault: Vault,
  flag?: string,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const saved = vault.settings.get(SETTING);
  return flag ?? env.KEYCAST_PUBLIC_URL ?? (typeof saved === 'string' ? saved : null);
}

/** The public URL to use: the configured one, else the loopback default. */
export function publicUrlOf(vault: Vault, flag?: string): string {
  return configuredPublicUrl(vault, flag) ?? DEFAULT_PUBLIC_URL;
}

/** Saves the public URL for later commands, the server and the app; returns it normalised. */
export function savePublicUrl(vault: Vault, url: string): string {
  const normalized = normalizePublicUrl(url);
  vault.settings.set(SETTING, normalized);
  return normalized;
}
