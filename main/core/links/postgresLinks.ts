import pg from 'pg';
import { InputError, KeycastError, StorageError } from '../errors.ts';
import {
  clickFromRow,
  DECISION_COLUMNS,
  decisionFromRow,
  decisionValues,
  type DecisionRow,
  LINK_COLUMNS,
  linkFromRow,
  linkValues,
  refusalOf,
  type ClickRow,
  type LinkRow,
} from './sqliteLinks.ts';
import type {
  ClickDraft,
  ClickRecord,
  HookDecision,
  LinkStore,
  RedirectLink,
  UseResult,
} from './types.ts';

/**
 * Version 1: the same two tables as SQLite's schema 2, with the same columns and the same meaning. Times are
 * ISO 8601 text compared byte by byte (COLLATE "C", SQLite's BINARY), so a window opens and closes
 * at exactly the same instant in both stores whatever the database's own collation. `key_id` names a
 * key in each instance's own vault, so it has no foreign key here.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS links (
    id            TEXT COLLATE "C" PRIMARY KEY,
    hash          TEXT NOT NULL UNIQUE,
    provider      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    key_id        TEXT NOT NULL,
    params        TEXT NOT NULL,
    token_ttl     INTEGER NOT NULL,
    valid_from    TEXT COLLATE "C",
    valid_until   TEXT COLLATE "C",
    max_uses      INTEGER,
    uses          INTEGER NOT NULL DEFAULT 0,
    confirm       INTEGER NOT NULL DEFAULT 0,
    label         TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    created_at    TEXT COLLATE "C" NOT NULL,
    revoked_at    TEXT,
    last_click_at TEXT
  );
  CREATE INDEX IF NOT EXISTS links_by_label ON links (label);

  CREATE TABLE IF NOT EXISTS clicks (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    link_id TEXT COLLATE "C" REFERENCES links(id) ON DELETE SET NULL,
    at      TEXT NOT NULL,
    outcome TEXT NOT NULL,
    kid     TEXT,
    jti     TEXT,
    client  TEXT,
    agent   TEXT
  );
  CREATE INDEX IF NOT EXISTS clicks_by_link ON clicks (link_id, id);
`;

/** Version 2: verify-hook decisions, as SQLite's schema 3 (never a token). */
const HOOK_DECISIONS = `
  CREATE TABLE hook_decisions (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      TEXT COLLATE "C" NOT NULL,
    hook    TEXT NOT NULL,
    reason  TEXT NOT NULL,
    action  TEXT,
    app     TEXT,
    stream  TEXT,
    caller  TEXT,
    client  TEXT,
    kid     TEXT,
    jti     TEXT
  );
`;

/**
 * Forward-only migrations of the shared database: migration N brings it from version N-1 to N,
 * the version kept in `keycast_schema`. Version 1 uses IF NOT EXISTS, so a database made before
 * versions were kept (its tables there, no version row) is adopted as version 1 unchanged.
 * Never edit a migration that has shipped; add one.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [SCHEMA, HOOK_DECISIONS];
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.length;

/** Taken for the schema transaction, so instances starting together create the tables once. */
const SCHEMA_LOCK = 0x6b65_7963_6173_74n; // "keycast"

/** How long a connection attempt may take before the server counts as unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;

export interface PostgresOptions {
  /** Connections this instance keeps open at most (pg's default is 10). */
  max?: number;
  connectTimeoutMs?: number;
}

/**
 * Links in PostgreSQL, shared by several `keycast serve` instances. Every method is one statement
 * or one transaction; a use is counted by one conditional UPDATE, so a link's maximum holds exactly
 * whatever the number of instances and connections.
 */
export class PostgresLinkStore implements LinkStore {
  /** The server as people may see it: user, host, port and database, never the password. */
  readonly server: string;
  private readonly pool: pg.Pool;
  private readonly password: string;
  private closed = false;

  private constructor(pool: pg.Pool, server: string, password: string) {
    this.pool = pool;
    this.server = server;
    this.password = password;
  }

