import { createPrivateKey, createSecretKey } from 'node:crypto';
import { familyOf, type Algorithm } from '../../../shared/algorithms.ts';
import { registerSigningKey } from '../tokens/compactSign.ts';
import type { CryptoKey } from './material.ts';
import { specOf } from './spec.ts';

/**
 * Turns stored key bytes (PKCS#8 DER, or raw HMAC bytes) into a non-extractable CryptoKey bound
 * to one algorithm. The node:crypto KeyObject that actually signs (compactSign.ts) is made from
 * the same bytes and kept out of reach behind that CryptoKey; WebCrypto's import checks (key
 * type, curve) apply to it unchanged. The caller's copy of the bytes is wiped afterwards, and no
 * other copy is left behind: the DER is read through a view over the caller's buffer.
 */
export function importSigningKey(alg: Algorithm, secret: Uint8Array): Promise<CryptoKey> {
  // A key that does not fit the algorithm rejects, as WebCrypto's importKey did.
  return new Promise((resolve) => resolve(load(alg, secret)));
}

function load(alg: Algorithm, secret: Uint8Array): CryptoKey {
  const symmetric = familyOf(alg) === 'oct';
  try {
    const bytes = Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength);
    const key = symmetric
      ? createSecretKey(bytes)
      : createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' });
    const handle = key.toCryptoKey(
      specOf(alg).webCrypto,
      false,
      symmetric ? ['sign', 'verify'] : ['sign'],
    );
    registerSigningKey(handle, alg, key);
    return handle;
  } finally {
    secret.fill(0);
  }
}
