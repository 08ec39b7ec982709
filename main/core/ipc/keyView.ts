import type { KeyView } from '../../../shared/ipc.ts';
import type { KeyRecord } from '../../../shared/keyRecord.ts';
import { thumbprintOfRecord } from '../store/keyTable.ts';

export const EXPIRY_WARNING_DAYS = 14;

/** A record as the UI shows it: public members only; the status says when the keychain item is missing. */
export function toKeyView(record: KeyRecord, now = new Date(), secretMissing = false): KeyView {
  const expires = record.expiresAt ? new Date(record.expiresAt).getTime() : null;
  const expired = expires !== null && expires <= now.getTime();
  return {
    id: record.id,
    name: record.name,
    alg: record.alg,
    kid: record.kid,
    fingerprint: thumbprintOfRecord(record),
    provider: record.provider,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    expiresSoon:
      expires !== null && !expired && expires - now.getTime() < EXPIRY_WARNING_DAYS * 86_400_000,
    status:
      record.status === 'retired'
        ? 'retired'
        : record.status === 'retiring'
          ? 'retiring'
          : secretMissing
            ? 'secret missing'
            : expired
              ? 'expired'
              : 'active',
    uploads: record.uploads ?? [],
    notes: record.notes,
    attributes: record.attributes ?? {},
  };
}
