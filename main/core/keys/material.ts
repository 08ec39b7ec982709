import type { webcrypto } from 'node:crypto';
import type { Algorithm } from '../../../shared/algorithms.ts';
import type { PublicJwk } from '../../../shared/keyRecord.ts';

/** WebCrypto's key type, as Node names it. */
export type CryptoKey = webcrypto.CryptoKey;

/** The public members of a JWK, before a kid is assigned. */
export type PublicJwkBody = Omit<PublicJwk, 'kid' | 'use' | 'alg'>;

/**
 * A key just generated or imported, before it is stored. `secret` is PKCS#8 DER for
 * asymmetric keys and the raw bytes for HMAC; it goes to the keychain and nowhere else.
 */
export interface KeyMaterial {
  alg: Algorithm;
  secret: Uint8Array;
  publicJwk: PublicJwkBody | null;
  /** A kid the imported JWK already carried, if any. */
  suggestedKid?: string;
  /** 'generated' by Keycast; absent for material a person brought (the activity log tells them apart). */
  origin?: 'generated';
}
