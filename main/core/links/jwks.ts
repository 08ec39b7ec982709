import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { familyOf } from '../../../shared/algorithms.ts';
import type { KeyRecord, PublicJwk } from '../../../shared/keyRecord.ts';
import { InputError } from '../errors.ts';
import { toJwks } from '../keys/export.ts';

/** Verifiers (MediaMTX among them) fetch the JWKS again after this long: a rotation shows soon. */
export const JWKS_MAX_AGE_SECONDS = 60;

/** The members a published public JWK may have; anything else (d, p, q, dp, dq, qi, k…) never. */
const PUBLIC_MEMBERS = new Set(['kty', 'kid', 'use', 'alg', 'n', 'e', 'crv', 'x', 'y']);

export interface JwksDocument {
  body: string;
  /** Strong validator: the SHA-256 of the exact body. */
  etag: string;
  kids: string[];
}

/**
 * The JWKS `keycast serve --jwks-key` publishes at /.well-known/jwks.json: the public keys of the
 * chosen vault keys, public members only (SECURITY.md §5), unique kids. A shared secret (HMAC) is
 * refused with one sentence: publishing it would hand anyone the key that signs.
 */
export function jwksDocument(records: readonly KeyRecord[]): JwksDocument {
  for (const record of records) {
    if (familyOf(record.alg) === 'oct' || !record.publicJwk) {
      throw new InputError(
        `--jwks-key "${record.name}" is an ${record.alg} shared secret: a JWKS is public, so it publishes RSA, EC or Ed25519 keys only.`,
      );
    }
  }
  const keys = toJwks(records).keys.map(publicOnly);
  const body = `${JSON.stringify({ keys })}\n`;
  const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
  return { body, etag, kids: keys.map((k) => k.kid) };
}

/** A copy with the public members only, whatever the record held. */
function publicOnly(jwk: PublicJwk): PublicJwk {
  return Object.fromEntries(
    Object.entries(jwk).filter(([name]) => PUBLIC_MEMBERS.has(name)),
  ) as PublicJwk;
}

/** GET/HEAD of the JWKS: short Cache-Control, a strong ETag, 304 when the client has it already. */
export function sendJwks(req: IncomingMessage, res: ServerResponse, doc: JwksDocument): string {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    res.writeHead(405, { 'Content-Length': '0' }).end();
    return 'method-not-allowed';
  }
  res.setHeader('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
  res.setHeader('ETag', doc.etag);
  if (matches(req.headers['if-none-match'], doc.etag)) {
    res.writeHead(304).end();
    return 'not-modified';
  }
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(doc.body)),
  });
  res.end(req.method === 'HEAD' ? undefined : doc.body);
  return 'ok';
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/"x" matches "x"; * matches any. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .includes(etag);
}
