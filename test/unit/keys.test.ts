import { calculateJwkThumbprint } from 'jose';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type JsonWebKey,
} from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALGORITHMS, familyOf, type Algorithm } from '../../shared/algorithms.ts';
import type { KeyRecord } from '../../shared/keyRecord.ts';
import { InputError } from '../../main/core/errors.ts';
import { exportPublic, toJwks } from '../../main/core/keys/export.ts';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { importKeyMaterial } from '../../main/core/keys/import.ts';
import type { KeyMaterial } from '../../main/core/keys/material.ts';
import { privateMatchesPublic } from '../../main/core/keys/consistency.ts';
import { publicBodyOf, thumbprintOf, toPublicJwk } from '../../main/core/keys/publicJwk.ts';
import { OsKeychain } from '../../main/core/vault/secretStore.ts';
import { ROOT } from '../helpers/cli.ts';
import { PRIVATE_MEMBERS, memberNames, pem, rsaKey } from '../helpers/keys.ts';

function recordOf(material: KeyMaterial, kid: string): KeyRecord {
  return {
    id: kid,
    name: kid,
    alg: material.alg,
    kid,
    publicJwk: material.publicJwk ? toPublicJwk(material.publicJwk, kid, material.alg) : null,
    createdAt: new Date().toISOString(),
    expiresAt: null,
    provider: null,
    notes: '',
    status: 'active',
  };
}

