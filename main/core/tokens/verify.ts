import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import {
  compactVerify,
  decodeProtectedHeader,
  errors as joseErrors,
  type ProtectedHeaderParameters,
} from 'jose';
import { ALGORITHMS, familyOf, isAlgorithm, type Algorithm } from '../../../shared/algorithms.ts';
import { InputError, TokenFormatError, TokenRejectedError, shown } from '../errors.ts';
import type { CryptoKey } from '../keys/material.ts';
import { ROCA_MESSAGE, hasRocaFingerprint } from '../keys/roca.ts';
import { NODE_CURVE_ALGS, RSA_EXPONENT, RSA_MIN_BITS, specOf } from '../keys/spec.ts';
import { checkTokenFormat } from './format.ts';

/** A key that may verify tokens, bound to exactly one algorithm (SECURITY.md §3, §14). */
export interface VerificationKey {
  kid: string | undefined;
  alg: Algorithm;
  key: CryptoKey | KeyObject;
}

export interface VerifiedSignature {
  header: ProtectedHeaderParameters;
  payload: Uint8Array;
  key: VerificationKey;
}

/** Decodes the protected header after the strict format check. */
export function readHeader(token: string): ProtectedHeaderParameters {
  checkTokenFormat(token);
  try {
    return decodeProtectedHeader(token);
  } catch {
    throw new TokenFormatError("The token's header is not a JSON object.");
  }
}

/**
 * Checks a compact JWS against known keys. The key is chosen by exact `kid` match only
 * (`jku`, `x5u`, `x5c` and `jwk` headers are never followed), and the only algorithm
 * allowed is the chosen key's own.
 */
export async function verifySignature(
  token: string,
  keys: readonly VerificationKey[],
): Promise<VerifiedSignature> {
  const header = readHeader(token);
  const alg = header.alg;
  if (typeof alg !== 'string' || alg.toLowerCase() === 'none') {
    throw new TokenRejectedError(
      'unsigned',
      'The token is unsigned (alg "none"): Keycast never accepts it.',
    );
  }
  const key = selectKey(header, keys);
  if (alg !== key.alg) {
    throw new TokenRejectedError(
      'wrong-algorithm',
      `The token is signed with ${alg}, but its key only allows ${key.alg}: a token that names another algorithm is refused.`,
    );
  }
  try {
    const { payload } = await compactVerify(token, key.key, { algorithms: [key.alg] });
    return { header, payload, key };
  } catch (cause) {
    if (cause instanceof joseErrors.JWSSignatureVerificationFailed) {
      throw new TokenRejectedError(
        'bad-signature',
        'The signature does not match the key: the token was altered or signed with another key.',
        { cause },
      );
    }
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new TokenRejectedError('format', `The token could not be verified: ${detail}.`, {
      cause,
    });
  }
}

function selectKey(
  header: ProtectedHeaderParameters,
  keys: readonly VerificationKey[],
): VerificationKey {
  if (keys.length === 0) throw new InputError('There is no key to verify with.');
  if (typeof header.kid === 'string') {
    const match = keys.find((k) => k.kid === header.kid);
    if (match) return match;
    const [only] = keys;
    if (keys.length === 1 && only && only.kid === undefined) return only;
    throw new TokenRejectedError(
      'unknown-kid',
      `No known key has the kid "${header.kid}" named in the token.`,
    );
  }
  const [only] = keys;
  if (keys.length === 1 && only) return only;
  throw new TokenRejectedError(
    'unknown-kid',
    `The token names no kid and there are ${keys.length} keys to choose from: Keycast does not guess.`,
  );
}

type Jwk = Record<string, unknown>;

/**
 * Reads a JWK or JWKS a person gave to verify with, as strictly as Keycast's own keys:
 * signing keys only, one algorithm each, unique kids, no private keys, RSA ≥ 2048 with e = 65537,
 * HMAC secrets at least as long as the hash.
 */
