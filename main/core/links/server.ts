import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InputError, KeycastError } from '../errors.ts';
import { clientAddress, plainAddress, ProxyTrust, type ProxyHeader } from './forwarded.ts';
import { bindWarning, hookHostChecker, hostChecker, isLoopbackHost } from './hostCheck.ts';
import { HookHandler, type HookOptions } from './hooks/handler.ts';
import { sendJwks, type JwksDocument } from './jwks.ts';
import { ServerMetrics } from './metrics.ts';
import { LinkHandler, sendPage } from './linkHandler.ts';
import { PAGES, SECURITY_HEADERS } from './pages.ts';
import { RateLimiter, type RateLimit } from './rateLimit.ts';
import { normalizePublicUrl, type LinkService } from './service.ts';
import { HOOK_NAMES, type HookName } from './types.ts';

export interface ListenAddress {
  host: string;
  /** 0 asks the system for a free port (tests, and the app when the usual port is taken). */
  port: number;
}

/** §30: only this machine can reach the server unless another address is asked for. */
export const DEFAULT_LISTEN: ListenAddress = { host: '127.0.0.1', port: 8080 };

/** How long and how much one client may take, so a slow or greedy one cannot starve the rest. */
export interface ServerLimits {
  /** Time for a client to send all its headers (a slowloris client is cut off after it). */
  headersTimeoutMs: number;
  /** Time for a whole request, body included. */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxHeaderBytes: number;
  maxConnections: number;
  /** A confirm form posts one nonce: anything much larger is not a browser submitting it. */
  maxBodyBytes: number;
  /** How long close() lets requests in flight finish before cutting their connections. */
  drainMs: number;
  /** Node looks for connections over their header or request time on a timer of this period. */
  checkIntervalMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 8 * 1024,
  maxConnections: 1024,
  maxBodyBytes: 1024,
  drainMs: 10_000,
  checkIntervalMs: 1_000,
};

export interface ServerOptions {
  service: LinkService;
  listen?: ListenAddress;
  /** The address links are given out under; its host (and port) is what `Host` may name. Default: the service's. */
  publicUrl?: string;
  /** Reverse proxies (addresses or CIDR ranges) whose forwarding header names the client. */
  trustProxy?: readonly string[];
  proxyHeader?: ProxyHeader;
  rateLimit?: RateLimit;
  /** A separate address for /metrics and /healthz; then the main address never shows metrics. */
  adminListen?: ListenAddress | null;
  limits?: Partial<ServerLimits>;
  /**
   * Verify hooks for media servers at /hooks/nginx-rtmp, /hooks/srs and /hooks/mediamtx (decisions
   * go to the service's store). Without them those routes are 404.
   */
  hooks?: Omit<HookOptions, 'store'> | null;
  /**
   * The JWKS served at /.well-known/jwks.json (`--jwks-key`); without it the route is 404. A
   * function is asked at each request, so a key rotation shows without a restart.
   */
  jwks?: JwksDocument | (() => JwksDocument) | null;
  /** One line per request: method, route (never the link id), status, outcome, time. */
  log?: (line: string) => void;
  /** Sentences for the person running the server (a bind reachable from other machines). */
  warn?: (message: string) => void;
}

export interface LinkServer {
  /** Where the server listens, e.g. http://127.0.0.1:8080. */
  address: string;
  port: number;
  adminAddress: string | null;
  /** Stops accepting, lets requests in flight finish (up to `drainMs`), then resolves. */
  close(): Promise<void>;
}

/** A port taken, an address this machine does not have, a port it may not use. */
export class ListenError extends KeycastError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('environment', message, options);
  }
}

type Route =
  | { name: '/l/…'; id: string }
  | { name: '/healthz' }
  | { name: '/metrics' }
  | { name: '/hooks/…'; hook: HookName }
  | { name: '/.well-known/jwks.json' }
  | { name: 'other' };

