import type { DatabaseSync } from 'node:sqlite';
import type { KeyRecord, Upload } from '../../../shared/keyRecord.ts';
import { KeyRecordSchema } from '../../../shared/keyRecord.ts';
import { thumbprintOf } from '../keys/publicJwk.ts';

/** The key record's known members; anything else a record carries is kept in `extra`. */
const KNOWN_MEMBERS = new Set(Object.keys(KeyRecordSchema.shape));

interface KeyRow {
  id: string;
  name: string;
  kid: string;
  alg: string;
  public_jwk: string | null;
  created_at: string;
  expires_at: string | null;
  provider: string | null;
  notes: string;
  status: string;
  attributes: string;
  extra: string;
}

interface UploadRow {
  key_id: string;
  provider: string;
  remote_id: string;
  uploaded_at: string;
  expires_at: string | null;
}

/** A stored key: the record, plus members a newer Keycast wrote (kept for backups and re-export). */
export interface StoredKey {
  record: KeyRecord;
  extra: Record<string, unknown>;
}

export function thumbprintOfRecord(record: KeyRecord): string | null {
  if (!record.publicJwk) return null;
  const { kty, n, e, crv, x, y } = record.publicJwk;
  return thumbprintOf({ kty, n, e, crv, x, y });
}

/** Splits a record as read from JSON into what this version knows and what it keeps verbatim. */
export function splitUnknownMembers(input: Record<string, unknown>): {
  known: Record<string, unknown>;
  extra: Record<string, unknown>;
} {
  const known: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  for (const [member, value] of Object.entries(input)) {
    (KNOWN_MEMBERS.has(member) ? known : extra)[member] = value;
  }
  return { known, extra };
}

