import {
  createHmac,
  createSecretKey,
  randomBytes,
  randomUUID,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { isHttpsUrl } from '../../../shared/text.ts';
import { InputError, NotFoundError } from '../errors.ts';
import { providerById } from '../providers/index.ts';
import type { ActivityEntry } from '../lifecycle/activity.ts';
import { mintUnrecorded } from '../providers/mint.ts';
import type { LocalKind, Provider, RawParams } from '../providers/types.ts';
import type { KeyRecord } from '../../../shared/keyRecord.ts';
import { signingKeyFor } from '../lifecycle/rotationFamily.ts';
import type { Vault } from '../vault/vault.ts';
import { agentFamily, shortenAddress } from './clientInfo.ts';
import { refusalAt } from './status.ts';
import type { ClickOutcome, LinkStore, RedirectLink, Refusal } from './types.ts';

/** Frameable's default, and short enough that a forwarded redirect is no forwarded session. */
export const DEFAULT_LINK_TOKEN_TTL = 300;
/** 24 random bytes: 192 bits in 32 base64url characters (SECURITY.md §32 asks for 128). */
const LINK_ID_BYTES = 24;
const LINK_ID = /^[A-Za-z0-9_-]{32}$/;
/** How long a confirm page's "Join" button stays valid. */
const CONFIRM_WINDOW_MS = 30 * 60_000;

export interface NewLink {
  provider: string;
  kind: string;
  /** Vault key: id, kid or name. */
  key: string;
  params: RawParams;
  tokenTtlSeconds?: number;
  validFrom?: string | null;
  validUntil?: string | null;
  maxUses?: number | null;
  confirm?: boolean;
  label?: string;
  note?: string;
}

/** A link as it was created or reissued: the only time its URL (with the secret id) exists. */
export interface IssuedLink {
  link: RedirectLink;
  url: string;
}

/** Who clicked, as the server saw it: shortened before anything is stored. */
export interface ClickContext {
  address?: string | null;
  userAgent?: string | null;
  now?: Date;
}

export type FollowResult =
  | { ok: true; location: string; link: RedirectLink }
  | { ok: false; outcome: 'unknown' | Refusal | 'error' };

export type PeekResult =
  { ok: true; link: RedirectLink } | { ok: false; outcome: 'unknown' | Refusal };

/**
 * Redirect links: created with every check `keycast mint` makes, stored as a keyed hash of their
 * secret id, and followed by counting one use atomically, minting a fresh token through the same
 * provider path as `keycast mint`, recording the click (never the token) and naming the stored
 * destination — nothing from the request decides where a browser goes.
 */
export class LinkService {
  readonly store: LinkStore;
  readonly publicUrl: string;
  private readonly vault: Vault;
  private key: Promise<KeyObject> | null = null;
  private readonly plans = new Map<string, LinkPlan>();

  constructor(vault: Vault, store: LinkStore, options: { publicUrl: string }) {
    this.vault = vault;
    this.store = store;
    this.publicUrl = normalizePublicUrl(options.publicUrl);
  }

  /** Checks everything a click would need, by minting one token now; nothing is stored. */
  async check(input: NewLink): Promise<void> {
    const settled = this.settle(input);
    await this.destination(input.provider, input.kind, settled.keyId, input.params, settled.ttl);
  }

  /**
   * Checks the link (unless `checked`: a bulk import checked every row first), then stores it.
   * The URL returned carries the secret id: it exists only in this answer.
   */
  async create(
    input: NewLink,
    now = new Date(),
    options: { checked?: boolean } = {},
  ): Promise<IssuedLink> {
    if (!options.checked) await this.check(input);
    const { keyId, ttl, validFrom, validUntil } = this.settle(input);
    const secret = newLinkId();
    const link: RedirectLink = {
      id: randomUUID(),
      hash: await this.hashOf(secret),
      provider: input.provider,
      kind: input.kind,
      keyId,
      params: input.params,
      tokenTtlSeconds: ttl,
      validFrom,
      validUntil,
      maxUses: input.maxUses ?? null,
      uses: 0,
      confirm: input.confirm ?? false,
      label: input.label?.trim() || defaultLabel(input.provider, input.kind, input.params),
      note: input.note ?? '',
      createdAt: now.toISOString(),
      revokedAt: null,
      lastClickAt: null,
    };
    await this.store.create(link);
    return { link, url: this.urlOf(secret) };
  }

  /** The parts of a new link that need no signing: its key, token lifetime and window. */
  private settle(input: NewLink): {
    keyId: string;
    ttl: number;
    validFrom: string | null;
    validUntil: string | null;
  } {
    const record = this.vault.find(input.key);
    const kind = redirectKind(providerById(input.provider, this.vault), input.kind);
    const ttl = input.tokenTtlSeconds ?? Math.min(DEFAULT_LINK_TOKEN_TTL, kind.ttl.default);
    const validFrom = input.validFrom ?? null;
    const validUntil = input.validUntil ?? null;
    if (validFrom && validUntil && validFrom >= validUntil) {
      throw new InputError(
        'The link would never be valid: --valid-from must be before --valid-until.',
      );
    }
    const uses = input.maxUses;
    if (
      uses !== undefined &&
      uses !== null &&
      !(Number.isInteger(uses) && uses >= 1 && uses <= 1_000_000)
    ) {
      throw new InputError('--uses must be a whole number from 1 to 1000000.');
    }
    return { keyId: record.id, ttl, validFrom, validUntil };
  }

  /** A lost link: a new secret id for the same link; the old URL stops working at once. */
  async reissue(ref: string): Promise<IssuedLink> {
    const link = await this.find(ref);
    const secret = newLinkId();
    const hash = await this.hashOf(secret);
    await this.store.rehash(link.id, hash);
    return { link: { ...link, hash }, url: this.urlOf(secret) };
  }

  async find(ref: string): Promise<RedirectLink> {
    const link = await this.store.find(ref);
    if (!link) {
      throw new NotFoundError(
        `No redirect link "${ref}": run "keycast redirects list" to see them.`,
      );
    }
    return link;
  }

  /** Whether a link may be used now, without counting or minting (HEAD, and the confirm page). */
  async peek(secretId: string, now = new Date()): Promise<PeekResult> {
    const link = await this.resolve(secretId);
    if (!link) return { ok: false, outcome: 'unknown' };
    const refusal = refusalAt(link, now);
    return refusal ? { ok: false, outcome: refusal } : { ok: true, link };
  }

  /** A click that counts: one use, a fresh token, the click recorded, the stored destination. */
  /**
   * A click that counts. The token is minted first and the use counted with the click in one
   * step, so a busy server commits once per click and a click that cannot mint uses nothing up;
   * a token minted for a click that loses the race for the last use is thrown away.
   */
  async follow(secretId: string, context: ClickContext = {}): Promise<FollowResult> {
    const now = context.now ?? new Date();
    const who = { client: shortenAddress(context.address), agent: agentFamily(context.userAgent) };
    const record = (outcome: ClickOutcome, linkId: string | null): Promise<void> =>
      this.store.recordClick({
        linkId,
        at: now.toISOString(),
        outcome,
        kid: null,
        jti: null,
        ...who,
      });
    const link = await this.resolve(secretId);
    if (!link) {
      await record('unknown', null);
      return { ok: false, outcome: 'unknown' };
    }
    const refusal = refusalAt(link, now);
    if (refusal) {
      await record(refusal, link.id);
      return { ok: false, outcome: refusal };
    }
    let minted: Destination;
    try {
      minted = await this.destination(
        link.provider,
        link.kind,
        link.keyId,
        link.params,
        link.tokenTtlSeconds,
        now,
      );
    } catch {
      await record('error', link.id);
      return { ok: false, outcome: 'error' };
    }
    // The token's activity record is written with the use it counts: a token whose click lost the
    // race for the last use was never handed out, and is not recorded.
    const entry = minted.activity;
    const used = await this.store.use(
      link.id,
      now,
      { kid: minted.kid, jti: minted.jti, ...who },
      () => void this.vault.activity.append(entry),
    );
    return used.ok
      ? { ok: true, location: minted.location, link: used.link }
      : { ok: false, outcome: used.outcome };
  }

  /** A nonce for a confirm page's form, bound to this link and time: stateless, so any instance accepts it. */
  async confirmNonce(secretId: string, now = new Date()): Promise<string> {
    const issued = now.getTime().toString(36);
    return `${issued}.${await this.mac(`confirm:${secretId}:${issued}`)}`;
  }

  async checkNonce(secretId: string, nonce: string, now = new Date()): Promise<boolean> {
    const [issued = '', mac = ''] = nonce.split('.');
    const at = Number.parseInt(issued, 36);
    if (
      !Number.isFinite(at) ||
      now.getTime() - at > CONFIRM_WINDOW_MS ||
      at > now.getTime() + 60_000
    ) {
      return false;
    }
    return equalText(mac, await this.mac(`confirm:${secretId}:${issued}`));
  }

  /**
   * Loads every key that active links sign with, so a missing or swapped secret stops a server at
   * start with one sentence naming the key. A key that expired or was retired stops only its own
   * links (they answer 503): the sentences for those come back as warnings.
   */
  async loadSigningKeys(): Promise<string[]> {
    const active = (await this.store.list()).filter((l) => !l.revokedAt);
    const warnings: string[] = [];
    for (const id of new Set(active.map((l) => l.keyId))) {
      const record = signingKeyFor(this.vault, this.vault.find(id));
      try {
        await this.vault.signer(record);
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        const count = active.filter((l) => l.keyId === id).length;
        warnings.push(
          `${error.message.replace(/\.$/, '')}; its ${count} link(s) answer 503 until then.`,
        );
      }
    }
    await this.linkKey();
    return warnings;
  }

  /** A click that does not count (the confirm page was shown), recorded like the others. */
  async recordView(link: RedirectLink, context: ClickContext = {}): Promise<void> {
    await this.store.recordClick({
      linkId: link.id,
      at: (context.now ?? new Date()).toISOString(),
      outcome: 'confirm-page',
      kid: null,
      jti: null,
      client: shortenAddress(context.address),
      agent: agentFamily(context.userAgent),
    });
  }

  urlOf(secretId: string): string {
    return `${this.publicUrl}/l/${secretId}`;
  }

  private async resolve(secretId: string): Promise<RedirectLink | null> {
    if (!LINK_ID.test(secretId)) return null;
    const hash = await this.hashOf(secretId);
    const link = await this.store.byHash(hash);
    // The lookup is by an index; the final comparison is constant-time all the same (§32).
    return link && equalText(link.hash, hash) ? link : null;
  }

  private async destination(
    provider: string,
    kind: string,
    keyId: string,
    params: RawParams,
    ttlSeconds: number,
    now = new Date(),
  ): Promise<Destination> {
    const plan = this.planFor(provider, kind, keyId, now.getTime());
    const { token: minted, facts } = await mintUnrecorded(plan.provider, this.vault, {
      kind,
      key: keyId,
      record: plan.record,
      params,
      ttlSeconds,
      now: Math.floor(now.getTime() / 1000),
    });
    const location = minted.links[plan.redirect];
    if (typeof location !== 'string' || !isHttpsUrl(location)) {
      throw new InputError(
        `This ${provider} ${kind} token has no https address to send a browser to: give the parameters its link needs (for example the event URL).`,
      );
    }
    const jti = typeof minted.claims.jti === 'string' ? minted.claims.jti : null;
    const kid = typeof minted.header.kid === 'string' ? minted.header.kid : null;
    const activity = await this.vault.activity.tokenEntry({
      ...facts,
      route: 'redirect',
      destination: location,
    });
    return { location, kid, jti, activity };
  }

  /**
   * The provider (with this vault's templates), the kind's browser link and the key record for a
   * link, kept for a few seconds: a server answering a burst of clicks does not read and validate
   * them again for each one, and a changed template or key is seen within that time.
   */
  private planFor(provider: string, kind: string, keyId: string, nowMs: number): LinkPlan {
    const name = `${provider}\u0000${kind}\u0000${keyId}`;
    const cached = this.plans.get(name);
    if (cached && cached.until > nowMs) return cached;
    const resolved = providerById(provider, this.vault);
    const plan: LinkPlan = {
      until: nowMs + PLAN_CACHE_MS,
      provider: resolved,
      redirect: redirectKind(resolved, kind).redirect!,
      // A link whose key was replaced in a rotation signs with the successor (PostgreSQL links
      // are not moved at the switch).
      record: signingKeyFor(this.vault, this.vault.find(keyId)),
    };
    this.plans.set(name, plan);
    return plan;
  }

  /** The vault's link key as a KeyObject made once: HMAC with raw bytes would import them per call. */
  private linkKey(): Promise<KeyObject> {
    this.key ??= this.vault.linkKey().then((bytes) => {
      const key = createSecretKey(bytes);
      bytes.fill(0);
      return key;
    });
    this.key.catch(() => (this.key = null));
    return this.key;
  }

  private async hashOf(secretId: string): Promise<string> {
    return this.mac(`link:${secretId}`);
  }

  private async mac(text: string): Promise<string> {
    return createHmac('sha256', await this.linkKey())
      .update(text)
      .digest('base64url');
  }
}

/** Where a click goes, what the click record names, and the token's activity record to append. */
interface Destination {
  location: string;
  kid: string | null;
  jti: string | null;
  activity: ActivityEntry;
}

interface LinkPlan {
  until: number;
  provider: Provider;
  redirect: string;
  record: KeyRecord;
}

/** How long a server reuses what it read for a link (templates, key record): seconds, not minutes. */
const PLAN_CACHE_MS = 5_000;

/** The kind, if it can be a redirect link; otherwise one sentence saying why not. */
function redirectKind(provider: Provider, kindId: string): LocalKind {
  const kind = provider.kinds[kindId];
  if (!kind) {
    throw new InputError(
      `${provider.name} has no token kind "${kindId}": choose ${Object.keys(provider.kinds).join(', ') || 'a saved template'}.`,
    );
  }
  if (kind.mode !== 'local') {
    throw new InputError(
      `${provider.name} ${kindId} tokens are issued by ${provider.name}'s API, not signed here, so they cannot be a redirect link.`,
    );
  }
  if (!kind.redirect) {
    throw new InputError(
      `${provider.name} ${kindId} tokens have no address a browser opens (they go into an app, OBS or an API call), so they cannot be a redirect link.`,
    );
  }
  return kind;
}

function newLinkId(): string {
  return randomBytes(LINK_ID_BYTES).toString('base64url');
}

function equalText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function defaultLabel(provider: string, kind: string, params: RawParams): string {
  for (const name of ['displayName', 'username', 'email', 'userId', 'stream']) {
    const value = params[name];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  return `${provider} ${kind}`;
}

/** `https://go.example.com/` → `https://go.example.com`; only an http(s) origin with an optional path. */
export function normalizePublicUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(`"${text}" is not a public URL: give one like https://go.example.com.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError(
      `The public URL must start with https:// (or http:// for a test on this machine); got "${text}".`,
    );
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new InputError('The public URL is an address only: no query, fragment or user name.');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