/** The characters a link id may have; length and existence are the service's to judge. */
const LINK_SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The redirect-link server (`keycast serve`, and the app's Links screen): `/l/<id>` counts a use,
 * mints a fresh token and redirects to the stored destination; `/healthz`; `/metrics` on loopback
 * or a separate admin address. Signing keys are loaded before it listens, so a missing secret
 * stops the start instead of the first click.
 */
export async function startServer(options: ServerOptions): Promise<LinkServer> {
  const { service } = options;
  const listen = options.listen ?? DEFAULT_LISTEN;
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const publicUrl = normalizePublicUrl(options.publicUrl ?? service.publicUrl);
  const trust = new ProxyTrust(options.trustProxy);
  const limiter = new RateLimiter(options.rateLimit);
  const metrics = new ServerMetrics();
  const log = options.log ?? (() => undefined);
  // Under the public URL's path too: a proxy may pass /keycast/l/<id> on unchanged.
  const prefix = new URL(publicUrl).pathname.replace(/\/+$/, '');
  for (const warning of await service.loadSigningKeys()) options.warn?.(warning);
  const hooks = options.hooks ? new HookHandler({ ...options.hooks, store: service.store }) : null;
  if (options.hooks)
    for (const warning of await options.hooks.verifier.load()) options.warn?.(warning);

  let closing = false;
  /** Answers not yet sent: told to end their connection when a drain begins. */
  const inFlight = new Set<ServerResponse>();
  let mainHostOk: (host: string | undefined) => boolean = () => false;
  let hookHostOk: (host: string | undefined) => boolean = () => false;
  let adminHostOk: (host: string | undefined) => boolean = () => false;

  const links = new LinkHandler(service, metrics, limits);

  const handleMain = async (req: IncomingMessage, res: ServerResponse): Promise<string> => {
    const route = routeOf(req.url ?? '', prefix);
    const hostOk = route.name === '/hooks/…' ? hookHostOk : mainHostOk;
    if (!hostOk(req.headers.host)) return sendPage(res, PAGES.forbidden, 'host-refused');
    const peer = plainAddress(req.socket.remoteAddress);
    if (route.name === '/healthz') return health(req, res);
    if (route.name === '/metrics') {
      // A loopback peer that is a trusted proxy is relaying someone from outside.
      const local = !options.adminListen && isLoopbackHost(peer) && !trust.trusts(peer);
      return local ? sendMetrics(req, res, metrics) : sendPage(res, PAGES.notFound, 'not-found');
    }
    const client = clientAddress(peer, req.headers, trust, options.proxyHeader);
    // Hooks have their own limit per caller (a media server asks for every viewer): see handler.
    if (route.name === '/hooks/…') {
      return hooks
        ? hooks.handle(req, res, route.hook, client)
        : sendPage(res, PAGES.notFound, 'not-found');
    }
    const verdict = limiter.take(client);
    if (!verdict.ok) {
      metrics.rateLimited();
      res.setHeader('Retry-After', String(verdict.retryAfterSeconds));
      return sendPage(res, PAGES.tooMany, 'rate-limited');
    }
    if (route.name === '/.well-known/jwks.json') {
      const jwks = typeof options.jwks === 'function' ? options.jwks() : options.jwks;
      return jwks ? sendJwks(req, res, jwks) : sendPage(res, PAGES.notFound, 'not-found');
    }
    if (route.name === 'other') return sendPage(res, PAGES.notFound, 'not-found');
    return links.handle(req, res, route.id, client);
  };

  const handleAdmin = async (req: IncomingMessage, res: ServerResponse): Promise<string> => {
    if (!adminHostOk(req.headers.host)) return sendPage(res, PAGES.forbidden, 'host-refused');
    const route = routeOf(req.url ?? '', '');
    if (route.name === '/healthz') return health(req, res);
    if (route.name === '/metrics') return sendMetrics(req, res, metrics);
    return sendPage(res, PAGES.notFound, 'not-found');
  };

  const listener =
    (handler: typeof handleMain, name: string) =>
    (req: IncomingMessage, res: ServerResponse): void => {
      const started = performance.now();
      for (const [header, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(header, value);
      // While draining, each answer ends its connection, so keep-alive clients go elsewhere.
      if (closing) res.setHeader('Connection', 'close');
      inFlight.add(res);
      res.on('close', () => inFlight.delete(res));
      handler(req, res)
        .catch((error: unknown) => {
          log(`${name} error: ${error instanceof Error ? error.message : String(error)}`);
          if (!res.headersSent) return sendPage(res, PAGES.unavailable, 'error');
          res.destroy();
          return 'error';
        })
        .then((outcome) => {
          const routed = routeOf(req.url ?? '', name === 'admin' ? '' : prefix);
          const route = routed.name === '/hooks/…' ? `/hooks/${routed.hook}` : routed.name;
          const ms = (performance.now() - started).toFixed(1);
          log(`${req.method ?? '?'} ${route} ${res.statusCode} ${outcome} ${ms}ms`);
        })
        .catch(() => undefined);
    };

  for (const at of [listen, options.adminListen]) {
    const warning = at ? bindWarning(at.host) : null;
    if (warning) options.warn?.(warning);
  }

  const main = httpServer(limits, listener(handleMain, 'main'));
  const port = await listenOn(main, listen);
  mainHostOk = hostChecker({ publicUrl, listenHost: listen.host, port });
  hookHostOk = hookHostChecker({ publicUrl, listenHost: listen.host, port });
  let admin: Server | null = null;
  let adminAddress: string | null = null;
  if (options.adminListen) {
    const at = options.adminListen;
    admin = httpServer(limits, listener(handleAdmin, 'admin'));
    try {
      const adminPort = await listenOn(admin, at);
      adminAddress = addressOf(admin);
      adminHostOk = hostChecker({ publicUrl: adminAddress, listenHost: at.host, port: adminPort });
    } catch (error) {
      await new Promise<void>((resolve) => main.close(() => resolve()));
      throw error;
    }
  }

  let closed: Promise<void> | null = null;
  return {
    address: addressOf(main),
    port,
    adminAddress,
    close() {
      closed ??= (async () => {
        closing = true;
        for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
        const servers = admin ? [main, admin] : [main];
        const done = Promise.all(
          servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
        );
        for (const s of servers) s.closeIdleConnections();
        const cut = setTimeout(
          () => servers.forEach((s) => s.closeAllConnections()),
          limits.drainMs,
        );
        try {
          await done;
        } finally {
          clearTimeout(cut);
        }
      })();
      return closed;
    },
  };
}

/** The path alone decides: the query is ignored, and anything but the exact shapes is 404. */
function routeOf(target: string, prefix: string): Route {
  const query = target.indexOf('?');
  const path = query < 0 ? target : target.slice(0, query);
  if (path === '/healthz') return { name: '/healthz' };
  if (path === '/metrics') return { name: '/metrics' };
  for (const base of prefix ? [prefix, ''] : ['']) {
    if (path === `${base}/.well-known/jwks.json`) return { name: '/.well-known/jwks.json' };
    if (path.startsWith(`${base}/hooks/`)) {
      const hook = path.slice(base.length + '/hooks/'.length);
      if ((HOOK_NAMES as readonly string[]).includes(hook)) {
        return { name: '/hooks/…', hook: hook as HookName };
      }
    }
  }
  for (const base of prefix ? [`${prefix}/l/`, '/l/'] : ['/l/']) {
    if (path.startsWith(base)) {
      const id = path.slice(base.length);
      if (LINK_SEGMENT.test(id)) return { name: '/l/…', id };
    }
  }
  return { name: 'other' };
}

function health(req: IncomingMessage, res: ServerResponse): string {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return sendPage(res, PAGES.methodNotAllowed, 'method-not-allowed');
  }
  const body = '{"status":"ok"}\n';
  res
    .writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
    })
    .end(body);
  return 'ok';
}

