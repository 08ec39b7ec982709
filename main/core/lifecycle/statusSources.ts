import type { KeyRecord } from '../../../shared/keyRecord.ts';
import type { Vault } from '../vault/vault.ts';

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
  /** What the person is asked to confirm, e.g. "paste the new secret into Ant Media". */
  what: string;
}

export interface RotationView {
  retiring: RetiringKey[];
  waiting: WaitingRotation[];
}

export type RotationSource = (vault: Vault) => RotationView;

// The status enum gains 'retiring' with the rotation engine; compared as text until then.
const isRetiring = (record: KeyRecord): boolean => (record.status as string) === 'retiring';

/**
 * The rotations as far as the key records tell: keys marked retiring, with no overlap end and no
 * waiting confirmations (those live in the rotation engine's table). A source that reads that
 * table replaces this one in `rotationSource`.
 */
export const recordsOnly: RotationSource = (vault) => ({
  retiring: vault
    .list()
    .filter(isRetiring)
    .map((record) => ({ keyId: record.id, overlapEndsAt: null })),
  waiting: [],
});

/**
 * The source the CLI, the app and the reminders use. The seam for the rotation engine: point this
 * at a reader of its rotations table (retiring keys with their overlap end, confirmations waited for).
 */
export const rotationSource: RotationSource = recordsOnly;
