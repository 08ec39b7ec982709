import type { KeyRecord } from '../../../../shared/keyRecord.ts';
import { InputError, TokenRejectedError } from '../../errors.ts';
import { readHeader, verifySignature, type VerificationKey } from '../../tokens/verify.ts';
import type { Vault } from '../../vault/vault.ts';
import type { HookReason } from '../types.ts';

/** What a media server asks: may this token publish or play this stream? */
export interface StreamAsk {
  /**
   * publish or play (nginx-rtmp, SRS, MediaMTX's read), or MediaMTX's playback (recordings). Other
   * MediaMTX actions (api, metrics, pprof) are never granted by a stream token.
   */
  action: 'publish' | 'play' | 'playback';
  /** An Ant Media stream token's `streamId` must equal this (the stream name). */
  stream: string;
  /** A MediaMTX permission's `path` must equal this (MediaMTX's path; app/stream for RTMP). */
  path: string;
}

export interface TokenVerdict {
  reason: HookReason;
  /** The token's `kid` when it named one of the vault's keys, and its `jti`, for the record. */
  kid: string | null;
  jti: string | null;
}

/** How long the keys read from the vault are reused before the vault is read again. */
const KEY_CACHE_MS = 5_000;

/** MediaMTX's permission actions for what a hook asks (docs: publish, read, playback, api, …). */
const MEDIAMTX_ACTION = { publish: 'publish', play: 'read', playback: 'playback' } as const;

/**
 * Checks stream tokens for the verify hooks: the key chosen by the exact `kid` of the token's
 * header among the vault's keys (never a `jku`, `jwk` or `x5u`; a token without a kid is refused),
 * the key's own algorithm only (alg "none" and any other algorithm refused), `exp` required and
 * not passed, `nbf` honoured, and the claims matched against what the media server asks: the Ant
 * Media stream format `{streamId, type, exp}`, or MediaMTX's `mediamtx_permissions` claim.
 *
 * Keys are read from the vault once and reused for a few seconds (a media server asks once per
 * publisher and viewer), HMAC secrets read from the keychain once. Retired keys verify nothing.
 */
export class StreamTokenVerifier {
  private readonly vault: Vault;
  private keys = new Map<string, VerificationKey>();
  private loadedIds = new Map<string, string>();
  private until = 0;
  private loading: Promise<string[]> | null = null;

  constructor(vault: Vault) {
    this.vault = vault;
  }

  /**
   * Reads the vault's keys (and the HMAC secrets from the keychain). A key whose secret is missing
   * verifies nothing; its sentence comes back as a warning.
   */
  load(nowMs = Date.now()): Promise<string[]> {
    this.loading ??= this.read(nowMs).finally(() => (this.loading = null));
    return this.loading;
  }

  private async read(nowMs: number): Promise<string[]> {
    const records = this.vault.list().filter((r) => r.status !== 'retired');
    const warnings: string[] = [];
    const keys = new Map<string, VerificationKey>();
    const ids = new Map<string, string>();
    for (const record of records) {
      const known = this.keys.get(record.kid);
      // The same record (id and algorithm) as before: its key is already loaded.
      if (known && this.loadedIds.get(record.kid) === signature(record)) {
        keys.set(record.kid, known);
        ids.set(record.kid, signature(record));
        continue;
      }
      try {
        keys.set(record.kid, await this.vault.verifier(record));
        ids.set(record.kid, signature(record));
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        warnings.push(
          `${error.message.replace(/\.$/, '')}; verify hooks refuse tokens signed with it until then.`,
        );
      }
    }
    this.keys = keys;
    this.loadedIds = ids;
    this.until = nowMs + KEY_CACHE_MS;
    return warnings;
  }

