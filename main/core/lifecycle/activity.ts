import type { StatementSync } from 'node:sqlite';
import {
  DEFAULT_RETENTION_DAYS,
  MAX_RETENTION_DAYS,
  type ActivityEvent,
  type ActivityRecord,
  type ActivitySettings,
  type ActivitySource,
  type DetailValue,
  type MintRoute,
} from '../../../shared/activity.ts';
import { InputError } from '../errors.ts';
import type { Database } from '../store/database.ts';
import type { SettingsTable } from '../vault/tables.ts';
import {
  canonicalJson,
  ChainWalker,
  GENESIS_HASH,
  hashOf,
  type ActivityRow,
  type ChainProblem,
} from './activityChain.ts';
import { DEFAULT_LIMIT, recordFromRow, whereOf, type ActivityFilter } from './activityQuery.ts';
import { hashSubject, hashSubjects, subjectsOf } from './activitySubjects.ts';

export type { ActivityFilter } from './activityQuery.ts';

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

export interface ActivityVerification {
  intact: boolean;
  /** Records checked. */
  records: number;
  /** The id and hash of the newest record (what an admin can note elsewhere and compare later). */
  head: { id: number; hash: string } | null;
  /** Records up to this id were pruned (and their last hash kept). */
  prunedThrough: number | null;
  problem: ChainProblem | null;
}

export interface PruneResult {
  /** Records removed now. */
  pruned: number;
  /** Id of the last record removed, or null when nothing was old enough. */
  through: number | null;
  olderThanDays: number;
}

export interface ActivityLogOptions {
  source: ActivitySource;
  settings: SettingsTable;
  /** The secret that keys subject hashes (the vault's activity key, in the keychain). */
  subjectKey: () => Promise<Uint8Array>;
}

const RETENTION_SETTING = 'activity.retentionDays';
const HASH_SETTING = 'activity.hashSubjects';
/** A process reads the settings again after this long: another process may have changed them. */
const SETTINGS_CACHE_MS = 5_000;
/** A long-running process prunes at most this often on its own. */
const AUTO_PRUNE_EVERY_MS = 12 * 3600_000;
const MAX_DETAIL_MEMBERS = 32;
const MAX_TEXT = 300;
const DAY_MS = 86_400_000;

/**
 * The activity log: every token minted and every key event, one row each in the vault's database,
 * each row carrying the SHA-256 of the one before (see activityChain.ts). Appends run inside
 * BEGIN IMMEDIATE (Database.transaction, joining a caller's transaction), so processes writing at
 * once still make one linear chain. Never a token, a signature, a secret or a URL with a token.
 */
export class ActivityLog {
  readonly source: ActivitySource;
  private readonly database: Database;
  private readonly settingsTable: SettingsTable;
  private readonly subjectKey: () => Promise<Uint8Array>;
  private key: Promise<Uint8Array> | null = null;
  private cachedSettings: { value: ActivitySettings; until: number } | null = null;
  private readonly statements = new Map<string, StatementSync>();
  private lastAutoPrune = 0;

  constructor(database: Database, options: ActivityLogOptions) {
    this.database = database;
    this.source = options.source;
    this.settingsTable = options.settings;
    this.subjectKey = options.subjectKey;
  }

  settings(): ActivitySettings {
    const now = Date.now();
    if (this.cachedSettings && this.cachedSettings.until > now) return this.cachedSettings.value;
    const retention = this.settingsTable.get(RETENTION_SETTING);
    const value: ActivitySettings = {
      retentionDays: isRetention(retention) ? retention : DEFAULT_RETENTION_DAYS,
      hashSubjects: this.settingsTable.get(HASH_SETTING) === true,
    };
    this.cachedSettings = { value, until: now + SETTINGS_CACHE_MS };
    return value;
  }

  /** Keeps records this many days; the change itself is recorded. */
  setRetention(days: number): ActivitySettings {
    checkRetention(days);
    this.database.transaction(() => {
      this.settingsTable.set(RETENTION_SETTING, days);
      this.append(this.entryNow({ event: 'activity-settings', detail: { retentionDays: days } }));
    });
    this.cachedSettings = null;
    return this.settings();
  }

