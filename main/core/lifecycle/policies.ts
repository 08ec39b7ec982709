import type { KeyRecord } from '../../../shared/keyRecord.ts';
import { InputError } from '../errors.ts';
import { savedIssuerSettings } from '../providers/nativeframe.ts';
import { formatSpan } from '../time.ts';
import type { Vault } from '../vault/vault.ts';
import { defaultOverlapSeconds, modeOf, platformsOf } from './rotationPlatforms.ts';
import {
  allPolicies,
  deletePolicy,
  policyOf,
  rotationInto,
  savePolicy,
  type PolicyRow,
  type RotationParams,
} from './rotationStore.ts';

/** A key's rotation policy as people and scripts see it. */
export interface PolicyView {
  keyId: string;
  name: string;
  rotateEverySeconds: number;
  /** null: the provider's longest token lifetime, worked out when the rotation starts. */
  overlapSeconds: number | null;
  /** Since when the key signs: its last switch, or its creation. */
  since: string;
  /** When `keycast maintain` starts the next rotation. */
  dueAt: string;
}

export interface PolicyInput {
  rotateEverySeconds: number;
  overlapSeconds?: number;
  /** What the rotation needs to reach the platform (API address, Native Frame issuer settings). */
  params?: RotationParams;
}

/**
 * Saves "rotate this key every N": checked now, so `keycast maintain` does not find out at 3 am
 * that the rotation cannot start (no overlap known, Native Frame settings missing).
 */
export function setPolicy(
  vault: Vault,
  ref: string,
  input: PolicyInput,
  now = new Date(),
): PolicyView {
  const record = vault.find(ref);
  if (record.status !== 'active') {
    throw new InputError(
      `Key "${record.name}" is ${record.status}: a policy belongs on the key that signs now.`,
    );
  }
  const platforms = platformsOf(record);
  const overlap =
    modeOf(platforms) === 'overlap'
      ? (input.overlapSeconds ?? defaultOverlapSeconds(vault, record))
      : 0;
  if (input.rotateEverySeconds <= overlap) {
    throw new InputError(
      `--rotate-every ${formatSpan(input.rotateEverySeconds)} is not longer than the overlap (${formatSpan(overlap)}): a new rotation would start before the last one ends. Rotate less often, or give a shorter --overlap.`,
    );
  }
  const issuer = record.uploads?.find((u) => u.provider === 'nativeframe')?.remoteId;
  const saved = issuer ? savedIssuerSettings(vault, issuer) : null;
  const params: RotationParams = {
    ...input.params,
    ...(input.params?.nativeframe || !saved ? {} : { nativeframe: saved }),
  };
  if (platforms.includes('nativeframe') && !params.nativeframe) {
    throw new InputError(
      `"${record.name}" is registered with a Native Frame issuer, which each rotation registers again: pass --project-id (and --aud, --role as registered).`,
    );
  }
  vault.write(() =>
    savePolicy(vault.database.db, {
      keyId: record.id,
      rotateEverySeconds: input.rotateEverySeconds,
      overlapSeconds: input.overlapSeconds ?? null,
      params,
      updatedAt: now.toISOString(),
    }),
  );
  return policyFor(vault, record.id)!;
}

export function clearPolicy(vault: Vault, ref: string): boolean {
  const record = vault.find(ref);
  return vault.write(() => deletePolicy(vault.database.db, record.id));
}

export function policyFor(vault: Vault, ref: string): PolicyView | null {
  const record = vault.find(ref);
  const row = vault.database.read(() => policyOf(vault.database.db, record.id));
  return row ? view(vault, record, row) : null;
}

/** Every policy with its key; policies of keys that are gone are dropped by the database. */
export function listPolicies(
  vault: Vault,
): { record: KeyRecord; row: PolicyRow; view: PolicyView }[] {
  const rows = vault.database.read(() => allPolicies(vault.database.db));
  return rows.map((row) => {
    const record = vault.find(row.keyId);
    return { record, row, view: view(vault, record, row) };
  });
}

/** Whether a policy's rotation is due at `now`: at its due time exactly, and after. */
export function isDue(policy: PolicyView, now: Date): boolean {
  return Date.parse(policy.dueAt) <= now.getTime();
}

function view(vault: Vault, record: KeyRecord, row: PolicyRow): PolicyView {
  const since =
    vault.database.read(() => rotationInto(vault.database.db, record.id))?.switchedAt ??
    record.createdAt;
  return {
    keyId: record.id,
    name: record.name,
    rotateEverySeconds: row.rotateEverySeconds,
    overlapSeconds: row.overlapSeconds,
    since,
    dueAt: new Date(Date.parse(since) + row.rotateEverySeconds * 1000).toISOString(),
  };
}
