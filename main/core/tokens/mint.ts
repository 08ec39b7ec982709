import { randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { isAlgorithm, type Algorithm } from '../../../shared/algorithms.ts';
import type { CryptoKey } from '../keys/material.ts';
import { InputError } from '../errors.ts';
import { MAX_UNIX_SECONDS, isoFromSeconds, nowSeconds } from '../time.ts';
import { signCompact } from './compactSign.ts';

/** A loaded signing key (from `importSigningKey`, bound to `alg`): never leaves the main process. */
export interface Signer {
  alg: Algorithm;
  kid: string | undefined;
  key: CryptoKey;
}

export interface MintOptions {
  /** Extra claims; the registered time claims below take precedence over these. */
  claims?: Record<string, unknown>;
  /** Lifetime in seconds from now; ignored when `exp` is given. */
  ttlSeconds?: number;
  /** Absolute expiry, Unix seconds. */
  exp?: number;
  nbf?: number;
  iss?: string;
  sub?: string;
  aud?: string | string[];
  /** Adds a random `jti` (122 random bits, UUID v4). Default true. */
  jti?: boolean;
  /** Adds `iat` (now). Default true; off only where a provider's documented claim set has none. */
  iat?: boolean;
  /** Put `kid` in the header. Default true. */
  includeKid?: boolean;
  now?: number;
}

export interface MintedToken {
  token: string;
  header: { alg: Algorithm; typ: 'JWT'; kid?: string };
  claims: JWTPayload;
  expiresAt: string;
}

export const DEFAULT_TTL_SECONDS = 15 * 60;

/**
 * Signs a JWT. The protected header is exactly `{alg, typ, kid}` (SECURITY.md §11); `iat` is
 * now and `exp` always set; `alg` must be one Keycast allows, so `none` can never come out.
 */
export async function mintToken(signer: Signer, options: MintOptions = {}): Promise<MintedToken> {
  if (!isAlgorithm(signer.alg))
    throw new InputError(`The algorithm "${String(signer.alg)}" is not allowed.`);
  const iat = options.now ?? nowSeconds();
  const claims: JWTPayload = { ...(options.claims ?? {}) };
  delete claims.iat;
  if (options.iat ?? true) claims.iat = iat;
  claims.exp =
    options.exp ??
    (options.ttlSeconds !== undefined ? iat + options.ttlSeconds : undefined) ??
    numeric(claims.exp, 'exp') ??
    iat + DEFAULT_TTL_SECONDS;
  if (options.nbf !== undefined) claims.nbf = options.nbf;
  if (options.iss !== undefined) claims.iss = options.iss;
  if (options.sub !== undefined) claims.sub = options.sub;
  if (options.aud !== undefined) claims.aud = options.aud;
  if (options.jti ?? true) claims.jti = randomUUID();
  else delete claims.jti;
  checkTimes(claims, iat);

  const header: MintedToken['header'] = { alg: signer.alg, typ: 'JWT' };
  if ((options.includeKid ?? true) && signer.kid) header.kid = signer.kid;
  const token = await signCompact(signer.key, header.alg, header.kid, claims);
  return { token, header, claims, expiresAt: expiresAtOf(claims.exp) };
}

/** Tokens minted in the same second share an expiry: its ISO text is made once, not per token. */
let lastExp = Number.NaN;
let lastExpiresAt = '';

function expiresAtOf(exp: number): string {
  if (exp !== lastExp) {
    lastExpiresAt = isoFromSeconds(exp);
    lastExp = exp;
  }
  return lastExpiresAt;
}

function numeric(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InputError(`The claim "${name}" must be a whole number of Unix seconds.`);
  }
  return value;
}

function checkTimes(claims: JWTPayload, now: number): void {
  const exp = numeric(claims.exp, 'exp') ?? 0;
  const iat = now;
  const nbf = numeric(claims.nbf, 'nbf');
  // A lifetime like --ttl 999999999d lands past what a date can hold; refuse it before signing.
  if (exp > MAX_UNIX_SECONDS) {
    throw new InputError(
      `The token would expire after the year 9999 (exp ${exp}): give a shorter --ttl or an --exp up to ${MAX_UNIX_SECONDS}.`,
    );
  }
  if (nbf !== undefined && nbf > MAX_UNIX_SECONDS) {
    throw new InputError(
      `The token would start after the year 9999 (nbf ${nbf}): give an --nbf up to ${MAX_UNIX_SECONDS}.`,
    );
  }
  if (exp <= iat) {
    throw new InputError(
      `The token would already be expired (exp ${isoFromSeconds(exp)} is not after now): give a later --exp or a --ttl.`,
    );
  }
  if (nbf !== undefined && nbf >= exp) {
    throw new InputError('The token would never be valid: --nbf must be before its expiry.');
  }
}