describe('RFC 7638 thumbprint', () => {
  it("reproduces the RFC's known answer", () => {
    const body = {
      kty: 'RSA' as const,
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
    };
    expect(thumbprintOf(body)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('agrees with jose for every key type', async () => {
    for (const alg of ['RS256', 'ES256', 'ES384', 'EdDSA'] as const) {
      const body = (await generateKeyMaterial(alg)).publicJwk!;
      expect(thumbprintOf(body), alg).toBe(await calculateJwkThumbprint(body, 'sha256'));
    }
  });
});

describe('generateKeyMaterial', () => {
  const cases: [Algorithm, number | undefined][] = [
    ['RS256', 2048],
    ['RS384', 3072],
    ['RS512', 2048],
    ['PS256', 2048],
    ['ES256', undefined],
    ['ES384', undefined],
    ['EdDSA', undefined],
    ['HS256', undefined],
    ['HS384', undefined],
    ['HS512', undefined],
  ];
  it.each(cases)(
    '%s makes a key Node can load, with only public members exported',
    async (alg, bits) => {
      const material = await generateKeyMaterial(alg, { bits });
      expect(material.alg).toBe(alg);
      if (familyOf(alg) === 'oct') {
        expect(material.secret.length).toBe({ HS256: 32, HS384: 48, HS512: 64 }[alg as 'HS256']);
        expect(material.publicJwk).toBeNull();
        return;
      }
      const key = createPrivateKey({
        key: Buffer.from(material.secret),
        format: 'der',
        type: 'pkcs8',
      });
      if (bits) expect(key.asymmetricKeyDetails?.modulusLength).toBe(bits);
      expect(
        memberNames(material.publicJwk).filter((m) =>
          (PRIVATE_MEMBERS as readonly string[]).includes(m),
        ),
      ).toEqual([]);
      // The public JWK really is the public half of the generated key.
      const fromPrivate = createPublicKey(key).export({ format: 'jwk' });
      expect(material.publicJwk).toMatchObject(Object.fromEntries(Object.entries(fromPrivate)));
    },
  );

  it('generates RSA-4096 as asked', async () => {
    const material = await generateKeyMaterial('RS256', { bits: 4096 });
    const key = createPrivateKey({
      key: Buffer.from(material.secret),
      format: 'der',
      type: 'pkcs8',
    });
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(4096);
  });

  it('refuses sizes and options that do not apply', async () => {
    await expect(generateKeyMaterial('RS256', { bits: 1024 })).rejects.toThrow(/2048, 3072, 4096/);
    await expect(generateKeyMaterial('ES256', { bits: 2048 })).rejects.toThrow(
      /only applies to RSA/,
    );
  });

  it('never produces two equal HMAC secrets', async () => {
    const a = await generateKeyMaterial('HS256');
    const b = await generateKeyMaterial('HS256');
    expect(Buffer.from(a.secret).equals(Buffer.from(b.secret))).toBe(false);
  });
});

/** A private JWK of one key with the named private members taken from another key. */
function mixedJwk(type: 'rsa' | 'ec' | 'ed25519', foreign: readonly string[]): JsonWebKey {
  const make = (): JsonWebKey =>
    (type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519')
    ).privateKey.export({ format: 'jwk' });
  const own = make() as Record<string, unknown>;
  const other = make() as Record<string, unknown>;
  for (const member of foreign) own[member] = other[member];
  return own;
}

describe('importKeyMaterial', () => {
  let rsa: ReturnType<typeof rsaKey>;
  beforeAll(() => {
    rsa = rsaKey(2048);
  });

  it('reads PKCS#8, PKCS#1 and SEC1 PEM and infers the algorithm', () => {
    expect(importKeyMaterial(pem(rsa, 'pkcs8')).alg).toBe('RS256');
    expect(importKeyMaterial(pem(rsa, 'pkcs1'), { alg: 'PS256' }).alg).toBe('PS256');
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    expect(importKeyMaterial(pem(p256, 'sec1')).alg).toBe('ES256');
    expect(importKeyMaterial(pem(p384, 'pkcs8')).alg).toBe('ES384');
    const ed = generateKeyPairSync('ed25519').privateKey;
    expect(importKeyMaterial(pem(ed, 'pkcs8')).alg).toBe('EdDSA');
  });

  it('stores the same key it was given, as PKCS#8 DER', () => {
    const material = importKeyMaterial(pem(rsa, 'pkcs1'));
    const stored = createPrivateKey({
      key: Buffer.from(material.secret),
      format: 'der',
      type: 'pkcs8',
    });
    expect(stored.export({ format: 'jwk' })).toEqual(rsa.export({ format: 'jwk' }));
  });

  it('reads a private JWK and keeps its kid as a suggestion', () => {
    const jwk = {
      ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
      kid: 'cam-2026',
      alg: 'ES256',
    };
    const material = importKeyMaterial(JSON.stringify(jwk));
    expect(material.alg).toBe('ES256');
    expect(material.suggestedKid).toBe('cam-2026');
    expect(material.publicJwk).not.toHaveProperty('d');
  });

  it('reads HMAC secrets as text, hex, base64 and base64url', () => {
    const text = 'ams-secret-that-is-32-chars-long!';
    expect(Buffer.from(importKeyMaterial(text, { alg: 'HS256' }).secret).toString()).toBe(text);
    const bytes = randomBytes(48);
    for (const encoding of ['hex', 'base64', 'base64url'] as const) {
      const material = importKeyMaterial(bytes.toString(encoding), {
        alg: 'HS384',
        secretEncoding: encoding,
      });
      expect(Buffer.from(material.secret).equals(bytes)).toBe(true);
    }
    const jwk = { kty: 'oct', k: randomBytes(64).toString('base64url'), alg: 'HS512' };
    expect(importKeyMaterial(JSON.stringify(jwk)).alg).toBe('HS512');
    expect(importKeyMaterial('x'.repeat(2560), { alg: 'HS256' }).secret).toHaveLength(2560);
  });

  it('accepts every genuine private JWK type after checking its parts belong together', () => {
    for (const pair of [
      generateKeyPairSync('rsa', { modulusLength: 2048 }),
      generateKeyPairSync('ec', { namedCurve: 'P-384' }),
      generateKeyPairSync('ed25519'),
    ]) {
      const jwk = pair.privateKey.export({ format: 'jwk' });
      const material = importKeyMaterial(JSON.stringify(jwk));
      expect(material.publicJwk).toEqual(
        expect.objectContaining({ kty: jwk.kty, ...(jwk.n ? { n: jwk.n } : { x: jwk.x }) }),
      );
    }
  });

  it.each([
    [
      'an RSA key under 2048 bits',
      () => pem(rsaKey(1024), 'pkcs8'),
      {},
      /1024 bits.*at least 2048/,
    ],
    [
      'an RSA exponent other than 65537',
      () => pem(rsaKey(2048, 3), 'pkcs8'),
      {},
      /exponent is 3.*65537/,
    ],
    [
      'a short HMAC secret',
      () => 'only-20-characters!!',
      { alg: 'HS256' as const },
      /20 bytes.*at least 32/,
    ],
    [
      'an HS512 secret of 48 bytes',
      () => randomBytes(48).toString('hex'),
      { alg: 'HS512' as const, secretEncoding: 'hex' as const },
      /48 bytes.*at least 64/,
    ],
    [
      'a public PEM',
      () => createPublicKey(rsaKey()).export({ type: 'spki', format: 'pem' }).toString(),
      {},
      /public key or certificate/,
    ],
    [
      'a public JWK',
      () => JSON.stringify(createPublicKey(rsaKey()).export({ format: 'jwk' })),
      {},
      /public key \(it has no "d"\)/,
    ],
    ['a JWKS', () => JSON.stringify({ keys: [] }), {}, /JWKS/],
    [
      'an encrypted PEM',
      () =>
        rsaKey()
          .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' })
          .toString(),
      {},
      /encrypted/,
    ],
    [
      'a P-521 key',
      () => pem(generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey, 'pkcs8'),
      {},
      /secp521r1/,
    ],
    [
      'an RSA key with --alg ES256',
      () => pem(rsaKey(), 'pkcs8'),
      { alg: 'ES256' as const },
      /RSA key, which cannot sign with ES256/,
    ],
    ['a raw secret without --alg', () => 'x'.repeat(40), {}, /--alg HS256/],
    [
      'bad hex',
      () => 'zz'.repeat(40),
      { alg: 'HS256' as const, secretEncoding: 'hex' as const },
      /not valid hex/,
    ],
    [
      'a damaged PEM',
      // Not a key: a PEM whose body is four bytes of nothing, kept as a fixture file.
      () => readFileSync(join(ROOT, 'test/fixtures/damaged-private-key.pem'), 'utf8'),
      {},
      /could not be read/,
    ],
    ['an empty file', () => '  \n', {}, /empty/],
    [
      'an RSA-PSS-only key (OID rsassaPss)',
      () => pem(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey, 'pkcs8'),
      {},
      /This is an RSA-PSS-only key \(OID rsassaPss\)/,
    ],
    [
      'an HMAC secret over 2,560 bytes',
      () => 'x'.repeat(2561),
      { alg: 'HS256' as const },
      /This secret is 2561 bytes; Keycast stores secrets of at most 2560 bytes/,
    ],
    [
      'an oct JWK over 2,560 bytes',
      () => JSON.stringify({ kty: 'oct', k: randomBytes(4096).toString('base64url') }),
      {},
      /4096 bytes; Keycast stores secrets of at most 2560/,
    ],
    [
      'an RSA JWK whose d, p and q belong to another key',
      () => JSON.stringify(mixedJwk('rsa', ['d', 'p', 'q', 'dp', 'dq', 'qi'])),
      {},
      /private and public parts of this JWK belong to different keys/,
    ],
    [
      'an EC JWK with a foreign d',
      () => JSON.stringify(mixedJwk('ec', ['d'])),
      {},
      /belong to different keys/,
    ],
    [
      'an Ed25519 JWK with a foreign d',
      () => JSON.stringify(mixedJwk('ed25519', ['d'])),
      {},
      /belong to different keys/,
    ],
    [
      'a PKCS#1 PEM whose CRT parameters belong to another key',
      () =>
        pem(
          createPrivateKey({
            key: mixedJwk('rsa', ['d', 'p', 'q', 'dp', 'dq', 'qi']),
            format: 'jwk',
          }),
          'pkcs1',
        ),
      {},
      /This private key is damaged: its parts do not belong to one key/,
    ],
  ])('refuses %s, saying why', (_label, input, options, message) => {
    expect(() => importKeyMaterial(input(), options)).toThrow(InputError);
    expect(() => importKeyMaterial(input(), options)).toThrow(message);
  });
});

describe('privateMatchesPublic (the check when a key is first loaded from the keychain)', () => {
  it('accepts stored material with its own record', async () => {
    for (const alg of ['RS256', 'ES256', 'EdDSA', 'HS256'] as const) {
      const material = await generateKeyMaterial(alg);
      expect(privateMatchesPublic(alg, material.secret, material.publicJwk)).toBe(true);
    }
  });

  it('spots a keychain item swapped for another key, or damaged', async () => {
    for (const alg of ['RS256', 'ES384', 'EdDSA'] as const) {
      const record = await generateKeyMaterial(alg);
      const swapped = await generateKeyMaterial(alg);
      expect(privateMatchesPublic(alg, swapped.secret, record.publicJwk)).toBe(false);
      expect(privateMatchesPublic(alg, randomBytes(200), record.publicJwk)).toBe(false);
      expect(privateMatchesPublic(alg, record.secret, null)).toBe(false);
    }
    const secret = await generateKeyMaterial('HS256');
    const rsa = await generateKeyMaterial('RS256');
    expect(privateMatchesPublic('HS256', secret.secret, rsa.publicJwk)).toBe(false);
  });

  it('spots an EC item whose d belongs to another key (stored DER keeps the old public point)', () => {
    const der = new Uint8Array(
      createPrivateKey({ key: mixedJwk('ec', ['d']), format: 'jwk' }).export({
        type: 'pkcs8',
        format: 'der',
      }),
    );
    const claimed = publicBodyOf(
      createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' }),
    );
    expect(privateMatchesPublic('ES256', der, claimed)).toBe(false);
  });

  it("leaves the caller's bytes alone (the caller wipes them)", async () => {
    const material = await generateKeyMaterial('ES256');
    const copy = Uint8Array.from(material.secret);
    privateMatchesPublic('ES256', material.secret, material.publicJwk);
    expect(material.secret).toEqual(copy);
  });
});

describe('the keychain size limit', () => {
  it('is a sentence (exit 2), not a RangeError, and nothing is written', async () => {
    const write = new OsKeychain('keycast-test-never-written').write('x', new Uint8Array(2561));
    await expect(write).rejects.toThrow(InputError);
    await expect(write).rejects.toThrow(/2561 bytes; a keychain item holds at most 2560 bytes/);
  });
});

describe('export', () => {
  it('writes a JWK with kty, kid, use "sig", alg and the public members only', async () => {
    const material = await generateKeyMaterial('ES256');
    const jwk = JSON.parse(exportPublic([recordOf(material, 'k1')], 'jwk')) as Record<
      string,
      unknown
    >;
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(jwk).toMatchObject({ kty: 'EC', kid: 'k1', use: 'sig', alg: 'ES256', crv: 'P-256' });
  });

  it('writes a JWKS of many keys and refuses duplicate kids', async () => {
    const a = recordOf(await generateKeyMaterial('EdDSA'), 'a');
    const b = recordOf(await generateKeyMaterial('ES384'), 'b');
    expect(toJwks([a, b]).keys.map((k) => k.kid)).toEqual(['a', 'b']);
    expect(() => toJwks([a, { ...b, publicJwk: { ...b.publicJwk!, kid: 'a' }, kid: 'a' }])).toThrow(
      /unique kids/,
    );
  });

  it('writes SPKI PEM that Node reads back as the same public key', async () => {
    const material = await generateKeyMaterial('RS256');
    const record = recordOf(material, 'r');
    const key = createPublicKey(exportPublic([record], 'pem'));
    expect(key.export({ format: 'jwk' })).toEqual({
      kty: 'RSA',
      n: record.publicJwk!.n,
      e: record.publicJwk!.e,
    });
  });

  it('explains that an HMAC key has no public part', async () => {
    const record = recordOf(await generateKeyMaterial('HS256'), 'h');
    for (const format of ['jwk', 'jwks', 'pem'] as const) {
      expect(() => exportPublic([record], format)).toThrow(/no public part/);
    }
  });

  it('covers every algorithm Keycast lists', () => {
    expect(ALGORITHMS).not.toContain('none');
    expect([...ALGORITHMS].sort()).toEqual([
      'ES256',
      'ES384',
      'EdDSA',
      'HS256',
      'HS384',
      'HS512',
      'PS256',
      'RS256',
      'RS384',
      'RS512',
    ]);
  });
});

describe('ROCA-vulnerable keys', () => {
  it('refuses to import the Wycheproof ROCA key (CVE-2017-15361)', () => {
    const data = JSON.parse(
      readFileSync(join(ROOT, 'test/vectors/wycheproof/json_web_key_test.json'), 'utf8'),
    ) as {
      testGroups: { comment: string; private: { keys: Record<string, unknown>[] } }[];
    };
    const roca = data.testGroups.find((g) => g.comment === 'jws_rsa_roca_key');
    expect(roca).toBeDefined();
    expect(() => importKeyMaterial(JSON.stringify(roca!.private.keys[0]))).toThrow(/ROCA/);
  });
});
