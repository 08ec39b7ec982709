import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { familyOf, type Algorithm } from '../../../shared/algorithms.ts';
import type { PublicJwkBody } from './material.ts';
import { publicBodyOf } from './publicJwk.ts';

const PROBE = Buffer.from('keycast: do the private and public parts belong to one key?');

/**
 * True when a private key and a public JWK are one key pair. A JWK whose d/p/q (or EC/Ed25519 d)
 * come from another key still loads, and signs tokens its public key never verifies; so this
 * signs a fixed message with the private key, verifies it with the public members given, and
 * compares the public key derived from the private one.
 */
export function keyPairMatches(privateKey: KeyObject, publicJwk: PublicJwkBody): boolean {
  try {
    const publicKey = createPublicKey({ key: { ...publicJwk }, format: 'jwk' });
    // Ed25519 signs the message itself; RSA and ECDSA sign a digest of it.
    const digest = privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    if (!verify(digest, PROBE, publicKey, sign(digest, PROBE, privateKey))) return false;
    const derived = publicBodyOf(privateKey) as unknown as Record<string, unknown>;
    const given = publicJwk as unknown as Record<string, unknown>;
    return Object.keys(derived).every((member) => derived[member] === given[member]);
  } catch {
    return false;
  }
}

/**
 * The same check for stored material (PKCS#8 DER, or raw HMAC bytes) against a record's public
 * JWK: false when a keychain item was swapped or damaged behind Keycast's back. HMAC secrets have
 * no public part, so they match only a record without one. The caller keeps (and wipes) `secret`.
 */
export function privateMatchesPublic(
  alg: Algorithm,
  secret: Uint8Array,
  publicJwk: PublicJwkBody | null,
): boolean {
  if (familyOf(alg) === 'oct') return publicJwk === null;
  if (publicJwk === null) return false;
  let privateKey: KeyObject;
  try {
    // A view over the caller's bytes, not a copy that nobody would wipe.
    const der = Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength);
    privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch {
    return false;
  }
  return keyPairMatches(privateKey, publicJwk);
}
