import type { RawParams } from '../providers/types.ts';

/**
 * A redirect link: who it is for (provider, kind, the attendee's parameters, the signing key), how
 * long each minted token lives, when the link itself may be used and how often. The secret link id
 * is never stored: only its keyed hash (`hash`), so a copied database cannot produce a working link.
 */
export interface RedirectLink {
  /** Internal id (not the secret in the URL): how scripts and the app name a link. */
  id: string;
  /** HMAC-SHA-256 of the secret link id under the vault's link key, base64url. */
  hash: string;
  provider: string;
  kind: string;
  /** The vault key's id (not its name: a rename must not change which key signs). */
  keyId: string;
  params: RawParams;
  tokenTtlSeconds: number;
  validFrom: string | null;
  validUntil: string | null;
  maxUses: number | null;
  uses: number;
  /** GET shows a "Join" page; only its POST mints and counts (mail scanners open links first). */
  confirm: boolean;
  label: string;
  note: string;
  createdAt: string;
  revokedAt: string | null;
  lastClickAt: string | null;
}

export { CLICK_OUTCOMES, type ClickOutcome } from '../../../shared/links.ts';
import type { ClickOutcome } from '../../../shared/links.ts';

/** One click as it is recorded: never the token, never the link id; the client address shortened. */
export interface ClickRecord {
  linkId: string | null;
  at: string;
  outcome: ClickOutcome;
  kid: string | null;
  jti: string | null;
  /** IPv4 /24 or IPv6 /48, e.g. "203.0.113.0/24". */
  client: string | null;
  /** A family such as "Chrome", "Firefox", "Safari", "Outlook", "curl", "bot" or "other". */
  agent: string | null;
}

/** A click about to be recorded: the store adds the link, the time and the outcome. */
export type ClickDraft = Pick<ClickRecord, 'kid' | 'jti' | 'client' | 'agent'>;

/** Why a link that exists may not be used now. */
export type Refusal = 'revoked' | 'not-yet-valid' | 'expired' | 'used-up';

export type UseResult = { ok: true; link: RedirectLink } | { ok: false; outcome: Refusal };

/**
 * Where links, their use counts and clicks live: the local SQLite database, or PostgreSQL when
 * several servers share them. Every method is one atomic statement or transaction.
 */
export interface LinkStore {
  create(link: RedirectLink): Promise<void>;
  /** The link whose hash this is, or null. */
  byHash(hash: string): Promise<RedirectLink | null>;
  /** By internal id, or by label when it names exactly one link. */
  find(ref: string): Promise<RedirectLink | null>;
  list(): Promise<RedirectLink[]>;
  /**
   * Counts one use if the link may be used now: not revoked, inside its window, under its maximum.
   * One conditional update, so the maximum holds whatever the concurrency. With `click`, the click
   * is recorded with what came of it (redirected, or the refusal) in the same step. `counted` runs
   * only when the use counted: inside the same transaction where the store is the vault's own
   * database (so a failure there counts nothing), right after the commit elsewhere (PostgreSQL).
   */
  use(id: string, now: Date, click?: ClickDraft, counted?: () => void): Promise<UseResult>;
  revoke(id: string, now: Date): Promise<boolean>;
  /** Gives a link a new secret (its new hash); the old URL stops working. */
  rehash(id: string, hash: string): Promise<boolean>;
  remove(id: string): Promise<boolean>;
  recordClick(click: ClickRecord): Promise<void>;
  /** Newest first; all links, or one. */
  clicks(options?: { linkId?: string; limit?: number }): Promise<ClickRecord[]>;
  /** One verify-hook decision (never the token). */
  recordDecision(decision: HookDecision): Promise<void>;
  /** Verify-hook decisions, newest first. */
  decisions(options?: { limit?: number }): Promise<HookDecision[]>;
  close(): Promise<void>;
}

/** The media servers whose verify callbacks `keycast serve` answers, at /hooks/<name>. */
export const HOOK_NAMES = ['nginx-rtmp', 'srs', 'mediamtx'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/**
 * Why a verify hook allowed or refused: `allowed`, a refusal of the token (its signature, key,
 * times, stream or type), of the caller (`not-allowed-caller`), or of the request itself
 * (`bad-request`: a body the media server would never send).
 */
export const HOOK_REASONS = [
  'allowed',
  'no-token',
  'malformed',
  'unsigned',
  'unknown-kid',
  'wrong-algorithm',
  'bad-signature',
  'expired',
  'not-yet-valid',
  'wrong-stream',
  'wrong-type',
  'not-allowed-caller',
  'bad-request',
] as const;
export type HookReason = (typeof HOOK_REASONS)[number];

/** One verify-hook decision as it is recorded: never the token. */
export interface HookDecision {
  at: string;
  hook: HookName;
  reason: HookReason;
  /** What was asked: publish, play (nginx-rtmp, SRS), or MediaMTX's publish, read, playback… */
  action: string | null;
  /** nginx-rtmp's and SRS's application; null for MediaMTX (its path holds everything). */
  app: string | null;
  /** The stream name, or MediaMTX's path. */
  stream: string | null;
  /** The media server that called (full address: it is a server, not a person). */
  caller: string | null;
  /** The publisher's or player's address as the media server reported it, shortened (/24, /48). */
  client: string | null;
  kid: string | null;
  jti: string | null;
}
