import type { SQLInputValue } from 'node:sqlite';
import { stringify } from 'csv-stringify/sync';
import type { ActivityRecord, ActivitySource, DetailValue } from '../../../shared/activity.ts';
import { InputError, NotFoundError } from '../errors.ts';
import { parseDuration } from '../time.ts';
import type { Vault } from '../vault/vault.ts';
import type { ActivityRow } from './activityChain.ts';

/** What `keycast activity` and the app's Activity screen filter by; every member optional. */
export interface ActivityFilter {
  /** ISO time: records at or after it. */
  since?: string;
  /** ISO time: records before it. */
  until?: string;
  /** Key ids and kids to match (a deleted key is still found by the id or kid given). */
  keys?: readonly string[];
  provider?: string;
  kind?: string;
  event?: string;
  source?: ActivitySource;
  /** Subject values as written in the records (plain values, or their `hmac:` hashes): any matches. */
  subjects?: readonly string[];
  /** Records with an id below this one (the next page of a newest-first list). */
  beforeId?: number;
  limit?: number;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 100_000;

/** `--since`: a date (2026-01-31), a date-time, or a duration back from now (7d, 12h). */
export function parseSince(text: string, now = new Date()): string {
  const trimmed = text.trim();
  if (/^\d+[smhd]?$/.test(trimmed)) {
    return new Date(now.getTime() - parseDuration(trimmed) * 1000).toISOString();
  }
  const parsed = new Date(/^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? `${trimmed}T00:00:00Z` : trimmed);
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed) || Number.isNaN(parsed.getTime())) {
    throw new InputError(
      `"${text}" is not a time to start from: give a date like 2026-01-31, a date-time like 2026-01-31T12:00:00Z, or a duration back from now like 7d.`,
    );
  }
  return parsed.toISOString();
}

/** A record count as a person types it: a whole number from 1 to MAX_LIMIT. */
export function parseLimit(text: string): number {
  const limit = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || limit < 1 || limit > MAX_LIMIT) {
    throw new InputError(`--limit must be a whole number from 1 to ${MAX_LIMIT}; got "${text}".`);
  }
  return limit;
}

/**
 * What `--key` (or the screen's key filter) matches: a key in the vault by its id and kid; a
 * deleted one by the id or kid given, or by the name it had.
 */
export function keyRefs(vault: Vault, ref: string): string[] {
  try {
    const record = vault.find(ref);
    return [record.id, record.kid];
  } catch (error) {
    if (error instanceof NotFoundError) return [ref, ...vault.activity.keyIdsNamed(ref)];
    throw error;
  }
}

/** The WHERE clause and its values for a filter (newest first, by id). */
export function whereOf(filter: ActivityFilter): { sql: string; values: SQLInputValue[] } {
  const clauses: string[] = [];
  const values: SQLInputValue[] = [];
  const add = (clause: string, ...v: SQLInputValue[]): void => {
    clauses.push(clause);
    values.push(...v);
  };
  if (filter.since) add('at >= ?', filter.since);
  if (filter.until) add('at < ?', filter.until);
  if (filter.keys && filter.keys.length > 0) {
    const marks = filter.keys.map(() => '?').join(', ');
    add(`(key_id IN (${marks}) OR kid IN (${marks}))`, ...filter.keys, ...filter.keys);
  }
  if (filter.provider) add('provider = ?', filter.provider);
  if (filter.kind) add('kind = ?', filter.kind);
  if (filter.event) add('event = ?', filter.event);
  if (filter.source) add('source = ?', filter.source);
  if (filter.subjects && filter.subjects.length > 0) {
    const marks = filter.subjects.map(() => '?').join(', ');
    add(
      `EXISTS (SELECT 1 FROM json_each(activity.subjects) WHERE value IN (${marks}))`,
      ...filter.subjects,
    );
  }
  if (filter.beforeId !== undefined) add('id < ?', filter.beforeId);
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', values };
}

export function recordFromRow(row: ActivityRow): ActivityRecord {
  return {
    id: Number(row.id),
    at: row.at,
    source: row.source as ActivitySource,
    event: row.event,
    keyId: row.key_id,
    kid: row.kid,
    provider: row.provider,
    kind: row.kind,
    jti: row.jti,
    subjects: parseObject(row.subjects) as Record<string, string> | null,
    expiresAt: row.expires_at,
    destination: row.destination,
    detail: (parseObject(row.detail) ?? {}) as Record<string, DetailValue>,
  };
}

/** A changed record may hold anything: the list still shows it (verify says what is wrong). */
function parseObject(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

export const CSV_COLUMNS = [
  'id',
  'at',
  'source',
  'event',
  'key_id',
  'kid',
  'provider',
  'kind',
  'jti',
  'subjects',
  'expires_at',
  'destination',
  'detail',
] as const;

/** Records as CSV with a header row; subjects and detail as `name=value` pairs joined by "; ". */
export function activityCsv(records: readonly ActivityRecord[]): string {
  const pairs = (object: Record<string, DetailValue> | null): string =>
    object
      ? Object.entries(object)
          .map(([k, v]) => `${k}=${v === null ? '' : String(v)}`)
          .join('; ')
      : '';
  return stringify(
    records.map((r) => [
      r.id,
      r.at,
      r.source,
      r.event,
      r.keyId ?? '',
      r.kid ?? '',
      r.provider ?? '',
      r.kind ?? '',
      r.jti ?? '',
      pairs(r.subjects),
      r.expiresAt ?? '',
      r.destination ?? '',
      pairs(r.detail),
    ]),
    // A name such as "=HYPERLINK(…)" must stay text when the file is opened in a spreadsheet.
    { header: true, columns: [...CSV_COLUMNS], escape_formulas: true },
  );
}
