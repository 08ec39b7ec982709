import { Command, Option } from 'commander';
import { isIP } from 'node:net';
import { InputError } from '../core/errors.ts';
import { PROXY_HEADERS, type ProxyHeader } from '../core/links/forwarded.ts';
import { openLinkStore } from '../core/links/openLinkStore.ts';
import { DEFAULT_RATE_LIMIT, type RateLimit } from '../core/links/rateLimit.ts';
import { DEFAULT_LISTEN, startServer, type ListenAddress } from '../core/links/server.ts';
import { StreamTokenVerifier } from '../core/links/hooks/verifier.ts';
import { isLoopbackHost } from '../core/links/hostCheck.ts';
import { liveJwks } from '../core/lifecycle/rotationFamily.ts';
import { LinkService } from '../core/links/service.ts';
import type { Vault } from '../core/vault/vault.ts';
import { openVault } from './context.ts';
import { collect, note, printLines, warn } from './io.ts';
import { configuredPublicUrl } from '../core/links/publicUrl.ts';

interface ServeFlags {
  listen: string;
  publicUrl?: string;
  trustProxy: string[];
  proxyHeader: ProxyHeader;
  adminListen?: string;
  db?: string;
  rate: string;
  burst: string;
  hooks?: boolean;
  hookAllow: string[];
  jwksKey: string[];
  quiet?: boolean;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description(
      'serve redirect links: each click mints a fresh token and redirects to the stored destination',
    )
    .option(
      '--listen <ADDR>',
      'address and port to listen on (another address than loopback is reachable from other machines)',
      `${DEFAULT_LISTEN.host}:${DEFAULT_LISTEN.port}`,
    )
    .option(
      '--public-url <URL>',
      'the address the links are given out under, e.g. https://go.example.com (default: $KEYCAST_PUBLIC_URL, else the one set with "keycast redirects public-url", else http://<listen>)',
    )
    .option(
      '--trust-proxy <ADDR>',
      'a reverse proxy (address or CIDR range) whose forwarding header names the client; repeatable',
      collect,
      [],
    )
    .addOption(
      new Option('--proxy-header <NAME>', 'the header the trusted proxy writes the client into')
        .choices(PROXY_HEADERS)
        .default('x-forwarded-for'),
    )
    .option(
      '--admin-listen <ADDR>',
      'serve /metrics and /healthz on this address instead (the main address then shows no metrics)',
    )
    .option(
      '--db <URL>',
      'links in this PostgreSQL database, shared by several servers (postgres://…; default: $KEYCAST_DB, else the local one)',
    )
    .option(
      '--rate <N/s>',
      'requests per second each client may make',
      `${DEFAULT_RATE_LIMIT.perSecond}/s`,
    )
    .option('--burst <N>', 'requests a client may make at once', String(DEFAULT_RATE_LIMIT.burst))
    .option(
      '--hooks',
      "answer verify callbacks of nginx-rtmp, SRS and MediaMTX at /hooks/nginx-rtmp, /hooks/srs, /hooks/mediamtx (tokens checked with the vault's keys)",
    )
    .option(
      '--hook-allow <ADDR>',
      'only this media server (address or CIDR range) may call the verify hooks; repeatable; implies --hooks',
      collect,
      [],
    )
    .option(
      '--jwks-key <KEY>',
      "publish this vault key's public part at /.well-known/jwks.json (RSA, EC or Ed25519; repeatable)",
      collect,
      [],
    )
    .option('--quiet', 'no line per request on standard error')
    .action(async (flags: ServeFlags, command: Command) => {
      const listen = parseListen(flags.listen, '--listen');
      const adminListen = flags.adminListen
        ? parseListen(flags.adminListen, '--admin-listen')
        : null;
      const rateLimit = parseRate(flags.rate, flags.burst);
      const vault = openVault(command, 'serve');
      // Clicks are counted on every request: see Database.preferThroughput for what that trades.
      vault.database.preferThroughput();
      const publicUrl = publicUrlFor(vault, listen, flags.publicUrl);
      // Checked before anything opens: an HMAC or unknown --jwks-key is one sentence and exit 2.
      // Each key is published with its rotation family (a successor ahead of its switch, a
      // retiring predecessor during the overlap), worked out again as rotations go on.
      const jwks = flags.jwksKey.length ? liveJwks(vault, flags.jwksKey) : null;
      const hooksOn = Boolean(flags.hooks) || flags.hookAllow.length > 0;
      if (hooksOn && flags.hookAllow.length === 0 && !isLoopbackHost(listen.host)) {
        warn(
          `The verify hooks answer any caller on ${listen.host}: name your media servers with --hook-allow.`,
        );
      }
      const store = await openLinkStore(vault, flags.db);
      try {
        const service = new LinkService(vault, store, {
          publicUrl: publicUrl ?? listenUrl(listen),
        });
        const server = await startServer({
          service,
          listen,
          trustProxy: flags.trustProxy,
          proxyHeader: flags.proxyHeader,
          rateLimit,
          adminListen,
          hooks: hooksOn
            ? { verifier: new StreamTokenVerifier(vault), allow: flags.hookAllow }
            : null,
          jwks,
          log: flags.quiet ? undefined : note,
          warn,
        });
        const stop = stopSignal();
        // With no public URL (and perhaps port 0), the address the server got is the links' own.
        const linksUnder = publicUrl ? service.publicUrl : server.address;
        printLines([
          `Serving redirect links on ${server.address}; links look like ${linksUnder}/l/…`,
          ...(server.adminAddress ? [`Metrics and health on ${server.adminAddress}`] : []),
          ...(hooksOn
            ? [`Verify hooks on ${server.address}/hooks/nginx-rtmp, /hooks/srs and /hooks/mediamtx`]
            : []),
          ...(jwks
            ? [`JWKS (${jwks().kids.join(', ')}) on ${server.address}/.well-known/jwks.json`]
            : []),
        ]);
        // A server runs for weeks: it applies the activity retention itself (checks twice a day).
        const prune = (): void => {
          try {
            vault.activity.pruneIfDue();
          } catch (error) {
            warn(
              `The activity log could not be pruned (${error instanceof Error ? error.message : String(error)}); the server goes on.`,
            );
          }
        };
        prune();
        const pruner = setInterval(prune, 3600_000).unref();
        const signal = await stop;
        clearInterval(pruner);
        note(
          `${signal}: finishing the requests in flight, then stopping (send it again to stop at once).`,
        );
        await server.close();
      } finally {
        await store.close();
      }
    });
}

