import { chmodSync, closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { KeycastError, StorageError } from '../errors.ts';
import { isDamage, recoverDamaged, restoreMissing, Snapshots } from './recovery.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.ts';

export const DATABASE_FILE = 'keycast.db';
/** How long a writer waits for another process's transaction before giving up. */
export const BUSY_TIMEOUT_MS = 20_000;

export type Warn = (message: string) => void;

/**
 * Runs once per new database, inside the transaction that creates the vault id: returns the
 * vault id to use (an old keycast.json's, so its keychain items still match) or null for a new one.
 */
export type FirstOpen = (db: DatabaseSync) => string | null;

export interface OpenOptions {
  warn: Warn;
  firstOpen?: FirstOpen;
  createVaultId: () => string;
}

/**
 * The local database (SQLite through node:sqlite): WAL, a busy timeout so concurrent writers wait
 * for each other, foreign keys on, mode 0600. Every change runs in `transaction`.
 */
export class Database {
  readonly dir: string;
  readonly path: string;
  readonly vaultId: string;
  readonly db: DatabaseSync;
  private readonly snapshots: Snapshots;
  private readonly warn: Warn;
  private depth = 0;
  private readonly statements = new Map<string, StatementSync>();

  private constructor(
    dir: string,
    db: DatabaseSync,
    vaultId: string,
    snapshots: Snapshots,
    warn: Warn,
  ) {
    this.dir = dir;
    this.path = join(dir, DATABASE_FILE);
    this.db = db;
    this.vaultId = vaultId;
    this.snapshots = snapshots;
    this.warn = warn;
  }

  static open(dir: string, options: OpenOptions): Database {
    createFolder(dir);
    const path = join(dir, DATABASE_FILE);
    const snapshots = new Snapshots(dir, options.warn);
    if (!existsSync(path)) restoreMissing(path, snapshots, options.warn);
    const created = !existsSync(path);
    let db: DatabaseSync;
    try {
      db = openChecked(path);
    } catch (error) {
      if (!isDamage(error)) throw error;
      recoverDamaged(path, snapshots, options.warn);
      db = openChecked(path);
    }
    try {
      db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;');
      migrate(db);
      const vaultId = inTransaction(db, () => vaultIdOf(db, options));
      return new Database(dir, db, vaultId, snapshots, options.warn);
    } catch (error) {
      db.close();
      // A database this open created and could not finish (an unreadable keycast.json) is removed:
      // the folder is left as it was found.
      if (created)
        for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
      throw error instanceof StorageError ? error : storageFailure(path, error);
    }
  }

  /**
   * One change, all or nothing. Write transactions take the write lock at once (BEGIN IMMEDIATE),
   * so a process never reads, waits, then writes over another's change. Nested calls join the outer one.
   */
  transaction<T>(change: () => T): T {
    if (this.depth > 0) return change();
    this.depth += 1;
    let result: T;
    try {
      result = inTransaction(this.db, change);
    } catch (error) {
      throw this.readable(error);
    } finally {
      this.depth -= 1;
    }
    // After the commit nothing may turn a saved change into a reported failure.
    try {
      this.snapshots.afterChange(this.db);
    } catch {
      this.warn(`Keycast could not schedule a snapshot of ${this.path}; your change was saved.`);
    }
    return result;
  }

  /**
   * A statement compiled once per connection: hot paths (a click, an activity record) run the
   * same few statements, and compiling them each time costs more than running them.
   */
  prepared(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** A query; a database failure becomes one readable sentence. */
  read<T>(query: () => T): T {
    try {
      return query();
    } catch (error) {
      throw this.readable(error);
    }
  }

  /** Keycast's own errors and constraint violations (the caller names the clash) pass unchanged. */
  private readable(error: unknown): unknown {
    if (error instanceof KeycastError || isConstraintViolation(error)) return error;
    return storageFailure(this.path, error);
  }

  /** Waits for a snapshot under way, then closes the database. */
  async close(): Promise<void> {
    await this.snapshots.flush(this.db);
    if (this.db.isOpen) this.db.close();
  }

  /**
   * For a server counting clicks: commits are written to the WAL without waiting for the disk
   * (`synchronous = NORMAL`). A crash of the process loses nothing; a power cut may lose the last
   * clicks and use counts before a checkpoint, never the database. Key changes made through this
   * connection are as safe as before against everything but a power cut.
   */
  preferThroughput(): void {
    this.db.exec('PRAGMA synchronous = NORMAL');
  }

  /** `PRAGMA integrity_check`: an empty list when the database is sound. */
  integrityProblems(): string[] {
    return integrityProblems(this.db);
  }

  get schemaVersion(): number {
    return userVersion(this.db);
  }
}

function createFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new StorageError(
      `Keycast cannot create its data folder ${dir}: check the path and its permissions.`,
      { cause },
    );
  }
}

/** Opens (creating it 0600 first, so SQLite's -wal and -shm files get the same mode) and checks it. */
function openChecked(path: string): DatabaseSync {
  if (!existsSync(path)) {
    try {
      closeSync(openSync(path, 'a', 0o600));
      chmodSync(path, 0o600);
    } catch (cause) {
      throw storageFailure(path, cause);
    }
  }
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS });
  } catch (cause) {
    if (isDamage(cause)) throw cause;
    throw storageFailure(path, cause);
  }
  try {
    const version = userVersion(db);
    if (version > SCHEMA_VERSION) {
      throw new StorageError(
        `This data folder was written by a newer Keycast (database schema ${version}; this version knows up to ${SCHEMA_VERSION}): update Keycast to use it. Nothing was changed.`,
      );
    }
    const problems = integrityProblems(db);
    if (problems.length > 0) throw Object.assign(new Error(problems.join('; ')), { errcode: 11 });
    return db;
  } catch (error) {
    db.close();
    if (error instanceof StorageError || isDamage(error)) throw error;
    throw storageFailure(path, error);
  }
}

function userVersion(db: DatabaseSync): number {
  return Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
}

function integrityProblems(db: DatabaseSync): string[] {
  return (db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[])
    .map((row) => row.integrity_check)
    .filter((line) => line !== 'ok');
}

function migrate(db: DatabaseSync): void {
  if (userVersion(db) === SCHEMA_VERSION) return;
  inTransaction(db, () => {
    // Another process may have migrated while this one waited for the lock.
    for (let version = userVersion(db); version < SCHEMA_VERSION; version += 1) {
      db.exec(MIGRATIONS[version]!);
    }
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  });
}

function vaultIdOf(db: DatabaseSync, options: OpenOptions): string {
  const row = db.prepare("SELECT value FROM meta WHERE name = 'vault_id'").get() as
    { value: string } | undefined;
  if (row) return row.value;
  const vaultId = options.firstOpen?.(db) ?? options.createVaultId();
  db.prepare("INSERT INTO meta (name, value) VALUES ('vault_id', ?)").run(vaultId);
  return vaultId;
}

function inTransaction<T>(db: DatabaseSync, change: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = change();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

export function storageFailure(path: string, cause: unknown): StorageError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new StorageError(
    `Keycast could not use its database ${path} (${detail}): check free disk space and the folder's permissions.`,
    { cause },
  );
}

const SQLITE_CONSTRAINT = 19;

/** A UNIQUE, foreign key or trigger refusal: the change clashed with data already there. */
export function isConstraintViolation(error: unknown): boolean {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' && (code & 0xff) === SQLITE_CONSTRAINT;
}
