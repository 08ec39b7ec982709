import type { IncomingMessage, ServerResponse } from 'node:http';
import { shortenAddress } from '../clientInfo.ts';
import { ProxyTrust } from '../forwarded.ts';
import { RateLimiter, type RateLimit } from '../rateLimit.ts';
import type { HookName, HookReason, LinkStore } from '../types.ts';
import { mediamtxHook } from './mediamtx.ts';
import { nginxRtmpHook } from './nginxRtmp.ts';
import type { HookAnswer, HookProtocol, HookRequest } from './protocol.ts';
import { srsHook } from './srs.ts';
import type { StreamTokenVerifier } from './verifier.ts';

export const HOOK_PROTOCOLS: Readonly<Record<HookName, HookProtocol>> = {
  'nginx-rtmp': nginxRtmpHook,
  srs: srsHook,
  mediamtx: mediamtxHook,
};

/**
 * A media server is one client asking once for every publisher and every viewer: a start of a
 * large event is hundreds of calls in a second from one address, which the links' per-client
 * limit (10/s, burst 100) would refuse. Hooks get their own bucket per caller, this much larger;
 * the allow-list (--hook-allow) is what keeps others out.
 */
export const DEFAULT_HOOK_RATE_LIMIT: RateLimit = { perSecond: 500, burst: 2000 };

/** A callback is a few hundred bytes; 16 KiB leaves room for a long token and query. */
export const MAX_HOOK_BODY_BYTES = 16 * 1024;
/** A media server sends its callback at once; a body still arriving after this is dropped. */
export const DEFAULT_HOOK_BODY_TIMEOUT_MS = 5_000;

export interface HookOptions {
  verifier: StreamTokenVerifier;
  store: LinkStore;
  /** Media servers (addresses or CIDR ranges) that may call; empty: any caller that passes Host. */
  allow?: readonly string[];
  rateLimit?: RateLimit;
  maxBodyBytes?: number;
  bodyTimeoutMs?: number;
}

/**
 * The verify hooks at /hooks/<name>: each reads its media server's callback strictly, checks the
 * token (StreamTokenVerifier), records the decision with its reason (never the token) and answers
 * what that media server understands. Returns the outcome for the server's log line.
 */
export class HookHandler {
  private readonly options: HookOptions;
  private readonly allow: ProxyTrust | null;
  private readonly limiter: RateLimiter;
  private readonly maxBody: number;
  private readonly bodyTimeoutMs: number;

  constructor(options: HookOptions) {
    this.options = options;
    this.allow = options.allow?.length
      ? new ProxyTrust(options.allow, '--hook-allow', 'a media server')
      : null;
    this.limiter = new RateLimiter(options.rateLimit ?? DEFAULT_HOOK_RATE_LIMIT);
    this.maxBody = options.maxBodyBytes ?? MAX_HOOK_BODY_BYTES;
    this.bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULT_HOOK_BODY_TIMEOUT_MS;
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    name: HookName,
    caller: string,
  ): Promise<string> {
    const protocol = HOOK_PROTOCOLS[name];
    const now = new Date();
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return this.fail(res, protocol, 405, 'A verify hook takes POST only.', 'method-not-allowed');
    }
    if (this.allow && !this.allow.trusts(caller)) {
      // Not read: the body of a caller that may not ask is none of Keycast's business.
      res.setHeader('Connection', 'close');
      await this.record(name, 'not-allowed-caller', now, caller, null);
      send(res, protocol.failure(403, 'This address may not call the verify hooks.'));
      return `${name} not-allowed-caller`;
    }
    const verdict = this.limiter.take(caller);
    if (!verdict.ok) {
      res.setHeader('Retry-After', String(verdict.retryAfterSeconds));
      res.setHeader('Connection', 'close');
      return this.fail(res, protocol, 429, 'Too many calls: slow down.', 'rate-limited');
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!protocol.contentTypes.includes(type)) {
      res.setHeader('Connection', 'close');
      const sentence = `The body is not ${protocol.contentTypes.join(' or ')}.`;
      await this.record(name, 'bad-request', now, caller, null);
      return this.fail(res, protocol, 400, sentence, `bad-request: ${sentence}`);
    }
    const body = await readBounded(req, this.maxBody, this.bodyTimeoutMs);
    if (!body.ok) {
      res.setHeader('Connection', 'close');
      await this.record(name, 'bad-request', now, caller, null);
      const [status, sentence] =
        body.why === 'too-large'
          ? [413, `The body is larger than ${this.maxBody} bytes.`]
          : [408, 'The body did not arrive in time.'];
      this.fail(res, protocol, status, sentence, '');
      // The rest of a body too large or too slow is not read: the connection goes.
      res.once('finish', () => req.destroy());
      return `bad-request: ${sentence}`;
    }
    const parsed = protocol.parse(body.text);
    if (!parsed.ok) {
      await this.record(name, 'bad-request', now, caller, null);
      return this.fail(res, protocol, 400, parsed.problem, `bad-request: ${parsed.problem}`);
    }
    const request = parsed.request;
    const checked = request.ask
      ? await this.options.verifier.check(request.token, request.ask, now.getTime())
      : { reason: 'wrong-type' as const, kid: null, jti: null };
    await this.record(name, checked.reason, now, caller, request, checked.kid, checked.jti);
    send(res, protocol.answer(checked.reason));
    return `${name} ${request.action} ${checked.reason === 'allowed' ? 'allowed' : `refused: ${checked.reason}`}`;
  }

  private fail(
    res: ServerResponse,
    protocol: HookProtocol,
    status: number,
    sentence: string,
    outcome: string,
  ): string {
    send(res, protocol.failure(status, sentence));
    return outcome;
  }

  private record(
    hook: HookName,
    reason: HookReason,
    now: Date,
    caller: string,
    request: HookRequest | null,
    kid: string | null = null,
    jti: string | null = null,
  ): Promise<void> {
    return this.options.store.recordDecision({
      at: now.toISOString(),
      hook,
      reason,
      action: request?.action ?? null,
      app: request?.app ?? null,
      stream: request?.stream ?? null,
      caller: caller || null,
      client: shortenAddress(request?.client),
      kid,
      jti,
    });
  }
}

function send(res: ServerResponse, answer: HookAnswer): void {
  res
    .writeHead(answer.status, {
      'Content-Type': answer.contentType,
      'Content-Length': String(Buffer.byteLength(answer.body)),
    })
    .end(answer.body);
}

type Bounded = { ok: true; text: string } | { ok: false; why: 'too-large' | 'too-slow' };

/**
 * The body as UTF-8 text, at most `max` bytes and within `timeoutMs`. A declared length over the
 * limit is refused before reading anything; a body that grows past it, or keeps dribbling, stops
 * being read where it is.
 */
function readBounded(req: IncomingMessage, max: number, timeoutMs: number): Promise<Bounded> {
  if (Number(req.headers['content-length'] ?? 0) > max) {
    return Promise.resolve({ ok: false, why: 'too-large' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: Bounded): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (!result.ok) req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) finish({ ok: false, why: 'too-large' });
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish({ ok: true, text: Buffer.concat(chunks).toString('utf8') });
    const onError = (): void => finish({ ok: false, why: 'too-slow' });
    const timer = setTimeout(() => finish({ ok: false, why: 'too-slow' }), timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
