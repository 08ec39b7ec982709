import { createHmac } from 'node:crypto';
import { HASHED_SUBJECT_PREFIX } from '../../../shared/activity.ts';

/**
 * The claims that name the person (or account) a token is for, by provider: the one place that
 * picks them. A dotted name reads a nested claim. Claims that never name anyone are left out:
 * Vonage's `sub` is always "video", Ant Media's and MediaMTX's tokens name streams, not people.
 */
const SUBJECT_CLAIMS: Record<string, readonly string[]> = {
  kinescope: ['user_id', 'username'],
  frameable: ['email', 'displayName'],
  nativeframe: ['sub', 'userId', 'data.displayName'],
  vonage: [],
  antmedia: [],
  mediamtx: ['user'],
};

/** Any other provider (custom templates) and generic tokens. */
const USUAL_SUBJECT_CLAIMS = ['sub', 'user_id', 'userId', 'email', 'username', 'name'];

/** A subject is an identifier, not a document: longer values are cut. */
const MAX_SUBJECT_LENGTH = 200;

/** The subject identifiers among a token's claims, or null when it names nobody. */
export function subjectsOf(
  provider: string | null,
  claims: Record<string, unknown>,
): Record<string, string> | null {
  const names = (provider && SUBJECT_CLAIMS[provider]) || USUAL_SUBJECT_CLAIMS;
  const subjects: Record<string, string> = {};
  for (const name of names) {
    const value = claimAt(claims, name);
    if (typeof value === 'string' && value.trim() !== '') {
      subjects[name] = value.trim().slice(0, MAX_SUBJECT_LENGTH);
    } else if (typeof value === 'number' && Number.isFinite(value)) {
      subjects[name] = String(value);
    }
  }
  return Object.keys(subjects).length > 0 ? subjects : null;
}

function claimAt(claims: Record<string, unknown>, path: string): unknown {
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part))
      return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * A subject as a keyed hash (HMAC-SHA-256 under the vault's activity key, 128 bits shown). The
 * claim name is not mixed in, so one person has the same hash as `sub` and as `user_id`, and
 * `keycast activity --subject` can look a person up by hashing the value asked for.
 */
export function hashSubject(key: Uint8Array, value: string): string {
  const mac = createHmac('sha256', key).update(value, 'utf8').digest();
  return `${HASHED_SUBJECT_PREFIX}${mac.subarray(0, 16).toString('base64url')}`;
}

export function hashSubjects(
  key: Uint8Array,
  subjects: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(subjects).map(([name, value]) => [name, hashSubject(key, value)]),
  );
}
