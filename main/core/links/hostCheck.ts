import { isIP } from 'node:net';

/** Names that always mean this machine; a DNS name pointing at 127.0.0.1 is not one of them. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const UNSPECIFIED = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The `Host` values this server answers (SECURITY.md §31): the public URL's host and port, a
 * loopback name with the port it listens on, and the address it was bound to. A page on a DNS name
 * the attacker points at 127.0.0.1 (DNS rebinding) sends its own name and gets 403.
 */
export function hostChecker(options: {
  publicUrl: string;
  listenHost: string;
  port: number;
}): (host: string | undefined) => boolean {
  const port = String(options.port);
  const allowed = new Set(LOOPBACK_NAMES.map((name) => `${name}|${port}`));
  const bound = bracketed(options.listenHost.toLowerCase());
  if (!UNSPECIFIED.has(bound)) allowed.add(`${bound}|${port}`);
  const url = new URL(options.publicUrl);
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  const publicHost = url.hostname.toLowerCase();
  allowed.add(`${publicHost}|${url.port || defaultPort}`);
  return (host) => {
    const parsed = host === undefined ? null : parseHost(host);
    if (!parsed) return false;
    // A Host without a port means the scheme's default: the public URL's for its own name (the
    // proxy in front speaks https), 80 for the loopback names this plain-http server answers on.
    const implied = parsed.hostname === publicHost ? defaultPort : '80';
    return allowed.has(`${parsed.hostname}|${parsed.port ?? implied}`);
  };
}

/**
 * The Host check for the verify hooks: everything `hostChecker` allows, and also one of those
 * names without a port. nginx-rtmp's notify module writes `Host:` with the URL's host only, no
 * port (seen from nginx 1.22 with libnginx-mod-rtmp), so `on_publish http://127.0.0.1:8080/…`
 * arrives as `Host: 127.0.0.1`. A rebinding page always sends its own name, so allowing our own
 * names without a port opens nothing to it.
 */
export function hookHostChecker(options: {
  publicUrl: string;
  listenHost: string;
  port: number;
}): (host: string | undefined) => boolean {
  const full = hostChecker(options);
  const names = new Set(LOOPBACK_NAMES);
  const bound = bracketed(options.listenHost.toLowerCase());
  if (!UNSPECIFIED.has(bound)) names.add(bound);
  names.add(new URL(options.publicUrl).hostname.toLowerCase());
  return (host) => {
    if (full(host)) return true;
    const parsed = host === undefined ? null : parseHost(host);
    return parsed !== null && parsed.port === null && names.has(parsed.hostname);
  };
}

/** `name[:port]` or `[v6][:port]`, lower-cased; null for anything else (user info, paths, spaces). */
function parseHost(host: string): { hostname: string; port: string | null } | null {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(host);
  if (!match) return null;
  const port = match[2] === undefined ? null : String(Number(match[2]));
  return { hostname: match[1]!.toLowerCase(), port };
}

function bracketed(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1 and "localhost". */
export function isLoopbackHost(host: string): boolean {
  const plain = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (plain === 'localhost' || plain === '::1') return true;
  return isIP(plain) === 4 && plain.startsWith('127.');
}

/** The sentence §30 asks for when the server is reachable from other machines; null on loopback. */
export function bindWarning(host: string): string | null {
  if (isLoopbackHost(host)) return null;
  return `Listening on ${host}, which other machines can reach: put a TLS reverse proxy in front (links carry tokens), or listen on 127.0.0.1, the default.`;
}