  /**
   * Stores subjects as keyed hashes from now on (or plain again). The key is made, or read, before
   * the setting changes: a keychain that does not answer leaves the setting as it was.
   */
  async setHashSubjects(on: boolean): Promise<ActivitySettings> {
    if (on) await this.hashKey();
    this.database.transaction(() => {
      this.settingsTable.set(HASH_SETTING, on);
      this.append(this.entryNow({ event: 'activity-settings', detail: { hashSubjects: on } }));
    });
    this.cachedSettings = null;
    return this.settings();
  }

  /**
   * The values a subject is stored as: the value itself, and its keyed hash while the vault hashes
   * subjects (so `--subject ann@example.com` finds her either way).
   */
  async subjectForms(value: string): Promise<string[]> {
    if (!this.settings().hashSubjects) return [value];
    return [value, hashSubject(await this.hashKey(), value)];
  }

  /** A draft made ready to append: subjects hashed when the vault asks for it (reads the keychain once). */
  async entry(draft: ActivityDraft): Promise<ActivityEntry> {
    let subjects = draft.subjects ?? null;
    if (subjects && this.settings().hashSubjects)
      subjects = hashSubjects(await this.hashKey(), subjects);
    return prepared(draft, subjects);
  }

  /** A draft with no subjects, ready at once: for key events written inside another change. */
  entryNow(draft: Omit<ActivityDraft, 'subjects'>): ActivityEntry {
    return prepared(draft, null);
  }

  /** The record of a minted token. */
  tokenEntry(facts: MintFacts): Promise<ActivityEntry> {
    const jti = facts.claims.jti;
    return this.entry({
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
    });
  }

  /** Prepares and appends; the record's id. */
  async record(draft: ActivityDraft): Promise<number> {
    const id = this.append(await this.entry(draft));
    this.pruneAside();
    return id;
  }

  async recordToken(facts: MintFacts): Promise<number> {
    const id = this.append(await this.tokenEntry(facts));
    this.pruneAside();
    return id;
  }