export function insertKey(
  db: DatabaseSync,
  record: KeyRecord,
  extra: Record<string, unknown> = {},
): void {
  db.prepare(
    `INSERT INTO keys (id, name, kid, alg, public_jwk, thumbprint, created_at, expires_at, provider,
       notes, status, attributes, extra)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    record.id,
    record.name,
    record.kid,
    record.alg,
    record.publicJwk ? JSON.stringify(record.publicJwk) : null,
    thumbprintOfRecord(record),
    record.createdAt,
    record.expiresAt,
    record.provider,
    record.notes,
    record.status,
    JSON.stringify(record.attributes ?? {}),
    JSON.stringify(extra),
  );
  replaceUploads(db, record.id, record.uploads ?? []);
}

function replaceUploads(db: DatabaseSync, keyId: string, uploads: readonly Upload[]): void {
  db.prepare('DELETE FROM uploads WHERE key_id = ?').run(keyId);
  const insert = db.prepare(
    'INSERT INTO uploads (key_id, provider, remote_id, uploaded_at, expires_at) VALUES (?, ?, ?, ?, ?)',
  );
  for (const u of uploads) insert.run(keyId, u.provider, u.remoteId, u.uploadedAt, u.expiresAt);
}

export function addUpload(db: DatabaseSync, keyId: string, upload: Upload): void {
  db.prepare(
    `INSERT OR REPLACE INTO uploads (key_id, provider, remote_id, uploaded_at, expires_at)
     VALUES (?, ?, ?, ?, ?)`,
  ).run(keyId, upload.provider, upload.remoteId, upload.uploadedAt, upload.expiresAt);
}

/** Forgets an upload wherever it is recorded; returns the key id it belonged to. */
export function removeUpload(db: DatabaseSync, provider: string, remoteId: string): string | null {
  const row = db
    .prepare('DELETE FROM uploads WHERE provider = ? AND remote_id = ? RETURNING key_id')
    .get(provider, remoteId) as { key_id: string } | undefined;
  return row?.key_id ?? null;
}

const SELECT_KEYS = 'SELECT * FROM keys';

/** All keys, oldest first, with their uploads. */
export function selectKeys(db: DatabaseSync, where = '', ...args: string[]): StoredKey[] {
  const rows = db
    .prepare(`${SELECT_KEYS} ${where} ORDER BY created_at, id`)
    .all(...args) as unknown as KeyRow[];
  if (rows.length === 0) return [];
  const uploads = new Map<string, Upload[]>();
  for (const u of db
    .prepare('SELECT * FROM uploads ORDER BY uploaded_at')
    .all() as unknown as UploadRow[]) {
    const list = uploads.get(u.key_id) ?? [];
    list.push({
      provider: u.provider,
      remoteId: u.remote_id,
      uploadedAt: u.uploaded_at,
      expiresAt: u.expires_at,
    });
    uploads.set(u.key_id, list);
  }
  return rows.flatMap((row) => {
    const stored = toStoredKey(row, uploads.get(row.id) ?? []);
    return 'reason' in stored ? [] : [stored];
  });
}

/** Rows that no longer read as a key record (edited by hand or by a broken tool), for `keycast doctor`. */
export function unreadableKeys(db: DatabaseSync): { id: string; reason: string }[] {
  const rows = db.prepare(SELECT_KEYS).all() as unknown as KeyRow[];
  return rows.flatMap((row) => {
    const stored = toStoredKey(row, []);
    return 'reason' in stored ? [{ id: row.id, reason: stored.reason }] : [];
  });
}

/** One key by id, kid or name, in that order of precedence. */
export function findKey(db: DatabaseSync, ref: string): StoredKey | undefined {
  for (const column of ['id', 'kid', 'name']) {
    const [found] = selectKeys(db, `WHERE ${column} = ?`, ref);
    if (found) return found;
  }
  return undefined;
}

function toStoredKey(row: KeyRow, uploads: Upload[]): StoredKey | { reason: string } {
  let attributes: Record<string, string>;
  let publicJwk: unknown;
  let extra: Record<string, unknown>;
  try {
    attributes = JSON.parse(row.attributes) as Record<string, string>;
    publicJwk = row.public_jwk ? JSON.parse(row.public_jwk) : null;
    extra = JSON.parse(row.extra) as Record<string, unknown>;
  } catch {
    return { reason: 'a JSON column does not parse' };
  }
  const parsed = KeyRecordSchema.safeParse({
    id: row.id,
    name: row.name,
    alg: row.alg,
    kid: row.kid,
    publicJwk,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    provider: row.provider,
    notes: row.notes,
    status: row.status,
    ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
    ...(uploads.length > 0 ? { uploads } : {}),
  });
  if (!parsed.success) return { reason: describeIssue(parsed.error.issues[0]) };
  return { record: parsed.data, extra };
}

/** A zod issue as a short phrase: "alg: Invalid option …". */
export function describeIssue(issue: { path: PropertyKey[]; message: string } | undefined): string {
  if (!issue) return 'it is not valid';
  return `${issue.path.map(String).join('.') || 'record'}: ${issue.message}`;
}

export interface QuarantinedRecord {
  id: number;
  kind: string;
  body: string;
  reason: string;
  source: string;
  quarantinedAt: string;
}

export function quarantine(
  db: DatabaseSync,
  entry: { kind: string; body: unknown; reason: string; source: string },
): void {
  db.prepare(
    'INSERT INTO quarantine (kind, body, reason, source, quarantined_at) VALUES (?, ?, ?, ?, ?)',
  ).run(
    entry.kind,
    JSON.stringify(entry.body),
    entry.reason,
    entry.source,
    new Date().toISOString(),
  );
}

export function selectQuarantine(db: DatabaseSync): QuarantinedRecord[] {
  return (
    db.prepare('SELECT * FROM quarantine ORDER BY id').all() as unknown as {
      id: number;
      kind: string;
      body: string;
      reason: string;
      source: string;
      quarantined_at: string;
    }[]
  ).map((r) => ({
    id: r.id,
    kind: r.kind,
    body: r.body,
    reason: r.reason,
    source: r.source,
    quarantinedAt: r.quarantined_at,
  }));
}

/** Removes one quarantined record (a person decided it is not needed); false when there is none. */
export function forgetQuarantined(db: DatabaseSync, id: number): boolean {
  return Number(db.prepare('DELETE FROM quarantine WHERE id = ?').run(id).changes) > 0;
}
