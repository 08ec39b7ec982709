import {
  DEFAULT_RETENTION_DAYS,
  MAX_RETENTION_DAYS,
  type ActivitySettings,
} from '../../../shared/activity.ts';
import { InputError } from '../errors.ts';
import type { SettingsTable } from '../vault/tables.ts';

const RETENTION_SETTING = 'activity.retentionDays';
const HASH_SETTING = 'activity.hashSubjects';
/** A process reads the settings again after this long: another process may have changed them. */
const SETTINGS_CACHE_MS = 5_000;

/**
 * The log's settings (retention, hashed subjects) in the vault's settings table, cached briefly.
 * Writes join the caller's transaction, so a change commits with its own activity record; the
 * caller calls `forget` once that transaction is done.
 */
export class ActivitySettingsStore {
  private readonly table: SettingsTable;
  private cached: { value: ActivitySettings; until: number } | null = null;

  constructor(table: SettingsTable) {
    this.table = table;
  }

  current(): ActivitySettings {
    const now = Date.now();
    if (this.cached && this.cached.until > now) return this.cached.value;
    const retention = this.table.get(RETENTION_SETTING);
    const value: ActivitySettings = {
      retentionDays: isRetention(retention) ? retention : DEFAULT_RETENTION_DAYS,
      hashSubjects: this.table.get(HASH_SETTING) === true,
    };
    this.cached = { value, until: now + SETTINGS_CACHE_MS };
    return value;
  }

  /** Expects days already checked with `checkRetention` (before the transaction is opened). */
  writeRetention(days: number): void {
    this.table.set(RETENTION_SETTING, days);
  }

  writeHashSubjects(on: boolean): void {
    this.table.set(HASH_SETTING, on);
  }

  forget(): void {
    this.cached = null;
  }
}

function isRetention(value: unknown): value is number {
  return (
    Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_RETENTION_DAYS
  );
}

export function checkRetention(days: unknown): void {
  if (!isRetention(days)) {
    throw new InputError(
      `The activity retention must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}; got ${String(days)}.`,
    );
  }
}
