import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, generateKeyPair } from 'jose';
import type { CryptoKey } from '../../main/core/keys/material.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/**
 * What a queued fault answers instead of the contract: an HTTP status (with a body of its own, e.g.
 * odd JSON), no answer at all, a 200 whose body drips one byte per `dripMs`, or a 200 whose body
 * is `bytes` long (Infinity: endless), with or without a Content-Length.
 */
export type Fault =
  | { status: number; headers?: Record<string, string>; body?: string }
  /** The request is carried out (a key stored, deleted) and then answered with this status. */
  | { status: number; afterRoute: true }
  /** The request is carried out and then never answered (a process killed while it waits). */
  | { hangAfterRoute: true }
  /** No fault for this request: lets a fault be aimed at a later one. */
  | 'pass'
  | 'hang'
  | { dripMs: number }
  | { bytes: number; declareLength?: boolean };

/**
 * A loopback HTTP server that speaks a provider's documented contract exactly: method, path,
 * `Authorization: Bearer`, JSON bodies with exactly the documented members. Faults can be queued
 * (an HTTP status, or no answer at all) to test time-outs and retries. Binds 127.0.0.1 only.
 */
export abstract class ContractServer {
  readonly requests: RecordedRequest[] = [];
  /** Bytes of flood bodies the client took before it hung up (checks that it stops reading). */
  floodBytesSent = 0;
  private readonly faults: Fault[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | undefined;
  baseUrl = '';

  protected readonly bearer: string;

  constructor(bearer: string) {
    this.bearer = bearer;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  /** The next `times` requests get this fault instead of an answer. */
  fail(fault: Fault, times = 1): void {
    for (let i = 0; i < times; i += 1) this.faults.push(fault);
  }

  /** A 200 whose JSON body never finishes: one space at a time, until the client hangs up. */
  private drip(res: ServerResponse, everyMs: number): void {
    this.hanging.add(res);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"data":');
    const timer = setInterval(() => res.write(' '), everyMs);
    res.on('close', () => clearInterval(timer));
  }

  /** A 200 of `bytes` bytes (JSON-looking padding), written as fast as the client reads it. */
  private async flood(res: ServerResponse, bytes: number, declareLength = false): Promise<void> {
    this.hanging.add(res);
    res.writeHead(200, {
      'Content-Type': 'application/json',
      ...(declareLength && Number.isFinite(bytes) ? { 'Content-Length': String(bytes) } : {}),
    });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let closed = false;
    res.on('close', () => (closed = true));
    for (let sent = 0; sent < bytes && !closed; sent += chunk.length) {
      const ok = res.write(chunk);
      if (!closed) this.floodBytesSent += chunk.length;
      if (!ok) await drainedOrClosed(res);
    }
    res.end();
  }

  protected abstract route(
    method: string,
    path: string,
    body: unknown,
  ): Promise<[number, unknown]> | [number, unknown];

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return send(res, 400, { message: 'body is not JSON' });
    }
    const path = req.url ?? '/';
    this.requests.push({ method: req.method ?? '', path, headers: req.headers, body });
    const queued = this.faults.shift();
    const fault = queued === 'pass' ? undefined : queued;
    if (fault === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (fault && 'dripMs' in fault) return this.drip(res, fault.dripMs);
    if (fault && 'bytes' in fault) return this.flood(res, fault.bytes, fault.declareLength);
    if (fault && ('hangAfterRoute' in fault || 'afterRoute' in fault)) {
      if (req.headers.authorization === `Bearer ${this.bearer}`)
        await this.route(req.method ?? '', path, body);
      if ('afterRoute' in fault) return send(res, fault.status, { message: 'injected fault' });
      this.hanging.add(res);
      return;
    }
    if (fault && 'body' in fault && fault.body !== undefined) {
      res.writeHead(fault.status, { 'Content-Type': 'application/json', ...fault.headers });
      return void res.end(fault.body);
    }
    if (fault) return send(res, fault.status, { message: 'injected fault' }, fault.headers);
    if (req.headers.authorization !== `Bearer ${this.bearer}`)
      return send(res, 401, { message: 'unauthorized' });
    if (raw && req.headers['content-type'] !== 'application/json')
      return send(res, 415, { message: 'json only' });
    const [status, payload] = await this.route(req.method ?? '', path, body);
    send(res, status, payload);
  }
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

function send(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  const text = payload === undefined ? '' : JSON.stringify(payload);
  res.writeHead(status, { ...(text ? { 'Content-Type': 'application/json' } : {}), ...headers });
  res.end(text);
}

const exactKeys = (value: unknown, keys: string[]): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.keys(value).sort().join() === [...keys].sort().join();

/** The members Kinescope documents in its JWK answers; `answer: 'full'` echoes every member. */
const KINESCOPE_DOCUMENTED = ['id', 'kty', 'kid', 'created_at', 'expires_at'];

/** Kinescope's JWK and live-event API, answering in its {"data": …} envelope. */
export class KinescopeContract extends ContractServer {
  readonly keys = new Map<string, Record<string, unknown>>();
  readonly events = new Map<string, { id: string; chat_jwt_required: boolean }>();
  /** When set, these members replace what was sent in the stored key (tests the read-back check). */
  tamper: Record<string, unknown> | null = null;
  /** The documented answer ({id, kty, kid, created_at, expires_at}) or every stored member. */
  answer: 'documented' | 'full' = 'documented';

  private view(key: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    if (!key || this.answer === 'full') return key;
    return Object.fromEntries(KINESCOPE_DOCUMENTED.map((m) => [m, key[m]]));
  }

  protected route(method: string, path: string, body: unknown): [number, unknown] {
    if (method === 'GET' && path === '/v1/jwk')
      return [200, { data: [...this.keys.values()].map((k) => this.view(k)) }];
    if (method === 'POST' && path === '/v1/jwk') {
      if (!exactKeys(body, ['kty', 'e', 'use', 'kid', 'alg', 'n', 'expires_at']))
        return [400, { message: 'members' }];
      if (body.kty !== 'RSA' || body.use !== 'sig' || body.alg !== 'RS256')
        return [400, { message: 'RS256 only' }];
      if (typeof body.expires_at !== 'string' || Number.isNaN(Date.parse(body.expires_at)))
        return [400, { message: 'expires_at' }];
      const stored = {
        id: randomUUID(),
        ...body,
        created_at: new Date().toISOString(),
        ...this.tamper,
      };
      this.keys.set(stored.id, stored);
      return [200, { data: this.view(stored) }];
    }
    const one = /^\/v1\/jwk\/([^/]+)$/.exec(path);
    if (one) {
      const id = decodeURIComponent(one[1]!);
      if (!this.keys.has(id)) return [404, { message: 'not found' }];
      if (method === 'GET') return [200, { data: this.view(this.keys.get(id)) }];
      if (method === 'DELETE') {
        this.keys.delete(id);
        return [204, undefined];
      }
    }
    const event = /^\/v2\/live\/events\/([^/]+)$/.exec(path);
    if (event && method === 'PUT') {
      const id = decodeURIComponent(event[1]!);
      if (!this.events.has(id)) return [404, { message: 'no such event' }];
      if (!exactKeys(body, ['chat_jwt_required']) || typeof body.chat_jwt_required !== 'boolean')
        return [400, { message: 'body' }];
      this.events.set(id, { id, chat_jwt_required: body.chat_jwt_required });
      return [200, { data: this.events.get(id) }];
    }
    return [404, { message: 'no route' }];
  }
}

const NF_SCOPES = new Set([
  'broadcaster',
  'viewer',
  'private-broadcaster',
  'private-viewer',
  'conference-owner',
  'conference-participant',
  'admin',
]);

/** Native Frame's auth API: video and service tokens, external issuers. */
export class NativeFrameContract extends ContractServer {
  readonly issuers = new Map<string, Record<string, unknown>>();
  /** When set, these members replace what was sent in every stored issuer key. */
  tamper: Record<string, unknown> | null = null;
  private signingKey: CryptoKey | undefined;

  override async start(): Promise<this> {
    this.signingKey = (await generateKeyPair('ES256')).privateKey;
    return super.start();
  }

  /**
   * How issued tokens are signed: properly (ES256), or with this `alg` in the header and no real
   * signature (empty for "none"), as a broken or hostile API might answer.
   */
  issue: 'signed' | { alg: string } = 'signed';

  private sign(claims: Record<string, unknown>, ttl: number): Promise<string> {
    if (this.issue !== 'signed') {
      const part = (value: unknown): string =>
        Buffer.from(JSON.stringify(value)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const signature = this.issue.alg.toLowerCase() === 'none' ? '' : part('forged');
      return Promise.resolve(
        `${part({ alg: this.issue.alg, typ: 'JWT' })}.${part({ ...claims, iat: now, exp: now + ttl })}.${signature}`,
      );
    }
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'nf-managed' })
      .setIssuedAt()
      .setExpirationTime(`${ttl}s`)
      .sign(this.signingKey!);
  }

  protected async route(method: string, path: string, body: unknown): Promise<[number, unknown]> {
    if (method === 'POST' && path === '/auth/v1/video-jwt') {
      if (!exactKeys(body, ['kid', 'organizationSlug', 'projectId', 'videoToken']))
        return [400, { message: 'members' }];
      const v = body.videoToken;
      if (!exactKeys(v, ['scopes', 'userId', 'ttl', 'data']))
        return [400, { message: 'videoToken' }];
      if (
        !Array.isArray(v.scopes) ||
        !v.scopes.every((s) => NF_SCOPES.has(String(s))) ||
        typeof v.ttl !== 'number'
      )
        return [400, { message: 'scopes/ttl' }];
      const data = v.data as Record<string, unknown>;
      if (!Array.isArray(data?.mirrors)) return [400, { message: 'data.mirrors' }];
      return [
        201,
        {
          token: await this.sign(
            {
              sub: v.userId,
              scopes: v.scopes,
              org: body.organizationSlug,
              project: body.projectId,
            },
            v.ttl,
          ),
        },
      ];
    }
    if (method === 'POST' && path === '/auth/v1/jwt') {
      if (!exactKeys(body, ['kid', 'roles']) || !Array.isArray(body.roles))
        return [400, { message: 'members' }];
      return [201, { token: await this.sign({ roles: body.roles }, 3600) }];
    }
    const issuer = /^\/auth\/v1\/issuers\/([^/]+)$/.exec(path);
    if (issuer && method === 'PUT') {
      const iss = decodeURIComponent(issuer[1]!);
      if (!exactKeys(body, ['iss', 'project', 'aud', 'roles', 'keys']) || body.iss !== iss)
        return [400, { message: 'members' }];
      const keys = body.keys as Record<string, unknown>[];
      if (!Array.isArray(keys) || keys.some((k) => 'd' in k || typeof k.kid !== 'string'))
        return [400, { message: 'keys must be public JWKs' }];
      const stored = {
        ...body,
        keys: keys.map((k) => ({ ...k, ...this.tamper })),
        internal: false,
        static: false,
      };
      this.issuers.set(iss, stored);
      return [200, stored];
    }
    return [404, { message: 'no route' }];
  }
}