  /**
   * Appends one record, chained to the newest. Inside a caller's transaction it joins it (a key
   * row and its record commit together, a click and its record too); otherwise it is its own.
   */
  append(entry: ActivityEntry): number {
    return this.database.transaction(() => {
      // The newest record and the id sequence in one statement: this runs on every click.
      const head = this.statement(
        `SELECT newest.id, newest.hash,
           (SELECT seq FROM sqlite_sequence WHERE name = 'activity') AS seq
         FROM (SELECT 1) LEFT JOIN (SELECT id, hash FROM activity ORDER BY id DESC LIMIT 1) AS newest`,
      ).get() as { id: number | null; hash: string | null; seq: number | null };
      const id = Math.max(Number(head.seq ?? 0), Number(head.id ?? 0)) + 1;
      const prev = head.hash ?? this.anchor()?.last_hash ?? GENESIS_HASH;
      const row: Omit<ActivityRow, 'hash'> = {
        id,
        at: entry.at ?? new Date().toISOString(),
        source: this.source,
        event: entry.event,
        key_id: entry.keyId,
        kid: entry.kid,
        provider: entry.provider,
        kind: entry.kind,
        jti: entry.jti,
        subjects: entry.subjects,
        expires_at: entry.expiresAt,
        destination: entry.destination,
        detail: entry.detail,
        prev_hash: prev,
      };
      this.statement(
        `INSERT INTO activity (id, at, source, event, key_id, kid, provider, kind, jti, subjects,
           expires_at, destination, detail, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        row.id,
        row.at,
        row.source,
        row.event,
        row.key_id,
        row.kid,
        row.provider,
        row.kind,
        row.jti,
        row.subjects,
        row.expires_at,
        row.destination,
        row.detail,
        row.prev_hash,
        hashOf(row),
      );
      return id;
    });
  }

  /**
   * The ids of keys that were generated, imported or deleted under this name: a deleted key is
   * still found by the name people knew it by.
   */
  keyIdsNamed(name: string): string[] {
    return this.database.read(() =>
      (
        this.database.db
          .prepare(
            `SELECT DISTINCT key_id FROM activity
             WHERE event IN ('key-generated', 'key-imported', 'key-deleted')
               AND key_id IS NOT NULL AND json_extract(detail, '$.name') = ?`,
          )
          .all(name) as { key_id: string }[]
      ).map((row) => row.key_id),
    );
  }

  /** Records newest first. */
  query(filter: ActivityFilter = {}): ActivityRecord[] {
    const { sql, values } = whereOf(filter);
    const limit = filter.limit ?? DEFAULT_LIMIT;
    return this.database.read(() =>
      (
        this.database.db
          .prepare(`SELECT * FROM activity ${sql} ORDER BY id DESC LIMIT ?`)
          .all(...values, limit) as unknown as ActivityRow[]
      ).map(recordFromRow),
    );
  }

  /** Walks the whole chain from the prune anchor and names the first record changed or removed. */
  verify(): ActivityVerification {
    return this.readConsistently(() => {
      const anchor = this.anchor();
      const walker = new ChainWalker(
        anchor
          ? { afterId: Number(anchor.last_id), hash: anchor.last_hash }
          : { afterId: 0, hash: GENESIS_HASH },
      );
      let head: { id: number; hash: string } | null = null;
      const rows = this.database.db
        .prepare('SELECT * FROM activity ORDER BY id')
        .iterate() as Iterable<ActivityRow>;
      for (const row of rows) {
        if (!walker.step(row)) break;
        head = { id: Number(row.id), hash: row.hash };
      }
      const problem =
        walker.finish(this.sequence()) ?? (anchor ? this.anchorProblem(anchor) : null);
      return {
        intact: problem === null,
        records: walker.checked,
        head,
        prunedThrough: anchor ? Number(anchor.last_id) : null,
        problem,
      };
    });
  }

  /**
   * Removes records older than the retention (or `olderThanDays`), oldest first, keeping the id
   * and hash of the last one removed as the anchor the chain is verified from, then records the
   * prune itself. The records removed are verified first: pruning never hides a change.
   */
  prune(options: { olderThanDays?: number; now?: Date } = {}): PruneResult {
    const days = options.olderThanDays ?? this.settings().retentionDays;
    checkRetention(days);
    const cutoff = new Date((options.now ?? new Date()).getTime() - days * DAY_MS).toISOString();
    return this.database.transaction((): PruneResult => {
      const last = this.database.db
        .prepare('SELECT max(id) AS id FROM activity WHERE at < ?')
        .get(cutoff) as { id: number | null };
      if (last.id === null) return { pruned: 0, through: null, olderThanDays: days };
      const through = Number(last.id);
      const checked = this.verifyThrough(through);
      const anchor = this.anchor();
      const pruned = through - (anchor ? Number(anchor.last_id) : 0);
      this.database.db
        .prepare(
          `INSERT INTO activity_anchor (id, last_id, last_hash, pruned, pruned_at)
           VALUES (1, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET last_id = excluded.last_id,
             last_hash = excluded.last_hash, pruned = pruned + excluded.pruned,
             pruned_at = excluded.pruned_at`,
        )
        .run(through, checked.hash, pruned, new Date().toISOString());
      this.database.db.prepare('DELETE FROM activity WHERE id <= ?').run(through);
      this.append(
        this.entryNow({
          event: 'activity-pruned',
          detail: { through, records: pruned, hash: checked.hash, olderThanDays: days },
        }),
      );
      return { pruned, through, olderThanDays: days };
    });
  }

  /**
   * Prunes by the retention setting when the oldest record is past it, at most every 12 hours per
   * process. A log that does not verify is left alone here: `keycast activity verify` says why.
   */
  pruneIfDue(now = new Date()): PruneResult | null {
    if (now.getTime() - this.lastAutoPrune < AUTO_PRUNE_EVERY_MS) return null;
    this.lastAutoPrune = now.getTime();
    const cutoff = new Date(now.getTime() - this.settings().retentionDays * DAY_MS).toISOString();
    const oldest = this.database.read(
      () =>
        this.statement('SELECT at FROM activity ORDER BY id LIMIT 1').get() as
          { at: string } | undefined,
    );
    if (!oldest || oldest.at >= cutoff) return null;
    try {
      return this.prune({ now });
    } catch (error) {
      if (error instanceof InputError) return null;
      throw error;
    }
  }

  /**
   * Applies the retention after a record was written: the record is what counts, so a prune that
   * fails (a busy database) never turns a minted token into a reported failure; the next one tries.
   */
  private pruneAside(): void {
    try {
      this.pruneIfDue();
    } catch {
      // left for the next process, `keycast activity prune` or the server's timer
    }
  }

  /** The records about to be pruned, checked from the anchor to `through`: their last hash. */
  private verifyThrough(through: number): { hash: string } {
    const anchor = this.anchor();
    const walker = new ChainWalker(
      anchor
        ? { afterId: Number(anchor.last_id), hash: anchor.last_hash }
        : { afterId: 0, hash: GENESIS_HASH },
    );
    let hash = anchor?.last_hash ?? GENESIS_HASH;
    // One record past the last pruned: its link shows whether the last pruned one was rewritten.
    const rows = this.database.db
      .prepare('SELECT * FROM activity WHERE id <= ? ORDER BY id')
      .iterate(through + 1) as Iterable<ActivityRow>;
    for (const row of rows) {
      if (!walker.step(row)) break;
      if (Number(row.id) === through) hash = row.hash;
    }
    const problem = walker.problem;
    if (problem) {
      throw new InputError(
        `The activity log does not verify (${problem.message}) — pruning would hide that: keep the data folder as it is for an investigation; run "keycast activity verify" for the details.`,
      );
    }
    return { hash };
  }

  /** A prune anchor matches the newest prune record; one without it was written by hand. */
  private anchorProblem(anchor: AnchorRow): ChainProblem | null {
    const row = this.database.db
      .prepare(
        "SELECT id, detail FROM activity WHERE event = 'activity-pruned' ORDER BY id DESC LIMIT 1",
      )
      .get() as { id: number; detail: string } | undefined;
    let detail: Record<string, unknown> = {};
    try {
      detail = row ? (JSON.parse(row.detail) as Record<string, unknown>) : {};
    } catch {
      // a changed record: the walk has already named it
    }
    if (row && detail.through === Number(anchor.last_id) && detail.hash === anchor.last_hash)
      return null;
    const first = Number(anchor.last_id) + 1;
    return {
      kind: 'anchor',
      id: first,
      message: `The prune anchor (records up to #${anchor.last_id} pruned) matches no prune record: records up to #${anchor.last_id} were removed by hand, or the anchor was changed.`,
    };
  }

  private anchor(): AnchorRow | undefined {
    return this.statement('SELECT last_id, last_hash FROM activity_anchor WHERE id = 1').get() as
      AnchorRow | undefined;
  }

  /** The highest id ever given (SQLite's AUTOINCREMENT sequence). */
  private sequence(): number {
    const row = this.statement("SELECT seq FROM sqlite_sequence WHERE name = 'activity'").get() as
      { seq: number } | undefined;
    return Number(row?.seq ?? 0);
  }

  /** One read transaction, so the anchor, the rows and the sequence agree. */
  private readConsistently<T>(read: () => T): T {
    return this.database.read(() => {
      const db = this.database.db;
      if (db.isTransaction) return read();
      db.exec('BEGIN');
      try {
        return read();
      } finally {
        db.exec('COMMIT');
      }
    });
  }

  private hashKey(): Promise<Uint8Array> {
    this.key ??= this.subjectKey();
    this.key.catch(() => (this.key = null));
    return this.key;
  }

  private statement(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.database.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

interface AnchorRow {
  last_id: number;
  last_hash: string;
}

function isRetention(value: unknown): value is number {
  return (
    Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_RETENTION_DAYS
  );
}

function checkRetention(days: unknown): void {
  if (!isRetention(days)) {
    throw new InputError(
      `The activity retention must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}; got ${String(days)}.`,
    );
  }
}

function prepared(
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
