import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { Algorithm } from '../../../shared/algorithms.ts';
import { PublicJwkSchema, type PublicJwk } from '../../../shared/keyRecord.ts';
import type { PublicJwkBody } from './material.ts';

/** Public members per key type (RFC 7518 §6). Anything else is dropped, private members above all. */
const PUBLIC_MEMBERS = {
  RSA: ['n', 'e'],
  EC: ['crv', 'x', 'y'],
  OKP: ['crv', 'x'],
} as const;

/** The public half of a key as a JWK body, built member by member from an allow-list. */
export function publicBodyOf(key: KeyObject): PublicJwkBody {
  const source = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  const kty = source.kty as PublicJwkBody['kty'];
  const members = PUBLIC_MEMBERS[kty];
  if (!members) throw new Error(`Unsupported key type ${String(source.kty)}`);
  const body: Record<string, unknown> = { kty };
  for (const member of members) body[member] = source[member];
  return body as PublicJwkBody;
}

/**
 * RFC 7638 SHA-256 thumbprint: the default kid and the fingerprint the app lists. The required
 * members are exactly the public ones above plus kty, in lexicographic order, no whitespace.
 * Synchronous: the key list computes one per key, and WebCrypto's async digest costs more than
 * the hash itself.
 */
export function thumbprintOf(body: PublicJwkBody): string {
  const fields = body as unknown as Record<string, unknown>;
  const members = [...PUBLIC_MEMBERS[body.kty], 'kty'].sort();
  const canonical = `{${members.map((m) => `${JSON.stringify(m)}:${JSON.stringify(fields[m])}`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

/** The exported JWK: public members plus kid, `use: "sig"` and the key's one algorithm. */
export function toPublicJwk(body: PublicJwkBody, kid: string, alg: Algorithm): PublicJwk {
  return PublicJwkSchema.parse({ ...body, kid, use: 'sig', alg });
}