export function keysFromJwks(input: unknown): VerificationKey[] {
  if (typeof input !== 'object' || input === null)
    throw new InputError('The JWKS is not a JSON object.');
  const list = Array.isArray((input as Jwk).keys) ? ((input as Jwk).keys as unknown[]) : [input];
  if (list.length === 0) throw new InputError('The JWKS holds no keys.');
  const jwks = list.map((entry, index) => {
    if (typeof entry !== 'object' || entry === null)
      throw new InputError(`Key ${index + 1} of the JWKS is not an object.`);
    return entry as Jwk;
  });
  const secretCount = jwks.filter((jwk) => jwk.kty === 'oct').length;
  if (secretCount > 0 && secretCount < jwks.length) {
    throw new InputError(
      'The JWKS mixes shared secrets with public keys: keep them in separate files.',
    );
  }
  const kids = new Set<string>();
  return jwks.map((jwk, index) => {
    const where = typeof jwk.kid === 'string' ? `key "${jwk.kid}"` : `key ${index + 1}`;
    if (typeof jwk.kid === 'string') {
      if (kids.has(jwk.kid))
        throw new InputError(
          `The JWKS has two keys with the kid "${jwk.kid}": kids must be unique.`,
        );
      kids.add(jwk.kid);
    }
    return keyFromJwk(jwk, where);
  });
}

function keyFromJwk(jwk: Jwk, where: string): VerificationKey {
  if (jwk.use !== undefined && jwk.use !== 'sig') {
    throw new InputError(`The JWKS ${where} is for "${shown(jwk.use)}", not for signatures.`);
  }
  if (
    jwk.key_ops !== undefined &&
    !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))
  ) {
    throw new InputError(`The JWKS ${where} does not allow "verify" in key_ops.`);
  }
  if (jwk.kty !== 'oct' && jwk.d !== undefined) {
    throw new InputError(`The JWKS ${where} is a private key: verify with its public part only.`);
  }
  const alg = algOfJwk(jwk, where);
  const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
  if (jwk.kty === 'oct') {
    const secret = typeof jwk.k === 'string' ? Buffer.from(jwk.k, 'base64url') : Buffer.alloc(0);
    const minimum = specOf(alg).hmacBytes ?? 32;
    if (secret.length < minimum) {
      throw new InputError(
        `The JWKS ${where} is a ${secret.length}-byte secret; ${alg} needs at least ${minimum} bytes.`,
      );
    }
    return { kid, alg, key: createSecretKey(secret) };
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } catch (cause) {
    throw new InputError(`The JWKS ${where} is not a valid public key.`, { cause });
  }
  checkPublicKey(key, alg, where);
  return { kid, alg, key };
}

function algOfJwk(jwk: Jwk, where: string): Algorithm {
  if (jwk.alg !== undefined) {
    if (typeof jwk.alg !== 'string' || !isAlgorithm(jwk.alg)) {
      throw new InputError(
        `The JWKS ${where} uses ${shown(jwk.alg)}, which Keycast does not verify (allowed: ${ALGORITHMS.join(', ')}).`,
      );
    }
    const expected = { RSA: 'RSA', EC: 'EC', OKP: 'OKP', oct: 'oct' }[familyOf(jwk.alg)];
    if (jwk.kty !== expected)
      throw new InputError(`The JWKS ${where} is a ${shown(jwk.kty)} key but says ${jwk.alg}.`);
    return jwk.alg;
  }
  // Without `alg`, only the one algorithm a key type unambiguously implies is allowed.
  if (jwk.kty === 'EC' && typeof jwk.crv === 'string' && NODE_CURVE_ALGS[jwk.crv])
    return NODE_CURVE_ALGS[jwk.crv]!;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'RSA') return 'RS256';
  throw new InputError(
    `The JWKS ${where} has no "alg" member and its type does not imply one: add "alg".`,
  );
}

function checkPublicKey(key: KeyObject, alg: Algorithm, where: string): void {
  const details = key.asymmetricKeyDetails ?? {};
  if (familyOf(alg) === 'RSA') {
    if ((details.modulusLength ?? 0) < RSA_MIN_BITS) {
      throw new InputError(
        `The JWKS ${where} is a ${details.modulusLength}-bit RSA key; at least ${RSA_MIN_BITS} bits are required.`,
      );
    }
    if (details.publicExponent !== RSA_EXPONENT) {
      throw new InputError(
        `The JWKS ${where} has RSA exponent ${String(details.publicExponent)}; only 65537 is accepted.`,
      );
    }
    if (hasRocaFingerprint(key)) {
      throw new InputError(`The JWKS ${where} cannot be trusted. ${ROCA_MESSAGE}`);
    }
  }
  if (familyOf(alg) === 'EC' && NODE_CURVE_ALGS[details.namedCurve ?? ''] !== alg) {
    throw new InputError(
      `The JWKS ${where} is on curve ${details.namedCurve}, which does not match ${alg}.`,
    );
  }
}
