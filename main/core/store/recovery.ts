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
 * (into a temporary file that must pass a check before it is renamed over the old one, so a reader
 * never sees half a snapshot and a damaged copy never replaces a good one). At most one a minute
 * while a process keeps changing things; a change made in between is snapshotted when the minute
 * is up or when the database is closed, whichever comes first.
 */
export class Snapshots {
  readonly path: string;
  private readonly warn: (message: string) => void;
  private pending: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  private lastTaken: number | null = null;

  constructor(dir: string, warn: (message: string) => void) {
    this.path = join(dir, SNAPSHOT_FILE);
    this.warn = warn;
  }

  afterChange(db: DatabaseSync, now = Date.now()): void {
    this.dirty = true;
    if (this.pending || this.timer) return;
    this.lastTaken ??= existsSync(this.path) ? statSync(this.path).mtimeMs : 0;
    const wait = this.lastTaken + SNAPSHOT_INTERVAL_MS - now;
    if (wait <= 0) this.take(db);
    else {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.dirty && db.isOpen) this.take(db);
      }, wait);
      this.timer.unref(); // a pending snapshot never keeps a process alive: close() takes it
    }
  }

  /** Takes the snapshot a recent change is still owed, and waits for it. */
  async flush(db: DatabaseSync): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pending;
    if (this.dirty && db.isOpen) {
      this.take(db);
      await this.pending;
    }
  }

  private take(db: DatabaseSync): void {
    this.dirty = false;
    this.lastTaken = Date.now();
    const temp = `${this.path}.${process.pid}.tmp`;
    this.pending = backup(db, temp)
      .then(() => {
        if (!isSound(temp)) throw new Error('the copy failed its check');
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

  /** Whether a snapshot exists and opens as a sound database. */
  isGood(): boolean {
    return existsSync(this.path) && isSound(this.path);
  }

  restoreTo(path: string): void {
    const temp = `${path}.${process.pid}.restore`;
    copyFileSync(this.path, temp);
    chmodSync(temp, 0o600);
    renameSync(temp, path);
  }
}

/** Whether a database file opens and passes `PRAGMA integrity_check`. */
function isSound(path: string): boolean {
  try {
    const db = new DatabaseSync(path, { readOnly: true });
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
  const taken = new Date(statSync(snapshots.path).mtimeMs).toISOString();
  snapshots.restoreTo(path);
  warn(
    `The database ${path} was damaged: it was moved to ${aside} and the last good snapshot (${taken}) was restored. Changes made after it may need to be made again; keycast doctor lists keychain items no record points to.`,
  );
}
