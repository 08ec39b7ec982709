import type { KeyRecord } from '../../../shared/keyRecord.ts';
import { KeychainMismatchError } from '../errors.ts';
import { privateMatchesPublic } from '../keys/consistency.ts';
import { specOf } from '../keys/spec.ts';

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
      throw mismatch(`a ${secret.length}-byte secret, where ${record.alg} needs ${minimum}`);
    return;
  }
  if (!privateMatchesPublic(record.alg, secret, record.publicJwk)) {
    throw mismatch("it is not the private half of this key's public key");
  }
}
