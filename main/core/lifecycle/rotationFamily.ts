import type { KeyRecord } from '../../../shared/keyRecord.ts';
import { jwksDocument, type JwksDocument } from '../links/jwks.ts';
import type { Vault } from '../vault/vault.ts';
import { openRotations, rotationRetiring } from './rotationStore.ts';

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
    if (rotation.predecessorId === record.id && rotation.switchedAt) add(rotation.successorId);
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

/**
 * The key that signs in `record`'s place: the key itself, or, for one replaced in a rotation
 * (retiring or retired), the successor it switched to. Redirect links kept in PostgreSQL name the
 * key id of the vault that created them and are not moved at a switch: they follow it this way.
 */
export function signingKeyFor(vault: Vault, record: KeyRecord): KeyRecord {
  let key = record;
  for (let hops = 0; key.status !== 'active' && hops < 10; hops += 1) {
    const rotation = vault.database.read(() => rotationRetiring(vault.database.db, key.id));
    if (!rotation?.switchedAt) break;
    try {
      key = vault.find(rotation.successorId);
    } catch {
      break;
    }
  }
  return key;
}

/**
 * What `keycast serve --jwks-key` publishes, worked out again at most every `refreshMs`: a
 * successor published ahead of its switch, both keys during the overlap, the successor alone
 * after it, without restarting the server. The first document is made at once (an HMAC or
 * unknown key is refused before the server opens); later failures keep the last good document.
 */
export function liveJwks(
  vault: Vault,
  refs: readonly string[],
  refreshMs = 5_000,
  clock: () => number = Date.now,
): () => JwksDocument {
  const ids = refs.map((ref) => vault.find(ref).id);
  const make = (): JwksDocument =>
    jwksDocument(
      verificationFamilies(
        vault,
        ids.map((id) => signingKeyFor(vault, vault.find(id))),
      ),
    );
  let doc = make();
  let madeAt = clock();
  return () => {
    if (clock() - madeAt >= refreshMs) {
      madeAt = clock();
      try {
        doc = make();
      } catch {
        // A key deleted by hand meanwhile: the last good document stays until it is fixed.
      }
    }
    return doc;
  };
}
