import { generateKeyPairSync, type KeyObject } from 'node:crypto';

/** Private-key JWK members that must never appear in anything Keycast exports (SECURITY.md §5). */
export const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** Every member name anywhere inside a JSON value, at any depth. */
export function memberNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(memberNames);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, inner]) => [key, ...memberNames(inner)]);
  }
  return [];
}

export function rsaKey(bits = 2048, publicExponent = 0x10001): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: bits, publicExponent }).privateKey;
}

export function pem(key: KeyObject, type: 'pkcs8' | 'pkcs1' | 'sec1'): string {
  return key.export({ type, format: 'pem' }).toString();
}
