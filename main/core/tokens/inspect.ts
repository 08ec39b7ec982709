import type { JWTPayload, ProtectedHeaderParameters } from 'jose';
import { InputError, TokenRejectedError, shown } from '../errors.ts';
import { describeRelative, isShowableTime, isoFromSeconds, nowSeconds } from '../time.ts';
import { readHeader, verifySignature, type VerificationKey } from './verify.ts';

export const MAX_CLOCK_TOLERANCE_SECONDS = 60;

export interface InspectOptions {
  /** Keys to verify against; without them the result is labelled unverified. */
  keys?: readonly VerificationKey[];
  audience?: string;
  issuer?: string;
  clockToleranceSeconds?: number;
  now?: number;
}

export interface TimeClaim {
  unix: number;
  iso: string;
  relative: string;
}

export interface Inspection {
  /** Well-formed, within its times and expectations, and — when keys were given — verified. */
  valid: boolean;
  /** The signature was checked against a known key and matched. */
  verified: boolean;
  header: ProtectedHeaderParameters | null;
  claims: JWTPayload | null;
  errors: string[];
  reasons: string[];
  times: { iat?: TimeClaim; nbf?: TimeClaim; exp?: TimeClaim };
  clockToleranceSeconds: number;
}

/** Decodes, checks times and expectations, and verifies when keys are given. Never throws for a bad token. */
export async function inspectToken(
  token: string,
  options: InspectOptions = {},
): Promise<Inspection> {
  const tolerance = options.clockToleranceSeconds ?? MAX_CLOCK_TOLERANCE_SECONDS;
  if (tolerance < 0 || tolerance > MAX_CLOCK_TOLERANCE_SECONDS) {
    throw new InputError(
      `Clock tolerance must be between 0 and ${MAX_CLOCK_TOLERANCE_SECONDS} seconds.`,
    );
  }
  const result: Inspection = {
    valid: false,
    verified: false,
    header: null,
    claims: null,
    errors: [],
    reasons: [],
    times: {},
    clockToleranceSeconds: tolerance,
  };
  const reject = (error: unknown): void => {
    if (!(error instanceof TokenRejectedError)) throw error;
    result.errors.push(error.message);
    result.reasons.push(error.reason);
  };
  try {
    result.header = readHeader(token);
    result.claims = decodeClaims(token);
  } catch (error) {
    reject(error);
    return result;
  }
  if (options.keys) {
    try {
      await verifySignature(token, options.keys);
      result.verified = true;
    } catch (error) {
      reject(error);
    }
  }
  const now = options.now ?? nowSeconds();
  result.times = timesOf(result.claims, now);
  for (const error of claimProblems(result.claims, { ...options, now, tolerance })) reject(error);
  result.valid = result.errors.length === 0 && (options.keys ? result.verified : true);
  return result;
}

/** The claims of a token whose shape is checked but whose signature is not: label it unverified. */
export function decodeClaimsUnverified(token: string): JWTPayload {
  readHeader(token);
  return decodeClaims(token);
}

function decodeClaims(token: string): JWTPayload {
  const payload = token.split('.')[1] ?? '';
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof claims === 'object' && claims !== null && !Array.isArray(claims))
      return claims as JWTPayload;
  } catch {
    // reported below
  }
  throw new TokenRejectedError('format', "The token's payload is not a JSON object of claims.");
}

function timesOf(claims: JWTPayload, now: number): Inspection['times'] {
  const times: Inspection['times'] = {};
  for (const name of ['iat', 'nbf', 'exp'] as const) {
    const value = claims[name];
    if (typeof value === 'number' && isShowableTime(value)) {
      times[name] = {
        unix: value,
        iso: isoFromSeconds(value),
        relative: describeRelative(value, now),
      };
    }
  }
  return times;
}

function claimProblems(
  claims: JWTPayload,
  options: InspectOptions & { now: number; tolerance: number },
): TokenRejectedError[] {
  const problems: TokenRejectedError[] = [];
  const { now, tolerance } = options;
  const time = (name: 'iat' | 'nbf' | 'exp'): number | undefined => {
    const value = claims[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push(
        new TokenRejectedError('format', `The "${name}" claim is not a number of seconds.`),
      );
      return undefined;
    }
    if (!isShowableTime(value)) {
      problems.push(
        new TokenRejectedError(
          'format',
          `The "${name}" claim (${value}) is not a real time: it lies outside the years 0000 to 9999.`,
        ),
      );
      return undefined;
    }
    return value;
  };
  time('iat');
  const nbf = time('nbf');
  const exp = time('exp');
  if (exp !== undefined && now - tolerance >= exp) {
    problems.push(
      new TokenRejectedError(
        'expired',
        `The token expired ${describeRelative(exp, now)} (${isoFromSeconds(exp)}).`,
      ),
    );
  }
  if (nbf !== undefined && now + tolerance < nbf) {
    problems.push(
      new TokenRejectedError(
        'not-yet-valid',
        `The token is not valid yet: it starts ${describeRelative(nbf, now)} (${isoFromSeconds(nbf)}).`,
      ),
    );
  }
  if (options.audience !== undefined) {
    const audiences = Array.isArray(claims.aud)
      ? claims.aud
      : claims.aud === undefined
        ? []
        : [claims.aud];
    if (!audiences.includes(options.audience)) {
      problems.push(
        new TokenRejectedError(
          'wrong-audience',
          `The token is for audience ${audiences.length ? audiences.map((a) => `"${shown(a)}"`).join(', ') : '(none)'}, not "${options.audience}".`,
        ),
      );
    }
  }
  if (options.issuer !== undefined && claims.iss !== options.issuer) {
    problems.push(
      new TokenRejectedError(
        'wrong-issuer',
        `The token was issued by ${claims.iss === undefined ? '(nobody named)' : `"${claims.iss}"`}, not "${options.issuer}".`,
      ),
    );
  }
  return problems;
}
