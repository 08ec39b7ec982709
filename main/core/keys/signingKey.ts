import { webcrypto } from 'node:crypto';
import { familyOf, type Algorithm } from '../../../shared/algorithms.ts';
import type { CryptoKey } from './material.ts';
import { specOf } from './spec.ts';

/**
 * Turns stored key bytes (PKCS#8 DER, or raw HMAC bytes) into a non-extractable CryptoKey bound
 * to one algorithm. The caller's copy of the bytes is wiped afterwards.
 */
export async function importSigningKey(alg: Algorithm, secret: Uint8Array): Promise<CryptoKey> {
  const symmetric = familyOf(alg) === 'oct';
  try {
    return await webcrypto.subtle.importKey(
      symmetric ? 'raw' : 'pkcs8',
      secret,
      specOf(alg).webCrypto,
      false,
      symmetric ? ['sign', 'verify'] : ['sign'],
    );
  } finally {
    secret.fill(0);
  }
}
