import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { KeyRecordSchema } from '../../../shared/keyRecord.ts';
import { StorageError } from '../errors.ts';
import { readRegularFile } from '../input.ts';
import { describeIssue, insertKey, quarantine, splitUnknownMembers } from './keyTable.ts';

/** The JSON files of Keycast 0.1 (the conf store): key records, and the app's settings. */
export const LEGACY_FILE = 'keycast.json';
export const LEGACY_BACKUP = 'keycast.json.bak';
export const LEGACY_SETTINGS = 'settings.json';
/** A vault of thousands of keys fits; a file the size of a disk image is not a vault. */
const LEGACY_MAX_BYTES = 64 * 1024 * 1024;

export interface LegacySummary {
  keys: number;
  quarantined: number;
}

/** Whether the folder holds data of an older Keycast (so a new vault id must not be made). */
export function hasLegacyData(dir: string): boolean {
  return [LEGACY_FILE, LEGACY_BACKUP].some((file) => existsSync(join(dir, file)));
}

/**
 * Imports keycast.json (or its backup when the file itself is damaged) inside the transaction
 * that creates the vault: same vault id, so every keychain item still matches. A record that fails
 * validation is quarantined with its reason, never a reason to drop the others. Returns the vault
 * id, or null when there is nothing to import.
 */
export function importLegacy(dir: string, db: DatabaseSync): string | null {
  if (!hasLegacyData(dir)) return null;
  const file = readLegacyVault(dir);
  const source = file.path;
  let keys = 0;
  let quarantined = 0;
  const hold = (kind: string, body: unknown, reason: string): void => {
    quarantine(db, { kind, body, reason, source });
    quarantined += 1;
  };
  // A member that is there but is not a list is kept whole, with its reason, never dropped.
  const listOf = (member: 'keys' | 'credentials' | 'templates'): unknown[] => {
    const value = file.data[member];
    if (value === undefined || Array.isArray(value)) return value ?? [];
    hold(member, value, `"${member}" is not a list`);
    return [];
  };
  for (const raw of listOf('keys')) {
    if (!isObject(raw)) {
      hold('key', raw, 'not a JSON object');
      continue;
    }
    const { known, extra } = splitUnknownMembers(raw);
    const parsed = KeyRecordSchema.safeParse(known);
    if (!parsed.success) {
      hold('key', raw, describeIssue(parsed.error.issues[0]));
      continue;
    }
    try {
      db.exec('SAVEPOINT legacy_key');
      insertKey(db, parsed.data, extra);
      db.exec('RELEASE legacy_key');
      keys += 1;
    } catch (error) {
      db.exec('ROLLBACK TO legacy_key');
      db.exec('RELEASE legacy_key');
      hold('key', raw, `clashes with another record (${(error as Error).message})`);
    }
  }
  const now = new Date().toISOString();
  for (const name of listOf('credentials')) {
    if (typeof name === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
      db.prepare('INSERT OR IGNORE INTO credentials (name, created_at) VALUES (?, ?)').run(
        name,
        now,
      );
    } else hold('credential', name, 'not a credential name');
  }
  for (const template of listOf('templates')) {
    const name = isObject(template) && typeof template.name === 'string' ? template.name : null;
    if (name === null) hold('template', template, 'has no name');
    else {
      // Stored as written: a template that fails validation is listed as broken, with its reason.
      const inserted = db
        .prepare('INSERT OR IGNORE INTO templates (name, body) VALUES (?, ?)')
        .run(name, JSON.stringify(template)).changes;
      if (Number(inserted) === 0) hold('template', template, `a second template named "${name}"`);
    }
  }
  db.prepare("INSERT INTO meta (name, value) VALUES ('legacy_import', ?)").run(
    JSON.stringify({ keys, quarantined, source, at: now }),
  );
  return file.data.vaultId as string;
}

/**
 * After the import committed: the old files are kept as `keycast.json.migrated-<timestamp>`. Only the
 * process that renames them says so (several may have raced to open the folder).
 */
export function retireLegacyFiles(
  dir: string,
  db: DatabaseSync,
  say: (line: string) => void,
): void {
  if (!existsSync(join(dir, LEGACY_FILE)) && !existsSync(join(dir, LEGACY_BACKUP))) return;
  const row = db.prepare("SELECT value FROM meta WHERE name = 'legacy_import'").get() as
    { value: string } | undefined;
  if (!row) return;
  const summary = JSON.parse(row.value) as LegacySummary;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let moved: string | null = null;
  for (const file of [LEGACY_FILE, LEGACY_BACKUP, LEGACY_SETTINGS]) {
    const from = join(dir, file);
    try {
      renameSync(from, `${from}.migrated-${stamp}`);
      if (file === LEGACY_FILE) moved = `${from}.migrated-${stamp}`;
    } catch {
      // Gone already: another process moved it.
    }
  }
  if (moved) {
    say(
      `Keycast moved ${summary.keys} key record(s) from keycast.json into its database${summary.quarantined ? `; ${summary.quarantined} record(s) could not be read and are quarantined (see keycast doctor)` : ''}; the old file is kept as ${moved}.`,
    );
  }
}

function readLegacyVault(dir: string): { path: string; data: Record<string, unknown> } {
  const problems: string[] = [];
  for (const file of [LEGACY_FILE, LEGACY_BACKUP]) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    try {
      const data: unknown = JSON.parse(readRegularFile(path, 'key list', LEGACY_MAX_BYTES));
      if (isObject(data) && typeof data.vaultId === 'string' && data.vaultId.length >= 8) {
        return { path, data };
      }
      problems.push(`${file} has no vault id`);
    } catch (error) {
      problems.push(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new StorageError(
    `Keycast found an older key list in ${dir} but cannot read it (${problems.join('; ')}): nothing was changed. Repair or restore keycast.json, then run Keycast again.`,
  );
}

/** The app's settings file of Keycast 0.1 (theme, default lifetimes, window placement). */
export function importLegacySettings(dir: string, db: DatabaseSync): void {
  const path = join(dir, LEGACY_SETTINGS);
  if (!existsSync(path)) return;
  try {
    const data: unknown = JSON.parse(readRegularFile(path, 'settings file'));
    if (!isObject(data)) return;
    for (const name of ['settings', 'window']) {
      if (data[name] !== undefined) {
        db.prepare('INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)').run(
          `app.${name}`,
          JSON.stringify(data[name]),
        );
      }
    }
  } catch {
    // Preferences only: a damaged settings file means default preferences, never a lost key.
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
