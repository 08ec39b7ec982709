import type { webcrypto } from 'node:crypto';
import { familyOf, type Algorithm, type KeyFamily } from '../../../shared/algorithms.ts';

/** Everything Keycast needs to know about one algorithm, in one place. */
export interface AlgorithmSpec {
  alg: Algorithm;
  family: KeyFamily;
  /** EC and OKP curve, as JWK spells it. */
  curve?: 'P-256' | 'P-384' | 'Ed25519';
  /** HMAC: the minimum (and generated) secret length, equal to the hash output (RFC 7518 §3.2). */
  hmacBytes?: 32 | 48 | 64;
  /** WebCrypto import parameters for the signing key. */
  webCrypto:
    | webcrypto.RsaHashedImportParams
    | webcrypto.EcKeyImportParams
    | webcrypto.HmacImportParams
    | webcrypto.Algorithm;
}

const SPECS: Record<Algorithm, AlgorithmSpec> = {
  RS256: rsa('RS256', 'RSASSA-PKCS1-v1_5', 'SHA-256'),
  RS384: rsa('RS384', 'RSASSA-PKCS1-v1_5', 'SHA-384'),
  RS512: rsa('RS512', 'RSASSA-PKCS1-v1_5', 'SHA-512'),
  PS256: rsa('PS256', 'RSA-PSS', 'SHA-256'),
  ES256: {
    alg: 'ES256',
    family: 'EC',
    curve: 'P-256',
    webCrypto: { name: 'ECDSA', namedCurve: 'P-256' },
  },
  ES384: {
    alg: 'ES384',
    family: 'EC',
    curve: 'P-384',
    webCrypto: { name: 'ECDSA', namedCurve: 'P-384' },
  },
  EdDSA: { alg: 'EdDSA', family: 'OKP', curve: 'Ed25519', webCrypto: { name: 'Ed25519' } },
  HS256: hmac('HS256', 32, 'SHA-256'),
  HS384: hmac('HS384', 48, 'SHA-384'),
  HS512: hmac('HS512', 64, 'SHA-512'),
};

function rsa(alg: Algorithm, name: string, hash: string): AlgorithmSpec {
  return { alg, family: familyOf(alg), webCrypto: { name, hash } };
}

function hmac(alg: Algorithm, bytes: 32 | 48 | 64, hash: string): AlgorithmSpec {
  return { alg, family: 'oct', hmacBytes: bytes, webCrypto: { name: 'HMAC', hash } };
}

export function specOf(alg: Algorithm): AlgorithmSpec {
  return SPECS[alg];
}

/** The Windows Credential Manager's limit for one item; every key Keycast stores fits under it. */
export const KEYCHAIN_ITEM_BYTES = 2560;

export const RSA_MIN_BITS = 2048;
/** Larger keys would not fit the 2,560-byte Windows Credential Manager limit as PKCS#8 DER. */
export const RSA_MAX_BITS = 4096;
export const RSA_EXPONENT = 65537n;

/** Node's names for the curves Keycast supports, mapped to the algorithm they sign with. */
export const NODE_CURVE_ALGS: Record<string, Algorithm> = {
  prime256v1: 'ES256',
  'P-256': 'ES256',
  secp384r1: 'ES384',
  'P-384': 'ES384',
};
