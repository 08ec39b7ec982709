import { createPublicKey } from 'node:crypto';
import type { KeyRecord, PublicJwk } from '../../../shared/keyRecord.ts';
import { InputError } from '../errors.ts';

export interface Jwks {
  keys: PublicJwk[];
}

export const EXPORT_FORMATS = ['jwk', 'jwks', 'pem'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

function publicJwkOf(record: KeyRecord): PublicJwk {
  if (!record.publicJwk) {
    throw new InputError(
      `"${record.name}" is an ${record.alg} shared secret: it has no public part to export. Give the secret to the server through its own settings.`,
    );
  }
  return record.publicJwk;
}

/** A JWKS of one or many keys; kids must be unique within it (RFC 7517 §4.5). */
export function toJwks(records: readonly KeyRecord[]): Jwks {
  const keys = records.map(publicJwkOf);
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key.kid))
      throw new InputError(`Two keys share the kid "${key.kid}": a JWKS needs unique kids.`);
    seen.add(key.kid);
  }
  return { keys };
}

export function toSpkiPem(record: KeyRecord): string {
  const jwk = publicJwkOf(record);
  return createPublicKey({ key: jwk, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
}

/** The text `keys export` writes: public material only, by construction. */
export function exportPublic(records: readonly KeyRecord[], format: ExportFormat): string {
  const [first] = records;
  if (!first) throw new InputError('There is no key to export.');
  switch (format) {
    case 'jwk':
      return `${JSON.stringify(publicJwkOf(first), null, 2)}\n`;
    case 'jwks':
      return `${JSON.stringify(toJwks(records), null, 2)}\n`;
    case 'pem':
      return records.map(toSpkiPem).join('');
  }
}
