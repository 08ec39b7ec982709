import type { KeyRecord } from '../../../shared/keyRecord.ts';
import type { Vault } from '../vault/vault.ts';
import { openRotations } from './rotationStore.ts';

/**
 * The keys a verifier of `record`'s tokens should hold now: the key itself, a successor already
 * published ahead of its switch, and predecessors still retiring (their tokens are still in
 * use). `keys export <name> --format jwks` and `keycast serve --jwks-key <name>` publish these,
 * so both keys are there for the whole overlap. The signing key comes first.
 */
export function verificationFamily(vault: Vault, record: KeyRecord): KeyRecord[] {
  const rotations = vault.database.read(() => openRotations(vault.database.db));
  const family = new Map<string, KeyRecord>([[record.id, record]]);
  const add = (id: string): void => {
    if (family.has(id)) return;
    try {
      const found = vault.find(id);
      if (found.status !== 'retired') family.set(found.id, found);
    } catch {
      // A key deleted by hand (--force) is simply not published.
    }
  };
  for (const rotation of rotations) {
    if (rotation.predecessorId === record.id && !rotation.switchedAt && rotation.mode === 'overlap')
      add(rotation.successorId);
    if (rotation.successorId === record.id && rotation.switchedAt) add(rotation.predecessorId);
  }
  return [...family.values()];
}

/** Every named key with its family, each key once: what a JWKS of several names holds. */
export function verificationFamilies(vault: Vault, records: readonly KeyRecord[]): KeyRecord[] {
  const all = new Map<string, KeyRecord>();
  for (const record of records)
    for (const member of verificationFamily(vault, record)) all.set(member.id, member);
  return [...all.values()];
}