/**
 * Resolves on the first SIGTERM or SIGINT. The handlers go after it, so a second signal ends the
 * process at once, the way a person pressing Ctrl-C twice expects.
 */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(signal);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/** `127.0.0.1:8080`, `[::1]:8080`, `localhost:8080`, or a port alone (on 127.0.0.1). */
export function parseListen(text: string, flag: string): ListenAddress {
  const match = /^(?:(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match || port > 65535) {
    throw new InputError(
      `${flag} takes an address and port such as 127.0.0.1:8080 or [::1]:8080; got "${text}".`,
    );
  }
  const host = (match[1] ?? DEFAULT_LISTEN.host).replace(/^\[(.*)\]$/, '$1');
  if (match[1]?.startsWith('[') && isIP(host) !== 6) {
    throw new InputError(`${flag}: "${match[1]}" is not an IPv6 address.`);
  }
  return { host, port };
}

/**
 * The public URL the links were made under (the flag, KEYCAST_PUBLIC_URL or the vault's setting,
 * read as `keycast redirects` reads them), or null when none was given: the listen address then
 * stands in. The Host check answers only that name, so it must be the links' own.
 */
function publicUrlFor(vault: Vault, listen: ListenAddress, flag?: string): string | null {
  const configured = configuredPublicUrl(vault, flag);
  if (configured !== null) return configured;
  if (listen.host === '0.0.0.0' || listen.host === '::') {
    throw new InputError(
      `Listening on every address (${listen.host}) needs --public-url: the address people's links name, such as https://go.example.com.`,
    );
  }
  return null;
}

function listenUrl(listen: ListenAddress): string {
  const host = isIP(listen.host) === 6 ? `[${listen.host}]` : listen.host;
  return `http://${host}:${listen.port}`;
}

/** `--rate 10/s` (or 10) and `--burst 100`. */
function parseRate(rate: string, burst: string): RateLimit {
  const perSecond = /^\d+(\.\d+)?(\/s)?$/.test(rate.trim()) ? Number.parseFloat(rate) : NaN;
  if (!(perSecond > 0)) {
    throw new InputError(`--rate takes requests per second such as 10/s; got "${rate}".`);
  }
  const size = /^\d+$/.test(burst.trim()) ? Number(burst) : NaN;
  if (!(size >= 1)) {
    throw new InputError(`--burst takes a whole number of 1 or more; got "${burst}".`);
  }
  return { perSecond, burst: size };
}