  /** Connects, creates the tables if they are missing, and returns the store. */
  static async open(url: string, options: PostgresOptions = {}): Promise<PostgresLinkStore> {
    const { server, password } = describeServer(url);
    let pool: pg.Pool;
    try {
      pool = new pg.Pool({
        connectionString: url,
        max: options.max ?? 10,
        connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
        application_name: 'keycast',
      });
    } catch (error) {
      throw unreachable(server, password, error);
    }
    // A connection that dies while idle (a server restart) is dropped by the pool; the next query
    // opens a new one. Without a listener the pool's 'error' event would end the process.
    pool.on('error', () => undefined);
    const store = new PostgresLinkStore(pool, server, password);
    try {
      await store.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK.toString()]);
        await migrate(client, server);
      });
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  async create(link: RedirectLink): Promise<void> {
    await this.query(
      `INSERT INTO links (${LINK_COLUMNS.join(', ')})
       VALUES (${LINK_COLUMNS.map((_, n) => `$${n + 1}`).join(', ')})`,
      linkValues(link),
    );
  }

  async byHash(hash: string): Promise<RedirectLink | null> {
    const rows = await this.query<LinkRow>('SELECT * FROM links WHERE hash = $1', [hash]);
    return rows[0] ? linkFromRow(rows[0]) : null;
  }

  async find(ref: string): Promise<RedirectLink | null> {
    // The link with this id; else the links with this label (two are enough to know it is ambiguous).
    const rows = await this.query<LinkRow>(
      `SELECT * FROM links WHERE id = $1
       UNION ALL
       (SELECT * FROM links WHERE label = $1 AND NOT EXISTS (SELECT 1 FROM links WHERE id = $1)
        LIMIT 2)`,
      [ref],
    );
    return rows.length === 1 ? linkFromRow(rows[0]!) : null;
  }

  async list(): Promise<RedirectLink[]> {
    const rows = await this.query<LinkRow>('SELECT * FROM links ORDER BY created_at, id');
    return rows.map(linkFromRow);
  }

  async use(id: string, now: Date, click?: ClickDraft, counted?: () => void): Promise<UseResult> {
    const result = await this.count(id, now);
    if (click) {
      await this.recordClick({
        ...click,
        linkId: id,
        at: now.toISOString(),
        outcome: result.ok ? 'redirected' : result.outcome,
      });
    }
    if (result.ok) counted?.();
    return result;
  }

  private async count(id: string, now: Date): Promise<UseResult> {
    // One statement: the conditional update, and (only when it counted nothing) the row as it was,
    // to say why. Under concurrency PostgreSQL re-checks the WHERE on the newest row version after
    // waiting for its lock, so `uses < max_uses` holds exactly across instances.
    const rows = await this.query<LinkRow & { counted_now: boolean }>(
      `WITH counted AS (
         UPDATE links SET uses = uses + 1, last_click_at = $1
         WHERE id = $2 AND revoked_at IS NULL
           AND (valid_from IS NULL OR valid_from <= $1)
           AND (valid_until IS NULL OR valid_until > $1)
           AND (max_uses IS NULL OR uses < max_uses)
         RETURNING *
       )
       SELECT true AS counted_now, * FROM counted
       UNION ALL
       SELECT false AS counted_now, * FROM links
       WHERE id = $2 AND NOT EXISTS (SELECT 1 FROM counted)`,
      [now.toISOString(), id],
    );
    const row = rows[0];
    if (row?.counted_now) return { ok: true, link: linkFromRow(row) };
    // Gone between the lookup and the click: as SQLite's store says.
    return { ok: false, outcome: row ? refusalOf(linkFromRow(row), now) : 'revoked' };
  }

  revoke(id: string, now: Date): Promise<boolean> {
    return this.change('UPDATE links SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [
      now.toISOString(),
      id,
    ]);
  }

  rehash(id: string, hash: string): Promise<boolean> {
    return this.change('UPDATE links SET hash = $1 WHERE id = $2', [hash, id]);
  }

  remove(id: string): Promise<boolean> {
    return this.change('DELETE FROM links WHERE id = $1', [id]);
  }

  async recordClick(click: ClickRecord): Promise<void> {
    await this.query(
      'INSERT INTO clicks (link_id, at, outcome, kid, jti, client, agent) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [click.linkId, click.at, click.outcome, click.kid, click.jti, click.client, click.agent],
    );
  }

  async clicks(options: { linkId?: string; limit?: number } = {}): Promise<ClickRecord[]> {
    const limit = options.limit ?? 1000;
    const rows = options.linkId
      ? await this.query<ClickRow>(
          'SELECT * FROM clicks WHERE link_id = $1 ORDER BY id DESC LIMIT $2',
          [options.linkId, limit],
        )
      : await this.query<ClickRow>('SELECT * FROM clicks ORDER BY id DESC LIMIT $1', [limit]);
    return rows.map(clickFromRow);
  }

  async recordDecision(decision: HookDecision): Promise<void> {
    await this.query(
      `INSERT INTO hook_decisions (${DECISION_COLUMNS.join(', ')})
       VALUES (${DECISION_COLUMNS.map((_, n) => `$${n + 1}`).join(', ')})`,
      decisionValues(decision),
    );
  }

  async decisions(options: { limit?: number } = {}): Promise<HookDecision[]> {
    const rows = await this.query<DecisionRow>(
      'SELECT * FROM hook_decisions ORDER BY id DESC LIMIT $1',
      [options.limit ?? 1000],
    );
    return rows.map(decisionFromRow);
  }

  /** Closes every connection; later calls do nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async query<R extends object = Record<string, unknown>>(
    sql: string,
    values: unknown[] = [],
  ): Promise<R[]> {
    try {
      return (await this.pool.query<R & pg.QueryResultRow>(sql, values)).rows;
    } catch (error) {
      throw this.readable(error);
    }
  }

  private async change(sql: string, values: unknown[]): Promise<boolean> {
    try {
      return ((await this.pool.query(sql, values)).rowCount ?? 0) > 0;
    } catch (error) {
      throw this.readable(error);
    }
  }

  private async transaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw this.readable(error);
    }
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      // A connection whose transaction could not be ended is not given back to the pool.
      await client.query('ROLLBACK').then(
        () => client.release(),
        () => client.release(true),
      );
      throw this.readable(error);
    }
  }

  /** Keycast's own errors and constraint violations (the caller names the clash) pass unchanged. */
  private readable(error: unknown): unknown {
    if (error instanceof KeycastError || isConstraintViolation(error)) return error;
    if (isConnectionFailure(error)) return unreachable(this.server, this.password, error);
    return new StorageError(
      `Keycast could not use its PostgreSQL database ${this.server} (${detailOf(error, this.password)}): check that this user may create and change tables there.`,
      { cause: error },
    );
  }
}

