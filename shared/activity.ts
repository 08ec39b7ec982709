/**
 * The activity log's vocabulary: one list for the core's records, the CLI's filters and the IPC
 * contract. Records never hold a token, a signature, a secret or a URL with a token in it.
 */

/** The program that did it. */
export const ACTIVITY_SOURCES = ['cli', 'app', 'serve'] as const;
export type ActivitySource = (typeof ACTIVITY_SOURCES)[number];

export const ACTIVITY_EVENTS = [
  'token-minted',
  'key-generated',
  'key-imported',
  'key-uploaded',
  'key-upload-deleted',
  'key-deleted',
  'rotation-step',
  'backup',
  'restore',
  'activity-pruned',
  'activity-settings',
] as const;
export type ActivityEvent = (typeof ACTIVITY_EVENTS)[number];

/** Where a token went: `keycast mint` or the app's Mint, a redirect click, OBS, `keycast token mint`. */
export const MINT_ROUTES = ['mint', 'redirect', 'obs', 'token'] as const;
export type MintRoute = (typeof MINT_ROUTES)[number];

/** A small detail value: never an object, so a detail stays one flat line in a table or a CSV. */
export type DetailValue = string | number | boolean | null;

export interface ActivityRecord {
  id: number;
  /** ISO time the record was written. */
  at: string;
  source: ActivitySource;
  /** One of ACTIVITY_EVENTS (a newer Keycast may write others: shown as they are). */
  event: string;
  keyId: string | null;
  kid: string | null;
  provider: string | null;
  /** The token kind (chat, publish, attendee…), for tokens. */
  kind: string | null;
  jti: string | null;
  /**
   * Who the token was for, by claim name (sub, user_id, email…). With the vault setting
   * `activity.hashSubjects`, each value is `hmac:` and a keyed hash instead.
   */
  subjects: Record<string, string> | null;
  /** When the token expires. */
  expiresAt: string | null;
  /** The host (and port) of the address the token goes to; never the address itself. */
  destination: string | null;
  detail: Record<string, DetailValue>;
}

export interface ActivitySettings {
  /** Records older than this many days are pruned. */
  retentionDays: number;
  /** Store subject identifiers as keyed hashes. */
  hashSubjects: boolean;
}

export const DEFAULT_RETENTION_DAYS = 180;
/** Ten years: a longer retention is a typo, and ISO dates stay comparable. */
export const MAX_RETENTION_DAYS = 3650;

/** Prefix of a hashed subject value. */
export const HASHED_SUBJECT_PREFIX = 'hmac:';
