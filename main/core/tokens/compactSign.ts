import { constants, createHmac, sign, type KeyObject } from 'node:crypto';
import { isAlgorithm, type Algorithm } from '../../../shared/algorithms.ts';
import { InputError } from '../errors.ts';
import type { CryptoKey } from '../keys/material.ts';

/**
 * Compact JWS signing (RFC 7515 §7.1) with node:crypto directly, for the algorithms of RFC 7518 §3
 * that Keycast allows. jose's SignJWT cost a fixed ~0.2 ms per token (its WebCrypto round trip);
 * here HMAC is computed inline and RSA, ECDSA and Ed25519 go through the asynchronous
 * `crypto.sign(…, callback)`, which runs on libuv's thread pool, so RSA never blocks the event
 * loop. jose stays in charge of verification and JWKs.
 *
 * Callers keep holding the non-extractable WebCrypto key `importSigningKey` returns. The node:crypto
 * KeyObject that signs is kept here, in a WeakMap keyed by that CryptoKey: it is never handed out,
 * exported or serialised, and it goes when the CryptoKey does.
 */

type Digest = 'sha256' | 'sha384' | 'sha512';

interface Method {
  /** HMAC: computed inline with createHmac. */
  hmac?: Digest;
  /** crypto.sign's digest; null for Ed25519, which signs the message itself (RFC 8037 §3.1). */
  digest?: Digest | null;
  /** RSASSA-PSS with MGF1 and a salt as long as the hash (RFC 7518 §3.5). */
  pssSalt?: number;
  /** ECDSA: r ‖ s, each as long as the curve's order, not DER (RFC 7518 §3.4). */
  p1363?: true;
}

const METHODS: Record<Algorithm, Method> = {
  RS256: { digest: 'sha256' },
  RS384: { digest: 'sha384' },
  RS512: { digest: 'sha512' },
  PS256: { digest: 'sha256', pssSalt: 32 },
  ES256: { digest: 'sha256', p1363: true },
  ES384: { digest: 'sha384', p1363: true },
  EdDSA: { digest: null },
  HS256: { hmac: 'sha256' },
  HS384: { hmac: 'sha384' },
  HS512: { hmac: 'sha512' },
};

interface Loaded {
  /** The one algorithm this key signs (SECURITY.md §3), as WebCrypto's key is bound to one. */
  alg: Algorithm;
  key: KeyObject;
}

const loaded = new WeakMap<CryptoKey, Loaded>();

/** Records the KeyObject that signs for `handle`; only `importSigningKey` calls this. */
export function registerSigningKey(handle: CryptoKey, alg: Algorithm, key: KeyObject): void {
  loaded.set(handle, { alg, key });
}

/**
 * Signs `payload` as a compact JWS, `header.payload.signature`, each part base64url without
 * padding. The protected header is built here and only here: exactly `{"alg","typ":"JWT","kid"}`
 * in that order, `kid` left out when undefined (SECURITY.md §11). `alg` must be an algorithm
 * Keycast allows (so `none` never comes out) and the one `handle` was loaded for.
 */
export function signCompact(
  handle: CryptoKey,
  alg: Algorithm,
  kid: string | undefined,
  payload: object,
): Promise<string> {
  // Whatever is thrown in here (a refusal, claims JSON cannot hold) rejects the promise.
  return new Promise((resolve, reject) => {
    if (!isAlgorithm(alg)) throw new InputError(`The algorithm "${String(alg)}" is not allowed.`);
    const entry = loaded.get(handle);
    if (entry === undefined) {
      throw new InputError(
        `This key was not loaded by importSigningKey, so it cannot sign ${alg}.`,
      );
    }
    if (entry.alg !== alg) {
      throw new InputError(`This key signs ${entry.alg} only, not ${alg} (SECURITY.md §3).`);
    }
    const input = `${encodedHeader(alg, kid)}.${encode(payload)}`;
    const method = METHODS[alg];
    const { key } = entry;
    if (method.hmac !== undefined) {
      // Microseconds of work: inline, no thread-pool round trip.
      resolve(`${input}.${createHmac(method.hmac, key).update(input).digest('base64url')}`);
      return;
    }
    const options =
      method.pssSalt !== undefined
        ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: method.pssSalt }
        : method.p1363
          ? { key, dsaEncoding: 'ieee-p1363' as const }
          : key;
    // With a callback, node:crypto signs on the thread pool: the event loop keeps running.
    sign(method.digest ?? null, Buffer.from(input), options, (error, signature) => {
      if (error) reject(error);
      else resolve(`${input}.${signature.toString('base64url')}`);
    });
  });
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A signer writes the same few headers over and over: each is encoded once (bounded cache). */
const encodedHeaders = new Map<string, string>();

function encodedHeader(alg: Algorithm, kid: string | undefined): string {
  // `alg` never contains a dot, so these keys cannot collide.
  const cacheKey = kid === undefined ? alg : `${alg}.${kid}`;
  let encoded = encodedHeaders.get(cacheKey);
  if (encoded === undefined) {
    const header: { alg: Algorithm; typ: 'JWT'; kid?: string } = { alg, typ: 'JWT' };
    if (kid !== undefined) header.kid = kid;
    encoded = encode(header);
    if (encodedHeaders.size >= 1024) encodedHeaders.clear();
    encodedHeaders.set(cacheKey, encoded);
  }
  return encoded;
}
