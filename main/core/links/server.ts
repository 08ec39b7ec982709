import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InputError, KeycastError } from '../errors.ts';
import { clientAddress, plainAddress, ProxyTrust, type ProxyHeader } from './forwarded.ts';
import { bindWarning, hostChecker, isLoopbackHost } from './hostCheck.ts';
import { ServerMetrics } from './metrics.ts';
import { confirmPage, PAGES, SECURITY_HEADERS, type Page } from './pages.ts';
import { RateLimiter, type RateLimit } from './rateLimit.ts';
import { normalizePublicUrl, type LinkService } from './service.ts';
import type { Refusal } from './types.ts';

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
  { name: '/l/…'; id: string } | { name: '/healthz' } | { name: '/metrics' } | { name: 'other' };

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

  let closing = false;
  /** Answers not yet sent: told to end their connection when a drain begins. */
  const inFlight = new Set<ServerResponse>();
  let mainHostOk: (host: string | undefined) => boolean = () => false;
  let adminHostOk: (host: string | undefined) => boolean = () => false;

  const links = new LinkHandler(service, metrics, limits);

  const handleMain = async (req: IncomingMessage, res: ServerResponse): Promise<string> => {
    if (!mainHostOk(req.headers.host)) return sendPage(res, PAGES.forbidden, 'host-refused');
    const peer = plainAddress(req.socket.remoteAddress);
    const route = routeOf(req.url ?? '', prefix);
    if (route.name === '/healthz') return health(req, res);
    if (route.name === '/metrics') {
      // A loopback peer that is a trusted proxy is relaying someone from outside.
      const local = !options.adminListen && isLoopbackHost(peer) && !trust.trusts(peer);
      return local ? sendMetrics(req, res, metrics) : sendPage(res, PAGES.notFound, 'not-found');
    }
    const client = clientAddress(peer, req.headers, trust, options.proxyHeader);
    const verdict = limiter.take(client);
    if (!verdict.ok) {
      metrics.rateLimited();
      res.setHeader('Retry-After', String(verdict.retryAfterSeconds));
      return sendPage(res, PAGES.tooMany, 'rate-limited');
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
          const route = routeOf(req.url ?? '', name === 'admin' ? '' : prefix).name;
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

/** The `/l/<id>` answers: HEAD peeks, GET follows or shows the confirm page, POST confirms. */
class LinkHandler {
  private readonly service: LinkService;
  private readonly metrics: ServerMetrics;
  private readonly limits: ServerLimits;

  constructor(service: LinkService, metrics: ServerMetrics, limits: ServerLimits) {
    this.service = service;
    this.metrics = metrics;
    this.limits = limits;
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    client: string,
  ): Promise<string> {
    const now = new Date();
    switch (req.method) {
      case 'HEAD': {
        // Never counts and never mints: mail scanners and link previews send HEAD.
        const peeked = await this.service.peek(id, now);
        res.writeHead(peeked.ok ? 200 : statusOf(peeked.outcome)).end();
        return peeked.ok ? 'usable' : peeked.outcome;
      }
      case 'GET': {
        const peeked = await this.service.peek(id, now);
        if (peeked.ok && peeked.link.confirm) {
          await this.service.recordView(peeked.link, {
            address: client,
            userAgent: req.headers['user-agent'],
            now,
          });
          this.metrics.click('confirm-page');
          const nonce = await this.service.confirmNonce(id, now);
          return sendPage(res, confirmPage(nonce), 'confirm-page');
        }
        // A refused peek is followed too, at the same instant, so the refusal is recorded with its
        // link: a refusal at `now` stays one (revoked, closed and used up never come back, and
        // the window is checked at the same `now`), so this never counts a confirm link's GET.
        return this.follow(req, res, id, client, now, 302);
      }
      case 'POST': {
        const body = await readBody(req, this.limits.maxBodyBytes);
        if (body === null) {
          res.setHeader('Connection', 'close');
          return sendPage(res, PAGES.tooLarge, 'too-large');
        }
        const nonce = new URLSearchParams(body).get('nonce') ?? '';
        if (!(await this.service.checkNonce(id, nonce, now))) {
          return sendPage(res, PAGES.expiredForm, 'bad-nonce');
        }
        return this.follow(req, res, id, client, now, 303);
      }
      default:
        res.setHeader('Allow', 'GET, HEAD, POST');
        return sendPage(res, PAGES.methodNotAllowed, 'method-not-allowed');
    }
  }

  private async follow(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    client: string,
    now: Date,
    status: 302 | 303,
  ): Promise<string> {
    const started = performance.now();
    const result = await this.service.follow(id, {
      address: client,
      userAgent: req.headers['user-agent'],
      now,
    });
    const outcome = result.ok ? 'redirected' : result.outcome;
    this.metrics.click(outcome);
    if (result.ok || result.outcome === 'error') {
      this.metrics.minted((performance.now() - started) / 1000);
    }
    if (!result.ok) {
      return sendPage(
        res,
        result.outcome === 'error' ? PAGES.unavailable : pageOf(result.outcome),
        outcome,
      );
    }
    // §33: the Location is the service's, built from the stored link; nothing of the request is in it.
    res.writeHead(status, { Location: result.location, 'Content-Length': '0' }).end();
    return outcome;
  }
}

function statusOf(outcome: 'unknown' | Refusal): 404 | 410 {
  return outcome === 'unknown' ? 404 : 410;
}

function pageOf(outcome: 'unknown' | Refusal): Page {
  return outcome === 'unknown' ? PAGES.notFound : PAGES.gone;
}

/** The path alone decides: the query is ignored, and anything but the exact shapes is 404. */
function routeOf(target: string, prefix: string): Route {
  const query = target.indexOf('?');
  const path = query < 0 ? target : target.slice(0, query);
  if (path === '/healthz') return { name: '/healthz' };
  if (path === '/metrics') return { name: '/metrics' };
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

function sendPage(res: ServerResponse, page: Page, outcome: string): string {
  res
    .writeHead(page.status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(page.html)),
    })
    .end(page.html);
  return outcome;
}

/**
 * The form body, or null when it is larger than `max`. A declared length over it is refused before
 * reading; a chunked body that grows past it stops being read (the connection is dropped).
 */
async function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  if (Number(req.headers['content-length'] ?? 0) > max) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
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
