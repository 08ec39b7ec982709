/**
 * The signing algorithms Keycast supports (SECURITY.md §8). `none` is deliberately absent:
 * nothing typed as an `Algorithm` can ever name it.
 */
export const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'ES256',
  'ES384',
  'EdDSA',
  'HS256',
  'HS384',
  'HS512',
] as const;

export type Algorithm = (typeof ALGORITHMS)[number];

export type KeyFamily = 'RSA' | 'EC' | 'OKP' | 'oct';

export const RSA_SIZES = [2048, 3072, 4096] as const;
export type RsaSize = (typeof RSA_SIZES)[number];

export function isAlgorithm(value: string): value is Algorithm {
  return (ALGORITHMS as readonly string[]).includes(value);
}

export function familyOf(alg: Algorithm): KeyFamily {
  if (alg.startsWith('RS') || alg.startsWith('PS')) return 'RSA';
  if (alg.startsWith('ES')) return 'EC';
  if (alg === 'EdDSA') return 'OKP';
  return 'oct';
}

export function isSymmetric(alg: Algorithm): boolean {
  return familyOf(alg) === 'oct';
}
