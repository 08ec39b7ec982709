import type { StatementSync } from 'node:sqlite';
import type { ActivityRecord, ActivitySettings, ActivitySource } from '../../../shared/activity.ts';
import type { Database } from '../store/database.ts';
import type { SettingsTable } from '../vault/tables.ts';
import { GENESIS_HASH, hashOf, type ActivityRow } from './activityChain.ts';
import {
  preparedEntry,
  tokenDraft,
  type ActivityDraft,
  type ActivityEntry,
  type MintFacts,
} from './activityEntry.ts';
import {
  ActivityIntegrity,
  type ActivityVerification,
  type PruneResult,
} from './activityIntegrity.ts';
import { DEFAULT_LIMIT, recordFromRow, whereOf, type ActivityFilter } from './activityQuery.ts';
import { ActivitySettingsStore, checkRetention } from './activitySettings.ts';
import { hashSubject, hashSubjects } from './activitySubjects.ts';

// Callers import the log's types from here, wherever they are defined.
export type { ActivityFilter } from './activityQuery.ts';
export type { ActivityDraft, ActivityEntry, MintFacts } from './activityEntry.ts';
export { hostOf } from './activityEntry.ts';
export type { ActivityVerification, PruneResult } from './activityIntegrity.ts';

export interface ActivityLogOptions {
  source: ActivitySource;
  settings: SettingsTable;
  /** The secret that keys subject hashes (the vault's activity key, in the keychain). */
  subjectKey: () => Promise<Uint8Array>;
}

/**
 * The activity log: every token minted and every key event, one row each in the vault's database,
 * each row carrying the SHA-256 of the one before (see activityChain.ts). Appends run inside
 * BEGIN IMMEDIATE (Database.transaction, joining a caller's transaction), so processes writing at
 * once still make one linear chain. Never a token, a signature, a secret or a URL with a token.
 *
 * The facade over its parts: settings (activitySettings.ts), entries (activityEntry.ts), verify
 * and prune (activityIntegrity.ts), queries (activityQuery.ts).
 */
export class ActivityLog {
  readonly source: ActivitySource;
  private readonly database: Database;
  private readonly settingsStore: ActivitySettingsStore;
  private readonly integrity: ActivityIntegrity;
  private readonly subjectKey: () => Promise<Uint8Array>;
  private key: Promise<Uint8Array> | null = null;

  constructor(database: Database, options: ActivityLogOptions) {
    this.database = database;
    this.source = options.source;
    this.settingsStore = new ActivitySettingsStore(options.settings);
    this.subjectKey = options.subjectKey;
    this.integrity = new ActivityIntegrity({
      database,
      statement: (sql) => this.statement(sql),
      append: (entry) => this.append(entry),
      retentionDays: () => this.settings().retentionDays,
    });
  }

  settings(): ActivitySettings {
    return this.settingsStore.current();
  }

  /** Keeps records this many days; the change itself is recorded. */
  setRetention(days: number): ActivitySettings {
    checkRetention(days);
    this.database.transaction(() => {
      this.settingsStore.writeRetention(days);
      this.append(this.entryNow({ event: 'activity-settings', detail: { retentionDays: days } }));
    });
    this.settingsStore.forget();
    return this.settings();
  }

  /**
   * Stores subjects as keyed hashes from now on (or plain again). The key is made, or read, before
   * the setting changes: a keychain that does not answer leaves the setting as it was.
   */
  async setHashSubjects(on: boolean): Promise<ActivitySettings> {
    if (on) await this.hashKey();
    this.database.transaction(() => {
      this.settingsStore.writeHashSubjects(on);
      this.append(this.entryNow({ event: 'activity-settings', detail: { hashSubjects: on } }));
    });
    this.settingsStore.forget();
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
    return preparedEntry(draft, subjects);
  }

  /** A draft with no subjects, ready at once: for key events written inside another change. */
  entryNow(draft: Omit<ActivityDraft, 'subjects'>): ActivityEntry {
    return preparedEntry(draft, null);
  }

  /** The record of a minted token. */
  tokenEntry(facts: MintFacts): Promise<ActivityEntry> {
    return this.entry(tokenDraft(facts));
  }

  /** Prepares and appends; the record's id. */
  async record(draft: ActivityDraft): Promise<number> {
    const id = this.append(await this.entry(draft));
    this.integrity.pruneAside();
    return id;
  }

  async recordToken(facts: MintFacts): Promise<number> {
    const id = this.append(await this.tokenEntry(facts));
    this.integrity.pruneAside();
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
      const prev = head.hash ?? this.integrity.anchor()?.last_hash ?? GENESIS_HASH;
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
    return this.integrity.verify();
  }

  /** Removes records past the retention behind a verified anchor (see ActivityIntegrity.prune). */
  prune(options: { olderThanDays?: number; now?: Date } = {}): PruneResult {
    return this.integrity.prune(options);
  }

  /** Prunes by the retention setting when due, at most every 12 hours per process. */
  pruneIfDue(now = new Date()): PruneResult | null {
    return this.integrity.pruneIfDue(now);
  }

  private hashKey(): Promise<Uint8Array> {
    this.key ??= this.subjectKey();
    this.key.catch(() => (this.key = null));
    return this.key;
  }

  private statement(sql: string): StatementSync {
    return this.database.prepared(sql);
  }
}
