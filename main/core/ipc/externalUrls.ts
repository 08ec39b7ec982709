/**
 * The only places `shell.openExternal` may open (SECURITY.md §21): https on the providers' own
 * sites, where event and chat links and the docs live.
 */
export const EXTERNAL_HOSTS = [
  'kinescope.io',
  'frameable.com',
  'nativeframe.com',
  'vonage.com',
  'antmedia.io',
] as const;

export function isAllowedExternal(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.username || parsed.password) return false;
  if (parsed.port && parsed.port !== '443') return false;
  const host = parsed.hostname.toLowerCase();
  return EXTERNAL_HOSTS.some((allowed) => host === allowed || host.endsWith(`.${allowed}`));
}
