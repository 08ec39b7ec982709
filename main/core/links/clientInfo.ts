import { isIPv4, isIPv6 } from 'node:net';

/**
 * The client address as a click record keeps it: the network, not the person (IPv4 /24, IPv6 /48),
 * enough to tell a mail scanner's range from an attendee's without storing who clicked.
 */
export function shortenAddress(address: string | undefined | null): string | null {
  if (!address) return null;
  const plain =
    address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (isIPv4(plain)) return `${plain.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIPv6(plain)) {
    const groups = expandIPv6(plain).slice(0, 3);
    return `${groups.join(':')}::/48`;
  }
  return null;
}

/** The eight groups of an IPv6 address, without leading zeros, lower-case. */
export function expandIPv6(address: string): string[] {
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  return [...left, ...Array<string>(Math.max(missing, 0)).fill('0'), ...right].map((g) =>
    (g.replace(/^0+(?=.)/, '') || '0').toLowerCase(),
  );
}

/** Families are enough to spot scanners and bots; the full user-agent is never stored. */
const FAMILIES: readonly [RegExp, string][] = [
  [/bot|crawler|spider|preview|safelinks|scanner|proofpoint|mimecast|barracuda/i, 'bot'],
  [/outlook|microsoft office/i, 'Outlook'],
  [/curl\//i, 'curl'],
  [/edg\//i, 'Edge'],
  [/firefox\//i, 'Firefox'],
  [/chrome\/|chromium\//i, 'Chrome'],
  [/safari\//i, 'Safari'],
];

export function agentFamily(userAgent: string | undefined | null): string | null {
  if (!userAgent) return null;
  return FAMILIES.find(([pattern]) => pattern.test(userAgent))?.[1] ?? 'other';
}