/** Brings the shared database to this Keycast's schema version, inside the schema transaction. */
async function migrate(client: pg.PoolClient, server: string): Promise<void> {
  await client.query('CREATE TABLE IF NOT EXISTS keycast_schema (version INTEGER NOT NULL)');
  const rows = (await client.query<{ version: number }>('SELECT version FROM keycast_schema')).rows;
  const current = rows.length ? Math.max(...rows.map((r) => Number(r.version))) : 0;
  if (current > POSTGRES_SCHEMA_VERSION) {
    throw new StorageError(
      `The PostgreSQL database ${server} was written by a newer Keycast (schema ${current}; this version knows up to ${POSTGRES_SCHEMA_VERSION}): update Keycast on every server that shares it. Nothing was changed.`,
    );
  }
  if (current === POSTGRES_SCHEMA_VERSION && rows.length === 1) return;
  for (let version = current; version < POSTGRES_SCHEMA_VERSION; version += 1) {
    await client.query(POSTGRES_MIGRATIONS[version]!);
  }
  await client.query('DELETE FROM keycast_schema');
  await client.query('INSERT INTO keycast_schema (version) VALUES ($1)', [POSTGRES_SCHEMA_VERSION]);
}

/**
 * Checks a postgres:// URL as far as it can be checked without connecting, and names its server
 * as "user@host:port/database": what a message may show of it (never the password, never the
 * query string, which may carry one).
 */
export function describeServer(url: string): { server: string; password: string } {
  const parsed = parseUrl(url);
  if (!parsed || !/^postgres(ql)?:$/i.test(parsed.protocol)) {
    throw new InputError(
      'The --db URL (or KEYCAST_DB) is not a PostgreSQL URL Keycast can read: write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE, with special characters in the password percent-encoded.',
    );
  }
  // The raw (percent-encoded) forms: nothing in them can move a terminal's cursor.
  const socket = parsed.searchParams.get('host');
  const host = parsed.hostname || (socket ? encodeURIComponent(socket) : 'localhost');
  const database = parsed.pathname.replace(/^\//, '') || parsed.username || 'postgres';
  const user = parsed.username ? `${parsed.username}@` : '';
  return {
    server: `${user}${host}:${parsed.port || '5432'}/${database}`,
    password: decodeURIComponent(parsed.password),
  };
}

function parseUrl(url: string): URL | null {
  try {
    const parsed = new URL(url);
    // pg decodes these; a malformed escape would only surface later as a confusing failure.
    for (const part of [parsed.username, parsed.password, parsed.pathname])
      decodeURIComponent(part);
    return parsed;
  } catch {
    return null;
  }
}

/** Error codes and classes that mean the server could not be reached or would not let us in. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOENT',
  'EACCES',
]);
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be looked up',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ENOENT: 'no server socket there',
  EACCES: 'permission denied',
  '28P01': 'the password was refused',
  '28000': 'the server refused this user',
  '3D000': 'the database does not exist',
  '53300': 'the server has too many connections',
  '57P01': 'the server is shutting down',
  '57P02': 'the server is shutting down',
  '57P03': 'the server is not accepting connections yet',
};

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function isConstraintViolation(error: unknown): boolean {
  return /^23[0-9A-Z]{3}$/.test(codeOf(error));
}

function isConnectionFailure(error: unknown): boolean {
  const code = codeOf(error);
  if (NETWORK_CODES.has(code) || code.startsWith('08') || code.startsWith('28')) return true;
  if (code in REASONS) return true;
  const message = error instanceof Error ? error.message : '';
  // pg's own words for a connection that timed out, died, or was asked for a password it lacks.
  return /^(Connection terminated|timeout expired|SASL: )|Client has encountered a connection error|password must be a string/i.test(
    message,
  );
}

function unreachable(server: string, password: string, cause: unknown): StorageError {
  return new StorageError(
    `Keycast could not connect to the PostgreSQL server ${server} (${REASONS[codeOf(cause)] ?? detailOf(cause, password)}): check that the server is running and that --db or KEYCAST_DB names it, with the right user and password.`,
    { cause },
  );
}

/** The error's own words, on one line, without the password should a driver ever repeat it. */
function detailOf(error: unknown, password: string): string {
  let text = (error instanceof Error ? error.message : String(error)) || 'unknown error';
  if (password) text = text.split(password).join('***');
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}
