import { chmodSync, copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { backup, DatabaseSync } from 'node:sqlite';
import { StorageError } from '../errors.ts';

export const SNAPSHOT_FILE = 'keycast.db.last-good';
/** At most one snapshot a minute: enough to lose at most a minute of changes to a damaged disk. */
export const SNAPSHOT_INTERVAL_MS = 60_000;

const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

/** SQLite said the file is damaged or is not a database at all (as opposed to locked or unreadable). */
export function isDamage(error: unknown): boolean {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' && [SQLITE_CORRUPT, SQLITE_NOTADB].includes(code & 0xff);
}

const stamp = (): string => new Date().toISOString().replace(/[:.]/g, '-');

/**
 * The last good copy of the database, taken with SQLite's online backup after successful changes
 * (into a temporary file, then renamed, so a reader never sees half a snapshot).
 */
export class Snapshots {
  readonly path: string;
  private readonly warn: (message: string) => void;
  private pending: Promise<void> | null = null;
  private lastTaken = 0;

  constructor(dir: string, warn: (message: string) => void) {
    this.path = join(dir, SNAPSHOT_FILE);
    this.warn = warn;
  }

  afterChange(db: DatabaseSync, now = Date.now()): void {
    if (this.pending || now - this.lastTaken < SNAPSHOT_INTERVAL_MS) return;
    this.lastTaken = now;
    if (existsSync(this.path) && now - statSync(this.path).mtimeMs < SNAPSHOT_INTERVAL_MS) return;
    const temp = `${this.path}.${process.pid}.tmp`;
    this.pending = backup(db, temp)
      .then(() => {
        chmodSync(temp, 0o600);
        renameSync(temp, this.path);
      })
      .catch(() => {
        rmSync(temp, { force: true });
        this.warn(
          `Keycast could not update its snapshot ${this.path}; your change itself was saved.`,
        );
      })
      .finally(() => {
        this.pending = null;
      });
  }

  idle(): Promise<void> {
    return this.pending ?? Promise.resolve();
  }

  /** Whether a snapshot exists and opens as a sound database. */
  isGood(): boolean {
    if (!existsSync(this.path)) return false;
    try {
      const db = new DatabaseSync(this.path, { readOnly: true });
      try {
        const rows = db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[];
        return rows.length === 1 && rows[0]!.integrity_check === 'ok';
      } finally {
        db.close();
      }
    } catch {
      return false;
    }
  }

  restoreTo(path: string): void {
    const temp = `${path}.${process.pid}.restore`;
    copyFileSync(this.path, temp);
    chmodSync(temp, 0o600);
    renameSync(temp, path);
  }
}

/** The database file is gone but a snapshot is there: bring it back rather than start an empty vault. */
export function restoreMissing(
  path: string,
  snapshots: Snapshots,
  warn: (m: string) => void,
): void {
  if (!snapshots.isGood()) return;
  for (const suffix of ['-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  snapshots.restoreTo(path);
  warn(
    `The database ${path} was missing; it was restored from the last good snapshot ${snapshots.path}.`,
  );
}

/**
 * A damaged database is moved aside (with its WAL) and the last good snapshot restored, with a
 * warning. Without a good snapshot nothing is moved or emptied: the user is told what to do.
 */
export function recoverDamaged(
  path: string,
  snapshots: Snapshots,
  warn: (m: string) => void,
): void {
  if (!snapshots.isGood()) {
    throw new StorageError(
      `The database ${path} is damaged and there is no good snapshot to restore: it was left as it is. Restore an encrypted backup into a new data folder (keycast restore FILE --home DIR), or move the file aside to start a new vault; the private keys are still in the system keychain.`,
    );
  }
  const aside = `${path}.damaged-${stamp()}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    // Another process moved it first and restored the snapshot: use what it restored.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(`${path}${suffix}`)) renameSync(`${path}${suffix}`, `${aside}${suffix}`);
  }
  snapshots.restoreTo(path);
  warn(
    `The database ${path} was damaged: it was moved to ${aside} and the last good snapshot was restored. Keys added in the minute before the snapshot may need to be imported again (keycast doctor lists keychain items no record points to).`,
  );
}
