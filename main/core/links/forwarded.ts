import type { IncomingHttpHeaders } from 'node:http';
import { BlockList, isIP, isIPv4 } from 'node:net';
import { InputError } from '../errors.ts';

/**
 * Which header a trusted reverse proxy writes the client into. X-Forwarded-For is what nginx,
 * HAProxy, Caddy and the cloud load balancers append to; Forwarded (RFC 7239) is for proxies that
 * write that instead. Only one is read: a proxy that appends to one passes the other through from
 * the client untouched, so reading both would let a client choose its own address.
 */
export const PROXY_HEADERS = ['x-forwarded-for', 'forwarded'] as const;
export type ProxyHeader = (typeof PROXY_HEADERS)[number];

/** `::ffff:127.0.0.1` (an IPv4 peer on a dual-stack socket) → `127.0.0.1`. */
export function plainAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/** The reverse proxies whose forwarding header is believed: addresses or CIDR ranges. */
export class ProxyTrust {
  readonly size: number;
  private readonly list = new BlockList();
  private readonly flag: string;
  private readonly what: string;

  /** `flag` and `what` name the option the entries came from, for the sentence refusing one. */
  constructor(entries: readonly string[] = [], flag = '--trust-proxy', what = 'a reverse proxy') {
    this.flag = flag;
    this.what = what;
    for (const entry of entries) this.add(entry.trim());
    this.size = entries.length;
  }

  trusts(address: string): boolean {
    const plain = plainAddress(address);
    const family = isIP(plain);
    if (this.size === 0 || family === 0) return false;
    return this.list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  }

  private add(entry: string): void {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? null : Number(prefix);
    const maxBits = family === 4 ? 32 : 128;
    if (
      family === 0 ||
      extra !== undefined ||
      (bits !== null && !(/^\d{1,3}$/.test(prefix!) && bits <= maxBits))
    ) {
      throw new InputError(
        `${this.flag} takes the address of ${this.what} or a range of them (203.0.113.7, 10.0.0.0/8, ::1); got "${entry}".`,
      );
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === null) this.list.addAddress(address, type);
    else this.list.addSubnet(address, bits, type);
  }
}

/**
 * The client's address: the TCP peer, unless the peer is a trusted proxy; then the nearest
 * address in the proxy's header that is not itself a trusted proxy (walking from the right, as
 * each proxy appends: entries further left were written by the client and prove nothing).
 */
export function clientAddress(
  peer: string,
  headers: IncomingHttpHeaders,
  trust: ProxyTrust,
  header: ProxyHeader = 'x-forwarded-for',
): string {
  const direct = plainAddress(peer);
  if (!trust.trusts(direct)) return direct;
  const raw = headers[header];
  const text = Array.isArray(raw) ? raw.join(',') : raw;
  if (!text) return direct;
  const hops = header === 'forwarded' ? forwardedFor(text) : text.split(',').map((h) => h.trim());
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = plainAddress(hops[i]);
    // "unknown", an obfuscated name or garbage: nothing to key on, so the proxy itself stands in.
    if (isIP(hop) === 0) return direct;
    if (!trust.trusts(hop)) return hop;
  }
  return plainAddress(hops[0]) || direct;
}

/** The `for=` node of each element of an RFC 7239 Forwarded header, without port or brackets. */
function forwardedFor(text: string): string[] {
  const nodes: string[] = [];
  for (const element of text.split(',')) {
    for (const pair of element.split(';')) {
      const at = pair.indexOf('=');
      if (at < 0 || pair.slice(0, at).trim().toLowerCase() !== 'for') continue;
      let node = pair
        .slice(at + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
      if (node.startsWith('[')) {
        const end = node.indexOf(']');
        node = node.slice(1, end < 0 ? undefined : end);
      } else if (node.split(':').length === 2) node = node.slice(0, node.indexOf(':'));
      nodes.push(node);
    }
  }
  return nodes;
}
