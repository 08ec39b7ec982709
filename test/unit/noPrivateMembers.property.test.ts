import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALGORITHMS, familyOf, type Algorithm } from '../../shared/algorithms.ts';
import { KeyRecordSchema, PublicJwkSchema, type KeyRecord } from '../../shared/keyRecord.ts';
import { exportPublic } from '../../main/core/keys/export.ts';
import { importKeyMaterial } from '../../main/core/keys/import.ts';
import { toPublicJwk } from '../../main/core/keys/publicJwk.ts';
import { PRIVATE_MEMBERS, memberNames } from '../helpers/keys.ts';

const asymmetric = ALGORITHMS.filter((a) => familyOf(a) !== 'oct');
const privateKeys = {} as Record<Algorithm, KeyObject>;

beforeAll(() => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  for (const alg of asymmetric) {
    privateKeys[alg] =
      familyOf(alg) === 'RSA'
        ? rsa
        : alg === 'EdDSA'
          ? generateKeyPairSync('ed25519').privateKey
          : generateKeyPairSync('ec', { namedCurve: alg === 'ES256' ? 'P-256' : 'P-384' })
              .privateKey;
  }
});

const isPrivate = (name: string): boolean => (PRIVATE_MEMBERS as readonly string[]).includes(name);

function recordFrom(jwkText: string, alg: Algorithm): KeyRecord {
  const material = importKeyMaterial(jwkText, { alg });
  return KeyRecordSchema.parse({
    id: 'id',
    name: 'n',
    alg,
    kid: 'kid',
    publicJwk: material.publicJwk ? toPublicJwk(material.publicJwk, 'kid', alg) : null,
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: null,
    provider: null,
    notes: '',
    status: 'active',
  });
}

describe('no export ever contains a private member (SECURITY.md §5)', () => {
  it('holds for every key type, whatever extra members the imported JWK carries', () => {
    const extraMember = fc.tuple(
      fc.oneof(
        fc.constantFrom(...PRIVATE_MEMBERS, 'x5c', 'key_ops', 'ext'),
        fc.string({ minLength: 1, maxLength: 8 }),
      ),
      fc.oneof(fc.string(), fc.integer(), fc.constant(randomBytes(32).toString('base64url'))),
    );
    let checked = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...asymmetric),
        fc.array(extraMember, { maxLength: 6 }),
        (alg, extras) => {
          const jwk: Record<string, unknown> = { ...privateKeys[alg].export({ format: 'jwk' }) };
          // Extras never overwrite the real key members: they ride along as noise.
          for (const [name, value] of extras) if (!(name in jwk)) jwk[name] = value;
          let record: KeyRecord;
          try {
            record = recordFrom(JSON.stringify(jwk), alg);
          } catch {
            return; // refused input exports nothing
          }
          const outputs = [
            record,
            JSON.parse(exportPublic([record], 'jwk')),
            JSON.parse(exportPublic([record], 'jwks')),
          ];
          for (const output of outputs) expect(memberNames(output).filter(isPrivate)).toEqual([]);
          expect(exportPublic([record], 'pem')).not.toMatch(/PRIVATE/);
          checked += 1;
        },
      ),
      { numRuns: 150 },
    );
    // The property must have been exercised, not skipped by refused inputs.
    expect(checked).toBeGreaterThan(75);
  });

  it('holds for HMAC keys, which export nothing at all', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('HS256', 'HS384', 'HS512' as const),
        fc.uint8Array({ minLength: 64, maxLength: 96 }),
        (alg, bytes) => {
          const record = recordFrom(
            JSON.stringify({ kty: 'oct', k: Buffer.from(bytes).toString('base64url') }),
            alg,
          );
          expect(record.publicJwk).toBeNull();
          expect(memberNames(record).filter(isPrivate)).toEqual([]);
          expect(() => exportPublic([record], 'jwk')).toThrow(/no public part/);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('the shared schemas refuse any record or JWK that carries a private member', () => {
    const jwk = toPublicJwk({ kty: 'OKP', crv: 'Ed25519', x: 'abc' }, 'kid', 'EdDSA');
    fc.assert(
      fc.property(fc.constantFrom(...PRIVATE_MEMBERS), fc.string(), (member, value) => {
        expect(PublicJwkSchema.safeParse({ ...jwk, [member]: value }).success).toBe(false);
      }),
    );
  });
});
