import type { DatabaseSync } from 'node:sqlite';

/**
 * The rotations table (schema 5): one row per rotation, one `rotation_steps` row per step done,
 * with the platform's ids. Plain SQL over the vault's database, with no import of the vault
 * itself, so the vault can ask it (who succeeds a retiring key, until when it retires).
 */

/** `overlap`: the platform holds both keys for a while. `confirm`: it holds one; a person switches. */
export type RotationMode = 'overlap' | 'confirm';

/**
 * Where a predecessor's public part lives and what a rotation does there. `local`: nowhere
 * outside this vault (keycast serve's JWKS, the verify hooks and `keys export` follow the records).
 */
export const ROTATION_PLATFORMS = [
  'kinescope',
  'nativeframe',
  'frameable',
  'antmedia',
  'vonage',
  'local',
] as const;
export type RotationPlatform = (typeof ROTATION_PLATFORMS)[number];

/** What a rotation remembers between runs: nothing secret (an API address, issuer settings). */
export interface RotationParams {
  apiUrl?: string;
  nativeframe?: { projectId: string; aud: string[]; roles: string[] };
  /** Kinescope's expires_at for the successor's upload. */
  uploadExpiresAt?: string;
  /** The successor was imported (`keys import --replaces`), e.g. a private.key made by Vonage. */
  importedSuccessor?: boolean;
}

export interface RotationRow {
  id: string;
  name: string;
  predecessorId: string;
  successorId: string;
  mode: RotationMode;
  platforms: RotationPlatform[];
  params: RotationParams;
  overlapSeconds: number;
  createdAt: string;
  /** The switch happens at or after this time (`--at`; the start time otherwise). */
  switchAt: string;
  switchedAt: string | null;
  /** The end of the overlap: the predecessor is retired at or after it. */
  retireAfter: string | null;
  completedAt: string | null;
  lastError: string | null;
  updatedAt: string;
}

export interface StepRow {
  step: string;
  doneAt: string;
  remoteIds: string[];
}

interface RawRotation {
  id: string;
  name: string;
  predecessor_id: string;
  successor_id: string;
  mode: string;
  platforms: string;
  params: string;
  overlap_seconds: number;
  created_at: string;
  switch_at: string;
  switched_at: string | null;
  retire_after: string | null;
  completed_at: string | null;
  last_error: string | null;
  updated_at: string;
}

function fromRow(row: RawRotation): RotationRow {
  return {
    id: row.id,
    name: row.name,
    predecessorId: row.predecessor_id,
    successorId: row.successor_id,
    mode: row.mode as RotationMode,
    platforms: JSON.parse(row.platforms) as RotationPlatform[],
    params: JSON.parse(row.params) as RotationParams,
    overlapSeconds: Number(row.overlap_seconds),
    createdAt: row.created_at,
    switchAt: row.switch_at,
    switchedAt: row.switched_at,
    retireAfter: row.retire_after,
    completedAt: row.completed_at,
    lastError: row.last_error,
    updatedAt: row.updated_at,
  };
}

