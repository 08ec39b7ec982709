import type { StatementSync } from 'node:sqlite';
import type { Database } from '../store/database.ts';
import { refusalAt } from './status.ts';
import type {
  ClickDraft,
  ClickRecord,
  HookDecision,
  LinkStore,
  RedirectLink,
  Refusal,
  UseResult,
} from './types.ts';

/** A `links` row as SQLite and PostgreSQL return it (same columns in both stores). */
export interface LinkRow {
  id: string;
  hash: string;
  provider: string;
  kind: string;
  key_id: string;
  params: string;
  token_ttl: number;
  valid_from: string | null;
  valid_until: string | null;
  max_uses: number | null;
  uses: number;
  confirm: number;
  label: string;
  note: string;
  created_at: string;
  revoked_at: string | null;
  last_click_at: string | null;
}

/** A `clicks` row, as both stores return it. */
export interface ClickRow {
  link_id: string | null;
  at: string;
  outcome: ClickRecord['outcome'];
  kid: string | null;
  jti: string | null;
  client: string | null;
  agent: string | null;
}

/** The columns of a link row, in the order `linkValues` gives them: one list for both stores. */
export const LINK_COLUMNS = [
  'id',
  'hash',
  'provider',
  'kind',
  'key_id',
  'params',
  'token_ttl',
  'valid_from',
  'valid_until',
  'max_uses',
  'uses',
  'confirm',
  'label',
  'note',
  'created_at',
  'revoked_at',
  'last_click_at',
] as const;

export function linkValues(link: RedirectLink): (string | number | null)[] {
  return [
    link.id,
    link.hash,
    link.provider,
    link.kind,
    link.keyId,
    JSON.stringify(link.params),
    link.tokenTtlSeconds,
    link.validFrom,
    link.validUntil,
    link.maxUses,
    link.uses,
    link.confirm ? 1 : 0,
    link.label,
    link.note,
    link.createdAt,
    link.revokedAt,
    link.lastClickAt,
  ];
}

export function linkFromRow(row: LinkRow): RedirectLink {
  return {
    id: row.id,
    hash: row.hash,
    provider: row.provider,
    kind: row.kind,
    keyId: row.key_id,
    params: JSON.parse(row.params) as RedirectLink['params'],
    tokenTtlSeconds: Number(row.token_ttl),
    validFrom: row.valid_from,
    validUntil: row.valid_until,
    maxUses: row.max_uses === null ? null : Number(row.max_uses),
    uses: Number(row.uses),
    confirm: Boolean(row.confirm),
    label: row.label,
    note: row.note,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    lastClickAt: row.last_click_at,
  };
}

export function clickFromRow(row: ClickRow): ClickRecord {
  return {
    linkId: row.link_id,
    at: row.at,
    outcome: row.outcome,
    kid: row.kid,
    jti: row.jti,
    client: row.client,
    agent: row.agent,
  };
}

/** The columns of a `hook_decisions` row, in the order `decisionValues` gives them (both stores). */
export const DECISION_COLUMNS = [
  'at',
  'hook',
  'reason',
  'action',
  'app',
  'stream',
  'caller',
  'client',
  'kid',
  'jti',
] as const;

export function decisionValues(d: HookDecision): (string | null)[] {
  return [d.at, d.hook, d.reason, d.action, d.app, d.stream, d.caller, d.client, d.kid, d.jti];
}

/** A `hook_decisions` row as both stores return it: the same names as the record's members. */
export type DecisionRow = HookDecision;

export function decisionFromRow(row: DecisionRow): HookDecision {
  return {
    at: row.at,
    hook: row.hook,
    reason: row.reason,
    action: row.action,
    app: row.app,
    stream: row.stream,
    caller: row.caller,
    client: row.client,
    kid: row.kid,
    jti: row.jti,
  };
}

/**
 * Why a conditional update found nothing to count: the link's refusal at `now`, or — when another
 * click took the last use in between — used up.
 */
export function refusalOf(link: RedirectLink, now: Date): Refusal {
  return refusalAt(link, now) ?? 'used-up';
}

/** Links in the vault's own SQLite database: one file, several processes, exact counts. */
export class SqliteLinkStore implements LinkStore {
  private readonly database: Database;

  constructor(database: Database) {
    this.database = database;
  }

  /** Statements compiled once and reused: a click runs the same few on every request. */

  private get db(): { prepare(sql: string): StatementSync } {
    return { prepare: (sql) => this.statement(sql) };
  }

  private statement(sql: string): StatementSync {
    return this.database.prepared(sql);
  }

  create(link: RedirectLink): Promise<void> {
    return settle(() => {
      this.database.transaction(() =>
        this.db
          .prepare(
            `INSERT INTO links (${LINK_COLUMNS.join(', ')})
             VALUES (${LINK_COLUMNS.map(() => '?').join(', ')})`,
          )
          .run(...linkValues(link)),
      );
    });
  }