  /** The verdict on a token for what the media server asks; never throws for a bad token. */
  async check(token: string | null, ask: StreamAsk, nowMs = Date.now()): Promise<TokenVerdict> {
    const verdict = (reason: HookReason, kid: string | null = null, jti: string | null = null) => ({
      reason,
      kid,
      jti,
    });
    if (!token) return verdict('no-token');
    let header: Record<string, unknown>;
    try {
      header = readHeader(token);
    } catch {
      return verdict(namesAlgNone(token) ? 'unsigned' : 'malformed');
    }
    if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') {
      return verdict('unsigned');
    }
    const kidNamed = typeof header.kid === 'string' ? header.kid : null;
    if (nowMs >= this.until) await this.load(nowMs);
    const key = kidNamed === null ? undefined : this.keys.get(kidNamed);
    if (!key) return verdict('unknown-kid');
    const kid = kidNamed;
    // The key's own algorithm only: a token naming another one is refused before any check.
    if (header.alg !== key.alg) return verdict('wrong-algorithm', kid);
    let payload: Uint8Array;
    try {
      payload = (await verifySignature(token, [key])).payload;
    } catch (error) {
      const reason = error instanceof TokenRejectedError ? error.reason : 'format';
      if (reason === 'bad-signature') return verdict('bad-signature', kid);
      if (reason === 'wrong-algorithm') return verdict('wrong-algorithm', kid);
      return verdict('malformed', kid);
    }
    let claims: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return verdict('malformed', kid);
      }
      claims = parsed as Record<string, unknown>;
    } catch {
      return verdict('malformed', kid);
    }
    const jti = typeof claims.jti === 'string' ? claims.jti.slice(0, 200) : null;
    const now = nowMs / 1000;
    // Every stream token has an expiry (SECURITY.md §9); one without is not a Keycast token.
    if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
      return verdict('malformed', kid, jti);
    }
    if (claims.exp <= now) return verdict('expired', kid, jti);
    if (claims.nbf !== undefined) {
      if (typeof claims.nbf !== 'number') return verdict('malformed', kid, jti);
      if (claims.nbf > now) return verdict('not-yet-valid', kid, jti);
    }
    return verdict(matchClaims(claims, ask), kid, jti);
  }
}

function signature(record: KeyRecord): string {
  return `${record.id}\u0000${record.alg}`;
}

/** Whether the claims grant what is asked: allowed, wrong-type or wrong-stream. */
function matchClaims(claims: Record<string, unknown>, ask: StreamAsk): HookReason {
  // Ant Media's stream token: {streamId, type: "publish" | "play", exp}.
  if (typeof claims.type === 'string' && typeof claims.streamId === 'string') {
    if (claims.type !== ask.action) return 'wrong-type';
    return claims.streamId === ask.stream ? 'allowed' : 'wrong-stream';
  }
  // MediaMTX's JWT authentication: "mediamtx_permissions": [{"action": "publish", "path": ""}]
  // (docs/2-features/06-authentication.md, "External JWT provider"). An empty path means any path
  // there; Keycast grants it too. A "~regex" path is MediaMTX's own (Go RE2) and matches nothing
  // here: Keycast never mints one.
  const permissions = claims.mediamtx_permissions;
  if (Array.isArray(permissions)) {
    const wanted = MEDIAMTX_ACTION[ask.action];
    const granting = permissions.filter(
      (p): p is { action: string; path?: unknown } =>
        typeof p === 'object' && p !== null && (p as { action?: unknown }).action === wanted,
    );
    if (granting.length === 0) return 'wrong-type';
    const paths = granting.map((p) => (typeof p.path === 'string' ? p.path : ''));
    return paths.some((path) => path === '' || path === ask.path) ? 'allowed' : 'wrong-stream';
  }
  return 'wrong-type';
}

/** A token whose header says alg "none" (it may fail the shape check: an empty signature). */
function namesAlgNone(token: string): boolean {
  const [first = ''] = token.split('.', 1);
  if (first.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(first)) return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(first, 'base64url').toString('utf8'));
    const alg = (header as { alg?: unknown } | null)?.alg;
    return typeof alg === 'string' && alg.toLowerCase() === 'none';
  } catch {
    return false;
  }
}