export function insertRotation(db: DatabaseSync, rotation: RotationRow): void {
  db.prepare(
    `INSERT INTO rotations (id, name, predecessor_id, successor_id, mode, platforms, params,
       overlap_seconds, created_at, switch_at, switched_at, retire_after, completed_at, last_error,
       updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    rotation.id,
    rotation.name,
    rotation.predecessorId,
    rotation.successorId,
    rotation.mode,
    JSON.stringify(rotation.platforms),
    JSON.stringify(rotation.params),
    rotation.overlapSeconds,
    rotation.createdAt,
    rotation.switchAt,
    rotation.switchedAt,
    rotation.retireAfter,
    rotation.completedAt,
    rotation.lastError,
    rotation.updatedAt,
  );
}

export function rotationById(db: DatabaseSync, id: string): RotationRow | null {
  const row = db.prepare('SELECT * FROM rotations WHERE id = ?').get(id) as RawRotation | undefined;
  return row ? fromRow(row) : null;
}

/** Unfinished rotations, oldest first. */
export function openRotations(db: DatabaseSync): RotationRow[] {
  return (
    db
      .prepare('SELECT * FROM rotations WHERE completed_at IS NULL ORDER BY created_at, id')
      .all() as unknown as RawRotation[]
  ).map(fromRow);
}

/** Every rotation, newest first (history for the app and `keys show`). */
export function allRotations(db: DatabaseSync): RotationRow[] {
  return (
    db
      .prepare('SELECT * FROM rotations ORDER BY created_at DESC, id')
      .all() as unknown as RawRotation[]
  ).map(fromRow);
}

/** The unfinished rotation a key takes part in, as predecessor or successor. */
export function openRotationOf(db: DatabaseSync, keyId: string): RotationRow | null {
  const row = db
    .prepare(
      `SELECT * FROM rotations WHERE completed_at IS NULL AND (predecessor_id = ? OR successor_id = ?)
       ORDER BY predecessor_id = ? DESC, created_at DESC LIMIT 1`,
    )
    .get(keyId, keyId, keyId) as RawRotation | undefined;
  return row ? fromRow(row) : null;
}

/** The rotation that retires (or retired) this key, if any: the newest. */
export function rotationRetiring(db: DatabaseSync, keyId: string): RotationRow | null {
  const row = db
    .prepare('SELECT * FROM rotations WHERE predecessor_id = ? ORDER BY created_at DESC LIMIT 1')
    .get(keyId) as RawRotation | undefined;
  return row ? fromRow(row) : null;
}

/** The rotation that made this key the signer (switched), if any: the newest. */
export function rotationInto(db: DatabaseSync, keyId: string): RotationRow | null {
  const row = db
    .prepare(
      `SELECT * FROM rotations WHERE successor_id = ? AND switched_at IS NOT NULL
       ORDER BY switched_at DESC LIMIT 1`,
    )
    .get(keyId) as RawRotation | undefined;
  return row ? fromRow(row) : null;
}

export function stepsOf(db: DatabaseSync, rotationId: string): StepRow[] {
  return (
    db
      .prepare(
        'SELECT step, done_at, remote_ids FROM rotation_steps WHERE rotation_id = ? ORDER BY done_at, rowid',
      )
      .all(rotationId) as { step: string; done_at: string; remote_ids: string }[]
  ).map((row) => ({
    step: row.step,
    doneAt: row.done_at,
    remoteIds: JSON.parse(row.remote_ids) as string[],
  }));
}

/** Records a step as done; recording it again changes nothing (the first time stands). */
export function markStep(
  db: DatabaseSync,
  rotationId: string,
  step: string,
  at: string,
  remoteIds: readonly string[] = [],
): void {
  db.prepare(
    'INSERT OR IGNORE INTO rotation_steps (rotation_id, step, done_at, remote_ids) VALUES (?, ?, ?, ?)',
  ).run(rotationId, step, at, JSON.stringify(remoteIds));
  db.prepare('UPDATE rotations SET updated_at = ?, last_error = NULL WHERE id = ?').run(
    at,
    rotationId,
  );
}

export function updateRotation(
  db: DatabaseSync,
  id: string,
  changes: Partial<
    Pick<
      RotationRow,
      'name' | 'switchedAt' | 'retireAfter' | 'completedAt' | 'lastError' | 'params' | 'updatedAt'
    >
  >,
): void {
  const columns: Record<string, string | null> = {};
  if (changes.name !== undefined) columns.name = changes.name;
  if ('switchedAt' in changes) columns.switched_at = changes.switchedAt ?? null;
  if ('retireAfter' in changes) columns.retire_after = changes.retireAfter ?? null;
  if ('completedAt' in changes) columns.completed_at = changes.completedAt ?? null;
  if ('lastError' in changes) columns.last_error = changes.lastError ?? null;
  if ('params' in changes) columns.params = JSON.stringify(changes.params ?? {});
  if ('updatedAt' in changes) columns.updated_at = changes.updatedAt ?? null;
  const names = Object.keys(columns);
  if (names.length === 0) return;
  db.prepare(`UPDATE rotations SET ${names.map((n) => `${n} = ?`).join(', ')} WHERE id = ?`).run(
    ...names.map((n) => columns[n]!),
    id,
  );
}

/** What the vault says when a retiring key is asked to sign or to be deleted. */
export interface RetiringInfo {
  successorName: string | null;
  retireAfter: string | null;
}

export function retiringInfo(db: DatabaseSync, keyId: string): RetiringInfo {
  const row = db
    .prepare(
      `SELECT k.name AS successor_name, r.retire_after AS retire_after
       FROM rotations r LEFT JOIN keys k ON k.id = r.successor_id
       WHERE r.predecessor_id = ? ORDER BY r.created_at DESC LIMIT 1`,
    )
    .get(keyId) as { successor_name: string | null; retire_after: string | null } | undefined;
  return { successorName: row?.successor_name ?? null, retireAfter: row?.retire_after ?? null };
}

export interface PolicyRow {
  keyId: string;
  rotateEverySeconds: number;
  overlapSeconds: number | null;
  params: RotationParams;
  updatedAt: string;
}

export function policyOf(db: DatabaseSync, keyId: string): PolicyRow | null {
  const row = db.prepare('SELECT * FROM key_policies WHERE key_id = ?').get(keyId) as
    RawPolicy | undefined;
  return row ? policyFromRow(row) : null;
}

export function allPolicies(db: DatabaseSync): PolicyRow[] {
  return (
    db.prepare('SELECT * FROM key_policies ORDER BY key_id').all() as unknown as RawPolicy[]
  ).map(policyFromRow);
}

export function savePolicy(db: DatabaseSync, policy: PolicyRow): void {
  db.prepare(
    `INSERT OR REPLACE INTO key_policies (key_id, rotate_every, overlap_seconds, params, updated_at)
     VALUES (?, ?, ?, ?, ?)`,
  ).run(
    policy.keyId,
    policy.rotateEverySeconds,
    policy.overlapSeconds,
    JSON.stringify(policy.params),
    policy.updatedAt,
  );
}

export function deletePolicy(db: DatabaseSync, keyId: string): boolean {
  return Number(db.prepare('DELETE FROM key_policies WHERE key_id = ?').run(keyId).changes) > 0;
}

/** Moves a policy to another key (the successor at a switch), replacing any it had. */
export function movePolicy(db: DatabaseSync, fromKeyId: string, toKeyId: string): void {
  if (!policyOf(db, fromKeyId)) return;
  db.prepare('DELETE FROM key_policies WHERE key_id = ?').run(toKeyId);
  db.prepare('UPDATE key_policies SET key_id = ? WHERE key_id = ?').run(toKeyId, fromKeyId);
}

interface RawPolicy {
  key_id: string;
  rotate_every: number;
  overlap_seconds: number | null;
  params: string;
  updated_at: string;
}

function policyFromRow(row: RawPolicy): PolicyRow {
  return {
    keyId: row.key_id,
    rotateEverySeconds: Number(row.rotate_every),
    overlapSeconds: row.overlap_seconds === null ? null : Number(row.overlap_seconds),
    params: JSON.parse(row.params) as RotationParams,
    updatedAt: row.updated_at,
  };
}
