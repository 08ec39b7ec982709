import type { KeyRecord } from '../../../shared/keyRecord.ts';
import type { Vault } from '../vault/vault.ts';
import { PLATFORM_NAMES } from './rotationPlatforms.ts';
import { openRotations, type RotationRow } from './rotationStore.ts';

/**
 * What the status report needs to know about rotations. The rotation engine owns its table; the
 * report reads it only through this view, so either side can change without the other.
 */
export interface RetiringKey {
  keyId: string;
  /** When the overlap ends and the key is to be retired (ISO 8601); null when not recorded. */
  overlapEndsAt: string | null;
}

export interface WaitingRotation {
  /** The key being replaced. */
  keyId: string;
  /** Since when the rotation waits (ISO 8601). */
  since: string;
  /** What the person is asked to do and how to confirm it, as a clause. */
  what: string;
}

export interface RotationView {
  retiring: RetiringKey[];
  waiting: WaitingRotation[];
}

export type RotationSource = (vault: Vault) => RotationView;

const isRetiring = (record: KeyRecord): boolean => record.status === 'retiring';

/** The rotations as far as the key records tell: keys marked retiring, with no overlap end. */
export const recordsOnly: RotationSource = (vault) => ({
  retiring: vault
    .list()
    .filter(isRetiring)
    .map((record) => ({ keyId: record.id, overlapEndsAt: null })),
  waiting: [],
});

/**
 * The rotation engine's table (schema 5): an unfinished rotation that has switched retires its
 * predecessor at `retire_after`; one on a one-key platform that has not switched waits for the
 * person to confirm the paste. A key marked retiring that no open rotation names is still listed.
 */
export const fromRotations: RotationSource = (vault) => {
  const open = vault.database.read(() => openRotations(vault.database.db));
  const retiring: RetiringKey[] = open
    .filter((r) => r.switchedAt !== null)
    .map((r) => ({ keyId: r.predecessorId, overlapEndsAt: r.retireAfter }));
  const named = new Set(retiring.map((r) => r.keyId));
  for (const orphan of recordsOnly(vault).retiring) {
    if (!named.has(orphan.keyId)) retiring.push(orphan);
  }
  const waiting = open
    .filter((r) => r.mode === 'confirm' && r.switchedAt === null)
    .map((r) => ({ keyId: r.predecessorId, since: r.createdAt, what: confirmation(r) }));
  return { retiring, waiting };
};

function confirmation(rotation: RotationRow): string {
  const where =
    rotation.platforms
      .filter((p) => p !== 'local')
      .map((p) => PLATFORM_NAMES[p])
      .join(' and ') || 'the platform';
  return `put the new key into ${where}, then confirm the paste in the app's Rotate wizard or with keycast keys rotate "${rotation.name}" --confirm-pasted`;
}

/** The source the CLI, the app and the reminders use. */
export const rotationSource: RotationSource = fromRotations;
