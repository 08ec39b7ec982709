import type { KeyView } from '../../../shared/ipc.ts';
import type { KeyRecord } from '../../../shared/keyRecord.ts';
import type { PublicJwkBody } from '../keys/material.ts';
import { thumbprintOf } from '../keys/publicJwk.ts';

export const EXPIRY_WARNING_DAYS = 14;

/** A record as the UI shows it: public members only, status worked out from the metadata alone. */
export function toKeyView(record: KeyRecord, now = new Date()): KeyView {
  const expires = record.expiresAt ? new Date(record.expiresAt).getTime() : null;
  const expired = expires !== null && expires <= now.getTime();
  let fingerprint: string | null = null;
  if (record.publicJwk) {
    const { kty, n, e, crv, x, y } = record.publicJwk;
    const body: PublicJwkBody = { kty, n, e, crv, x, y };
    fingerprint = thumbprintOf(body);
  }
  return {
    id: record.id,
    name: record.name,
    alg: record.alg,
    kid: record.kid,
    fingerprint,
    provider: record.provider,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    expiresSoon:
      expires !== null && !expired && expires - now.getTime() < EXPIRY_WARNING_DAYS * 86_400_000,
    status: record.status === 'retired' ? 'retired' : expired ? 'expired' : 'active',
    uploads: record.uploads ?? [],
    notes: record.notes,
    attributes: record.attributes ?? {},
  };
}