async function sendMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  metrics: ServerMetrics,
): Promise<string> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return sendPage(res, PAGES.methodNotAllowed, 'method-not-allowed');
  }
  const text = await metrics.text();
  res
    .writeHead(200, {
      'Content-Type': metrics.contentType,
      'Content-Length': String(Buffer.byteLength(text)),
    })
    .end(text);
  return 'ok';
}

function httpServer(
  limits: ServerLimits,
  listener: (req: IncomingMessage, res: ServerResponse) => void,
): Server {
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new InputError('The header time-out must not be longer than the request time-out.');
  }
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    listener,
  );
  server.maxConnections = limits.maxConnections;
  return server;
}

function listenOn(server: Server, at: ListenAddress): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => reject(listenError(error, at));
    server.once('error', failed);
    server.listen({ host: at.host, port: at.port }, () => {
      server.off('error', failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function listenError(error: NodeJS.ErrnoException, at: ListenAddress): ListenError {
  const where = `${at.host}:${at.port}`;
  const message =
    {
      EADDRINUSE: `Port ${at.port} on ${at.host} is already in use: stop what runs there, or choose another port with --listen.`,
      EACCES: `This user may not listen on ${where} (ports below 1024 need privileges): choose a port above 1024 with --listen.`,
      EADDRNOTAVAIL: `${at.host} is not an address of this machine: listen on one it has, such as 127.0.0.1.`,
      ENOTFOUND: `${at.host} is not an address of this machine: listen on one it has, such as 127.0.0.1.`,
    }[error.code ?? ''] ?? `Could not listen on ${where}: ${error.message}.`;
  return new ListenError(message, { cause: error });
}

function addressOf(server: Server): string {
  const { address, port } = server.address() as AddressInfo;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}
