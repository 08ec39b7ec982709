import { createPrivateKey } from 'node:crypto';
import type { KeyRecord } from '../../../shared/keyRecord.ts';
import { KeychainMismatchError } from '../errors.ts';
import { publicBodyOf } from '../keys/publicJwk.ts';
import { specOf } from '../keys/spec.ts';

const PUBLIC_MEMBERS = ['kty', 'n', 'e', 'crv', 'x', 'y'] as const;

/**
 * Checks that the bytes the keychain returned are the private half of the record's public key (or,
 * for HMAC, a secret of a usable length). An item replaced behind Keycast's back would otherwise sign
 * tokens that never verify.
 */
export function checkKeychainItem(record: KeyRecord, secret: Uint8Array): void {
  const mismatch = (why: string): KeychainMismatchError =>
    new KeychainMismatchError(
      `The keychain item for "${record.name}" does not match its record (${why}): restore the key from a backup, or import it again and delete "${record.name}".`,
    );
  if (!record.publicJwk) {
    const minimum = specOf(record.alg).hmacBytes ?? 32;
    if (secret.length < minimum)
      throw mismatch(`a ${secret.length}-byte secret, ${record.alg} needs ${minimum}`);
    return;
  }
  let derived: Record<string, unknown>;
  try {
    const view = Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength);
    derived = publicBodyOf(createPrivateKey({ key: view, format: 'der', type: 'pkcs8' }));
  } catch {
    throw mismatch('it is not a private key');
  }
  const expected = record.publicJwk as Record<string, unknown>;
  if (PUBLIC_MEMBERS.some((member) => derived[member] !== expected[member])) {
    throw mismatch('it is the private half of another key');
  }
}
