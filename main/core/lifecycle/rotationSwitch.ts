import { randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { NotFoundError } from '../errors.ts';
import { findKey } from '../store/keyTable.ts';
import { formatSpan } from '../time.ts';
import type { Vault } from '../vault/vault.ts';
import { recordRotationStep } from './rotationEvents.ts';
import {
  markStep,
  movePolicy,
  rotationById,
  stepsOf,
  updateRotation,
  type RotationRow,
} from './rotationStore.ts';

/** The vault setting of OBS keep-fresh (KEEP_FRESH_SETTING in obs/keepFreshRunner.ts, not imported: it loads OBS's client). */
export const KEEP_FRESH_SETTING = 'obs.keepFresh';

const MAX_NAME = 200;

/**
 * A key name no other key uses as its id, kid or name: `<base> (<label>)`, the base shortened so
 * the whole stays within the name rules (200 characters), a number added when it is taken.
 */
export function freeName(db: DatabaseSync, base: string, label: string, ownId = ''): string {
  const taken = db.prepare(
    'SELECT 1 FROM keys WHERE id <> ? AND (id = ? OR kid = ? OR name = ?) LIMIT 1',
  );
  for (let n = 1; n < 100; n += 1) {
    const tag = n === 1 ? ` (${label})` : ` (${label} ${n})`;
    const name = `${base.slice(0, MAX_NAME - tag.length).trimEnd()}${tag}`;
    if (!taken.get(ownId, name, name, name)) return name;
  }
  return `${base.slice(0, MAX_NAME - 24).trimEnd()} (${label} ${randomBytes(4).toString('hex')})`;
}

/**
 * The switch, in one transaction: the successor takes the name scripts use, redirect links (in
 * this vault's database), the OBS keep-fresh setting and the rotation policy; the predecessor is
 * renamed "<name> (retiring)", keeps its id and kid, and is marked retiring until the overlap's end.
 */
export function switchOver(vault: Vault, rotation: RotationRow, now: Date): string {
  const db = vault.database.db;
  const nowIso = now.toISOString();
  return vault.write(() => {
    if (stepsOf(db, rotation.id).some((s) => s.step === 'switch')) return 'Switched already.';
    const current = rotationById(db, rotation.id)!;
    const predecessor = findKey(db, current.predecessorId)?.record;
    const successor = findKey(db, current.successorId)?.record;
    if (!predecessor || !successor) {
      throw new NotFoundError(
        `The rotation of "${current.name}" lost its ${predecessor ? 'successor' : 'predecessor'} (deleted by hand?): it cannot switch.`,
      );
    }
    const name = predecessor.name;
    const retiringName = freeName(db, name, 'retiring', predecessor.id);
    db.prepare("UPDATE keys SET name = ?, status = 'retiring' WHERE id = ?").run(
      retiringName,
      predecessor.id,
    );
    db.prepare('UPDATE keys SET name = ? WHERE id = ?').run(name, successor.id);
    const links = Number(
      db.prepare('UPDATE links SET key_id = ? WHERE key_id = ?').run(successor.id, predecessor.id)
        .changes,
    );
    const keepFresh = moveKeepFresh(vault, predecessor, successor.id);
    movePolicy(db, predecessor.id, successor.id);
    const retireAfter = new Date(now.getTime() + current.overlapSeconds * 1000).toISOString();
    updateRotation(db, rotation.id, { name, switchedAt: nowIso, retireAfter, updatedAt: nowIso });
    markStep(db, rotation.id, 'switch', nowIso);
    recordRotationStep(vault, {
      rotationId: rotation.id,
      step: 'switch',
      keyId: successor.id,
      kid: successor.kid,
      provider: successor.provider,
      otherKeyId: predecessor.id,
    });
    const moved = [
      ...(links > 0 ? [`${links} redirect link(s)`] : []),
      ...(keepFresh ? ['the OBS keep-fresh setting'] : []),
    ];
    return [
      `Switched: "${name}" now signs with the successor (kid ${successor.kid});`,
      current.overlapSeconds > 0
        ? `the predecessor is "${retiringName}", verifying until ${retireAfter} (${formatSpan(current.overlapSeconds)}).`
        : `the predecessor is "${retiringName}".`,
      ...(moved.length > 0 ? [`Moved to the successor: ${moved.join(' and ')}.`] : []),
    ].join(' ');
  });
}

/** Points OBS keep-fresh at the successor when it names the predecessor (by id, kid or name). */
function moveKeepFresh(
  vault: Vault,
  predecessor: { id: string; kid: string; name: string },
  successorId: string,
): boolean {
  const saved = vault.settings.get(KEEP_FRESH_SETTING);
  if (!saved || typeof saved !== 'object') return false;
  const key = (saved as { key?: unknown }).key;
  if (key !== predecessor.id && key !== predecessor.kid && key !== predecessor.name) return false;
  vault.settings.set(KEEP_FRESH_SETTING, { ...saved, key: successorId });
  return true;
}

/** The end: the predecessor is marked retired (renamed "<name> (retired <date>)"); then it may be deleted. */
export function retireLocally(vault: Vault, rotation: RotationRow, now: Date): string {
  const db = vault.database.db;
  const nowIso = now.toISOString();
  return vault.write(() => {
    const current = rotationById(db, rotation.id)!;
    if (current.completedAt) return 'Retired already.';
    const predecessor = findKey(db, current.predecessorId)?.record;
    let retiredName = '';
    if (predecessor) {
      retiredName = freeName(db, current.name, `retired ${nowIso.slice(0, 10)}`, predecessor.id);
      db.prepare("UPDATE keys SET name = ?, status = 'retired' WHERE id = ?").run(
        retiredName,
        predecessor.id,
      );
      recordRotationStep(vault, {
        rotationId: rotation.id,
        step: 'retire',
        keyId: predecessor.id,
        kid: predecessor.kid,
        provider: predecessor.provider,
        otherKeyId: current.successorId,
      });
    }
    markStep(db, rotation.id, 'retire', nowIso);
    updateRotation(db, rotation.id, { completedAt: nowIso, updatedAt: nowIso });
    return predecessor
      ? `Retired the predecessor: "${retiredName}" no longer verifies here and may be deleted.`
      : 'Retired the predecessor.';
  });
}
