import type { ActivityEvent, DetailValue, MintRoute } from '../../../shared/activity.ts';
import { InputError } from '../errors.ts';
import { canonicalJson } from './activityChain.ts';
import { subjectsOf } from './activitySubjects.ts';

/** What happened, as a caller describes it; `entry` turns it into what is stored. */
export interface ActivityDraft {
  event: ActivityEvent;
  keyId?: string | null;
  kid?: string | null;
  provider?: string | null;
  kind?: string | null;
  jti?: string | null;
  /** Plain subject identifiers: hashed by `entry` when the vault asks for it. */
  subjects?: Record<string, string> | null;
  expiresAt?: string | null;
  /** A URL or a host: only the host (and port) is kept. */
  destination?: string | null;
  detail?: Record<string, DetailValue | undefined>;
  /** Defaults to the moment the record is appended. */
  at?: Date;
}

/** A record ready to append: subjects hashed if asked, nothing that could be a token. */
export interface ActivityEntry {
  at: string | null;
  event: ActivityEvent;
  keyId: string | null;
  kid: string | null;
  provider: string | null;
  kind: string | null;
  jti: string | null;
  subjects: string | null;
  expiresAt: string | null;
  destination: string | null;
  detail: string;
}

/** What a minted token leaves in the log: facts about it, never the token. */
export interface MintFacts {
  route: MintRoute;
  keyId: string | null;
  kid: string | null;
  provider: string | null;
  kind: string | null;
  claims: Record<string, unknown>;
  expiresAt: string | null;
  /** The link the token goes into (a URL) or the host it is sent to. */
  destination?: string | null;
  /** False for a token a provider's API issued. */
  signedHere?: boolean;
}

const MAX_DETAIL_MEMBERS = 32;
const MAX_TEXT = 300;

/** The draft of a minted token's record; its subjects are still plain. */
export function tokenDraft(facts: MintFacts): ActivityDraft {
  const jti = facts.claims.jti;
  return {
    event: 'token-minted',
    keyId: facts.keyId,
    kid: facts.kid,
    provider: facts.provider,
    kind: facts.kind,
    jti: typeof jti === 'string' ? jti : null,
    subjects: subjectsOf(facts.provider, facts.claims),
    expiresAt: facts.expiresAt,
    destination: facts.destination ?? null,
    detail: { via: facts.route, ...(facts.signedHere === false ? { issuedBy: 'provider' } : {}) },
  };
}

/**
 * A draft as it may be stored, with `subjects` already in their stored form (plain or hashed:
 * the caller decides, since hashing needs the keychain).
 */
export function preparedEntry(
  draft: Omit<ActivityDraft, 'subjects'>,
  subjects: Record<string, string> | null,
): ActivityEntry {
  return {
    at: draft.at ? draft.at.toISOString() : null,
    event: draft.event,
    keyId: draft.keyId ?? null,
    kid: draft.kid ?? null,
    provider: draft.provider ?? null,
    kind: draft.kind ?? null,
    jti: draft.jti ? safeText(draft.jti) : null,
    subjects: subjects ? canonicalJson(cleanObject(subjects)) : null,
    expiresAt: draft.expiresAt ?? null,
    destination: hostOf(draft.destination ?? null),
    detail: canonicalJson(cleanObject(draft.detail ?? {})),
  };
}

/** The host (and port) of a URL, or a bare host as given; anything else is dropped. */
export function hostOf(value: string | null): string | null {
  if (!value) return null;
  if (value.includes('://')) {
    try {
      return new URL(value).host || null;
    } catch {
      return null;
    }
  }
  return /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(:\d{1,5})?$/.test(value)
    ? value.toLowerCase()
    : null;
}

/** Three base64url runs joined by dots: a JWT (or a JWS), which never belongs in the log. */
const TOKEN_LIKE = /[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

/**
 * Text from callers and claims as it may be stored: a token-shaped string is removed, an address
 * becomes its host (its query could carry a token), long text is cut.
 */
function safeText(text: string): string {
  if (TOKEN_LIKE.test(text)) return '[removed: looks like a token]';
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) return hostOf(text) ?? '[removed: an address]';
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

function cleanObject(object: Record<string, DetailValue | undefined>): Record<string, DetailValue> {
  const entries = Object.entries(object).filter(([, v]) => v !== undefined);
  if (entries.length > MAX_DETAIL_MEMBERS) {
    throw new InputError(`An activity record holds at most ${MAX_DETAIL_MEMBERS} details.`);
  }
  return Object.fromEntries(
    entries.map(([name, value]) => [
      safeText(name),
      typeof value === 'string'
        ? safeText(value)
        : typeof value === 'number' && !Number.isFinite(value)
          ? null
          : (value as DetailValue),
    ]),
  );
}