  byHash(hash: string): Promise<RedirectLink | null> {
    return settle(() => {
      return this.one('SELECT * FROM links WHERE hash = ?', hash);
    });
  }

  find(ref: string): Promise<RedirectLink | null> {
    return settle(() => {
      const byId = this.one('SELECT * FROM links WHERE id = ?', ref);
      if (byId) return byId;
      const labelled = this.database.read(
        () =>
          this.db
            .prepare('SELECT * FROM links WHERE label = ? LIMIT 2')
            .all(ref) as unknown as LinkRow[],
      );
      return labelled.length === 1 ? linkFromRow(labelled[0]!) : null;
    });
  }

  list(): Promise<RedirectLink[]> {
    return settle(() => {
      return this.database
        .read(
          () =>
            this.db
              .prepare('SELECT * FROM links ORDER BY created_at, id')
              .all() as unknown as LinkRow[],
        )
        .map(linkFromRow);
    });
  }

  use(id: string, now: Date, click?: ClickDraft, counted?: () => void): Promise<UseResult> {
    return settle(() => {
      const at = now.toISOString();
      return this.database.transaction((): UseResult => {
        const row = this.db
          .prepare(
            `UPDATE links SET uses = uses + 1, last_click_at = ?
             WHERE id = ? AND revoked_at IS NULL
               AND (valid_from IS NULL OR valid_from <= ?)
               AND (valid_until IS NULL OR valid_until > ?)
               AND (max_uses IS NULL OR uses < max_uses)
             RETURNING *`,
          )
          .get(at, id, at, at) as LinkRow | undefined;
        const current = row ? null : this.one('SELECT * FROM links WHERE id = ?', id);
        const result: UseResult = row
          ? { ok: true, link: linkFromRow(row) }
          : { ok: false, outcome: current ? refusalOf(current, now) : 'revoked' };
        // One transaction for the use and its click: one commit per click on a busy server.
        if (click)
          this.insertClick({
            ...click,
            linkId: id,
            at,
            outcome: result.ok ? 'redirected' : result.outcome,
          });
        if (result.ok) counted?.();
        return result;
      });
    });
  }

  revoke(id: string, now: Date): Promise<boolean> {
    return this.change(
      'UPDATE links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
      now.toISOString(),
      id,
    );
  }

  rehash(id: string, hash: string): Promise<boolean> {
    return this.change('UPDATE links SET hash = ? WHERE id = ?', hash, id);
  }

  remove(id: string): Promise<boolean> {
    return this.change('DELETE FROM links WHERE id = ?', id);
  }

  recordClick(click: ClickRecord): Promise<void> {
    return settle(() => {
      this.database.transaction(() => this.insertClick(click));
    });
  }

  private insertClick(click: ClickRecord): void {
    this.db
      .prepare(
        'INSERT INTO clicks (link_id, at, outcome, kid, jti, client, agent) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(click.linkId, click.at, click.outcome, click.kid, click.jti, click.client, click.agent);
  }

  clicks(options: { linkId?: string; limit?: number } = {}): Promise<ClickRecord[]> {
    return settle(() => {
      const limit = options.limit ?? 1000;
      const rows = this.database.read(
        () =>
          (options.linkId
            ? this.db
                .prepare('SELECT * FROM clicks WHERE link_id = ? ORDER BY id DESC LIMIT ?')
                .all(options.linkId, limit)
            : this.db
                .prepare('SELECT * FROM clicks ORDER BY id DESC LIMIT ?')
                .all(limit)) as unknown as ClickRow[],
      );
      return rows.map(clickFromRow);
    });
  }

  recordDecision(decision: HookDecision): Promise<void> {
    return settle(() => {
      this.database.transaction(() =>
        this.db
          .prepare(
            `INSERT INTO hook_decisions (${DECISION_COLUMNS.join(', ')})
             VALUES (${DECISION_COLUMNS.map(() => '?').join(', ')})`,
          )
          .run(...decisionValues(decision)),
      );
    });
  }

  decisions(options: { limit?: number } = {}): Promise<HookDecision[]> {
    return settle(() => {
      const rows = this.database.read(
        () =>
          this.db
            .prepare('SELECT * FROM hook_decisions ORDER BY id DESC LIMIT ?')
            .all(options.limit ?? 1000) as unknown as DecisionRow[],
      );
      return rows.map(decisionFromRow);
    });
  }

  close(): Promise<void> {
    return settle(() => {
      return;
    });
  }

  private one(sql: string, value: string): RedirectLink | null {
    const row = this.database.read(() => this.db.prepare(sql).get(value) as LinkRow | undefined);
    return row ? linkFromRow(row) : null;
  }

  private change(sql: string, ...values: string[]): Promise<boolean> {
    return settle(() =>
      this.database.transaction(() => Number(this.db.prepare(sql).run(...values).changes) > 0),
    );
  }
}

/** A synchronous store call as a promise: what it throws becomes a rejection, as callers expect. */
function settle<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()));
}
