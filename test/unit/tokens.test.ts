import { verify as nodeVerify } from 'node:crypto';
import fc from 'fast-check';
import { compactVerify } from 'jose';
import jwt from 'jsonwebtoken';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALGORITHMS, type Algorithm } from '../../shared/algorithms.ts';
import { InputError, TokenFormatError } from '../../main/core/errors.ts';
import { readJsonInput } from '../../main/core/json.ts';
import { checkTokenFormat } from '../../main/core/tokens/format.ts';
import { inspectToken } from '../../main/core/tokens/inspect.ts';
import { mintToken, type Signer } from '../../main/core/tokens/mint.ts';
import { verifySignature } from '../../main/core/tokens/verify.ts';
import { testKey, type TestKey } from '../helpers/signers.ts';

const keys = {} as Record<Algorithm, TestKey>;
beforeAll(async () => {
  for (const alg of ALGORITHMS) keys[alg] = await testKey(alg);
});

function decodePart(token: string, index: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

describe('mintToken', () => {
  it.each(ALGORITHMS.filter((a) => a !== 'EdDSA'))(
    '%s tokens verify with jsonwebtoken, an independent implementation',
    async (alg) => {
      const { token } = await mintToken(keys[alg].signer, {
        claims: { role: 'viewer' },
        ttlSeconds: 600,
        aud: 'chat',
      });
      const claims = jwt.verify(token, keys[alg].independent, {
        algorithms: [alg],
        audience: 'chat',
      }) as jwt.JwtPayload;
      expect(claims.role).toBe('viewer');
    },
  );

  it.each(ALGORITHMS)('%s tokens verify with jose compactVerify', async (alg) => {
    const { token, claims } = await mintToken(keys[alg].signer, {
      claims: { role: 'viewer' },
      ttlSeconds: 600,
    });
    const verified = await compactVerify(token, keys[alg].independent, { algorithms: [alg] });
    expect(verified.protectedHeader).toEqual({ alg, typ: 'JWT', kid: `kid-${alg}` });
    expect(JSON.parse(Buffer.from(verified.payload).toString())).toEqual(claims);
  });

  it('EdDSA tokens verify with node:crypto directly', async () => {
    const { token } = await mintToken(keys.EdDSA.signer);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const ok = nodeVerify(
      null,
      Buffer.from(`${header}.${payload}`),
      keys.EdDSA.independent,
      Buffer.from(signature, 'base64url'),
    );
    expect(ok).toBe(true);
  });

  it('writes exactly {alg, typ, kid} in the protected header', async () => {
    const { token, header } = await mintToken(keys.ES256.signer);
    expect(decodePart(token, 0)).toEqual({ alg: 'ES256', typ: 'JWT', kid: 'kid-ES256' });
    expect(header).toEqual(decodePart(token, 0));
  });

  it('sets iat to now, exp from the TTL, and a random UUID jti', async () => {
    const now = 1_800_000_000;
    const a = await mintToken(keys.HS256.signer, { ttlSeconds: 900, now });
    const b = await mintToken(keys.HS256.signer, { ttlSeconds: 900, now });
    expect(a.claims).toMatchObject({ iat: now, exp: now + 900 });
    expect(a.expiresAt).toBe(new Date((now + 900) * 1000).toISOString());
    expect(a.claims.jti).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(a.claims.jti).not.toBe(b.claims.jti);
  });

  it('takes an absolute exp, nbf, iss, sub and aud, and leaves out jti on request', async () => {
    const now = 1_800_000_000;
    const { claims } = await mintToken(keys.HS256.signer, {
      exp: now + 60,
      nbf: now + 10,
      iss: 'keycast',
      sub: 'user-1',
      aud: ['a', 'b'],
      jti: false,
      claims: { jti: 'from-template' },
      now,
    });
    expect(claims).toEqual({
      iat: now,
      exp: now + 60,
      nbf: now + 10,
      iss: 'keycast',
      sub: 'user-1',
      aud: ['a', 'b'],
    });
  });

  it('reports the expiry of each token when tokens with different lifetimes follow each other', async () => {
    const now = 1_800_000_000;
    for (const ttlSeconds of [60, 60, 3600, 60, 86400]) {
      const { claims, expiresAt } = await mintToken(keys.HS256.signer, { ttlSeconds, now });
      expect(expiresAt).toBe(new Date((now + ttlSeconds) * 1000).toISOString());
      expect(claims.exp).toBe(now + ttlSeconds);
    }
  });

  it('defaults to a 15 minute lifetime', async () => {
    const { claims } = await mintToken(keys.HS256.signer, { now: 100 });
    expect(claims.exp).toBe(100 + 900);
  });

  it('refuses a token that would already be expired or never valid', async () => {
    await expect(mintToken(keys.HS256.signer, { exp: 50, now: 100 })).rejects.toThrow(InputError);
    await expect(
      mintToken(keys.HS256.signer, { ttlSeconds: 60, nbf: 500, now: 100 }),
    ).rejects.toThrow(/never be valid/);
    await expect(
      mintToken(keys.HS256.signer, { claims: { exp: 'soon' }, now: 100 }),
    ).rejects.toThrow(/whole number/);
  });

  it('refuses expiries and starts past the year 9999 with a sentence', async () => {
    await expect(
      mintToken(keys.HS256.signer, { ttlSeconds: 999_999_999 * 86400, now: 100 }),
    ).rejects.toThrow(/would expire after the year 9999 .*give a shorter --ttl/);
    await expect(mintToken(keys.HS256.signer, { claims: { exp: 1e300 } })).rejects.toThrow(
      InputError,
    );
    await expect(mintToken(keys.HS256.signer, { exp: 9e12 })).rejects.toThrow(/year 9999/);
    await expect(mintToken(keys.HS256.signer, { nbf: 9e12, exp: 9e12 + 1 })).rejects.toThrow(
      /year 9999/,
    );
    const last = await mintToken(keys.HS256.signer, { exp: 253_402_300_799 });
    expect(last.expiresAt).toBe('9999-12-31T23:59:59.000Z');
  });

  it('can never produce alg "none"', async () => {
    const none = { ...keys.HS256.signer, alg: 'none' } as unknown as Signer;
    await expect(mintToken(none)).rejects.toThrow(/not allowed/);
    for (const alg of ALGORITHMS) {
      const { token } = await mintToken(keys[alg].signer);
      expect(decodePart(token, 0).alg).not.toMatch(/none/i);
      expect(token.split('.')[2]).not.toBe('');
    }
  });
});

describe('checkTokenFormat', () => {
  it.each([
    ['an empty string', '', /empty/],
    ['two parts', 'a.b', /three parts/],
    ['four parts', 'a.b.c.d', /three parts/],
    ['a space', 'eyJhIjoxfQ. eyJhIjoxfQ.c2ln', /whitespace/],
    ['an empty signature', 'eyJhIjoxfQ.eyJhIjoxfQ.', /signature is empty.*never accepted/],
    ['padding', 'eyJhIjoxfQ.eyJhIjoxfQ=.c2ln', /not base64url/],
    ['a plus sign', 'eyJhIjoxfQ.eyJhIjoxfQ.c2lu+', /not base64url/],
    ['non-canonical base64url', 'eyJhIjoxfQ.eyJhIjoxfQ.c2l', /canonical/],
    ['more than 16 KiB', `eyJhIjoxfQ.${'A'.repeat(16 * 1024)}.c2ln`, /16 KiB/],
  ])('refuses %s', (_label, token, message) => {
    expect(() => checkTokenFormat(token)).toThrow(TokenFormatError);
    expect(() => checkTokenFormat(token)).toThrow(message);
  });

  const part = (json: string): string => Buffer.from(json).toString('base64url');
  const nested = (depth: number): string =>
    `{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;

  it('refuses header or payload nesting deeper than 64, before any JSON is parsed', () => {
    expect(() => checkTokenFormat(`${part('{}')}.${part(nested(64))}.c2ln`)).not.toThrow();
    expect(() => checkTokenFormat(`${part('{}')}.${part(nested(65))}.c2ln`)).toThrow(
      "The token's payload nests arrays or objects more than 64 levels deep; Keycast reads at most 64.",
    );
    expect(() => checkTokenFormat(`${part(nested(65))}.${part('{}')}.c2ln`)).toThrow(
      /header nests/,
    );
  });

  it('counts brackets inside strings as text, escaped quotes included', () => {
    const text = JSON.stringify({ a: `\\"${'['.repeat(5000)}` });
    expect(() => checkTokenFormat(`${part('{}')}.${part(text)}.c2ln`)).not.toThrow();
  });

  it('inspects a 13 KB token nested 5,000 deep as malformed instead of overflowing the stack', async () => {
    const token = `${part('{"alg":"HS256"}')}.${part(nested(5000))}.c2ln`;
    expect(token.length).toBeGreaterThan(13_000);
    const result = await inspectToken(token);
    expect(result).toMatchObject({ valid: false, reasons: ['format'], claims: null });
  });
});

describe('readJsonInput', () => {
  it('refuses JSON nested deeper than 64 before parsing it', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(() => readJsonInput(deep, 'claims file')).toThrow(
      'The claims file nests arrays or objects more than 64 levels deep; Keycast reads at most 64.',
    );
    expect(readJsonInput(`${'['.repeat(64)}${']'.repeat(64)}`, 'claims file')).toBeInstanceOf(
      Array,
    );
  });
});

describe('verification and inspection', () => {
  it('labels a decoded token unverified when no key is given', async () => {
    const { token } = await mintToken(keys.RS256.signer, { claims: { streamId: 'cam1' } });
    const result = await inspectToken(token);
    expect(result).toMatchObject({ valid: true, verified: false, claims: { streamId: 'cam1' } });
    expect(result.clockToleranceSeconds).toBeLessThanOrEqual(60);
    expect(result.times.exp?.relative).toMatch(/^in 1[45]m/);
  });

  it('verifies with the right key and reports every failure reason plainly', async () => {
    const now = 1_800_000_000;
    const base = { now };
    const good = await mintToken(keys.RS256.signer, {
      ttlSeconds: 300,
      aud: 'chat',
      iss: 'me',
      now,
    });
    const ok = await inspectToken(good.token, {
      keys: [keys.RS256.verifier],
      audience: 'chat',
      issuer: 'me',
      ...base,
    });
    expect(ok).toMatchObject({ valid: true, verified: true, errors: [] });

    const expired = await inspectToken(good.token, {
      keys: [keys.RS256.verifier],
      now: now + 300 + 61,
    });
    expect(expired.reasons).toEqual(['expired']);
    expect(expired.errors[0]).toMatch(/expired 1m 1s ago/);
    // Inside the 60 s clock tolerance it still counts as valid.
    expect(
      (await inspectToken(good.token, { keys: [keys.RS256.verifier], now: now + 330 })).valid,
    ).toBe(true);

    const early = await mintToken(keys.RS256.signer, { ttlSeconds: 900, nbf: now + 600, now });
    expect(
      (await inspectToken(early.token, { keys: [keys.RS256.verifier], ...base })).reasons,
    ).toEqual(['not-yet-valid']);

    const audience = await inspectToken(good.token, {
      keys: [keys.RS256.verifier],
      audience: 'video',
      ...base,
    });
    expect(audience.reasons).toEqual(['wrong-audience']);
    expect(audience.errors[0]).toBe('The token is for audience "chat", not "video".');
    expect(
      (await inspectToken(good.token, { keys: [keys.RS256.verifier], issuer: 'other', ...base }))
        .reasons,
    ).toEqual(['wrong-issuer']);

    const otherKey = await inspectToken(good.token, {
      keys: [{ ...keys.PS256.verifier, kid: 'kid-RS256', alg: 'RS256' }],
      ...base,
    });
    expect(otherKey.reasons).toEqual(['bad-signature']);
    expect(otherKey.verified).toBe(false);

    const wrongAlg = await inspectToken(good.token, {
      keys: [{ ...keys.RS256.verifier, alg: 'PS256' }],
      ...base,
    });
    expect(wrongAlg.reasons).toEqual(['wrong-algorithm']);

    const unknownKid = await inspectToken(good.token, { keys: [keys.ES256.verifier], ...base });
    expect(unknownKid.reasons).toEqual(['unknown-kid']);
  });

  it('refuses alg none and the RS256-to-HS256 confusion attack', async () => {
    const { token } = await mintToken(keys.RS256.signer);
    const [, payload] = token.split('.') as [string, string];
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'kid-RS256' })).toString('base64url')}.${payload}.AA`;
    await expect(verifySignature(none, [keys.RS256.verifier])).rejects.toMatchObject({
      reason: 'unsigned',
    });
    const hs = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'kid-RS256' })).toString('base64url')}.${payload}.AAAA`;
    await expect(verifySignature(hs, [keys.RS256.verifier])).rejects.toMatchObject({
      reason: 'wrong-algorithm',
    });
  });

  it('never accepts a token with any one character changed', async () => {
    const { token } = await mintToken(keys.RS256.signer, { ttlSeconds: 600 });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    await fc.assert(
      fc.asyncProperty(
        fc.nat(token.length - 1),
        fc.constantFrom(...alphabet),
        async (index, replacement) => {
          fc.pre(token[index] !== '.' && token[index] !== replacement);
          const tampered = token.slice(0, index) + replacement + token.slice(index + 1);
          const result = await inspectToken(tampered, { keys: [keys.RS256.verifier] });
          expect(result.valid).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('specifically rejects a changed last signature character whose bits decoders ignore', async () => {
    const { token } = await mintToken(keys.RS256.signer);
    const last = token.at(-1)!;
    // For a 256-byte signature the last character carries 4 unused bits: flipping the lowest keeps the bytes equal.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1]!;
    const tampered = token.slice(0, -1) + sibling;
    expect(
      Buffer.from(tampered.split('.')[2]!, 'base64url').equals(
        Buffer.from(token.split('.')[2]!, 'base64url'),
      ),
    ).toBe(true);
    const result = await inspectToken(tampered, { keys: [keys.RS256.verifier] });
    expect(result.valid).toBe(false);
    expect(result.errors[0]).toMatch(/canonical/);
  });

  it('reports a payload that is not a claims object', async () => {
    const token = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('[1,2]').toString('base64url')}.c2ln`;
    const result = await inspectToken(token);
    expect(result).toMatchObject({ valid: false, reasons: ['format'] });
  });

  it.each([
    ['exp', 1e300],
    ['exp', 9e12],
    ['nbf', -1e300],
    ['iat', 253_402_300_800],
  ])('names a %s of %d as malformed instead of crashing', async (name, value) => {
    const token = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ [name]: value })).toString('base64url')}.c2ln`;
    const result = await inspectToken(token, { keys: [keys.HS256.verifier] });
    expect(result.valid).toBe(false);
    expect(result.times).toEqual({});
    expect(result.reasons).toContain('format');
    expect(result.errors).toContain(
      `The "${name}" claim (${value}) is not a real time: it lies outside the years 0000 to 9999.`,
    );
  });

  it('caps the clock tolerance at 60 seconds', async () => {
    const { token } = await mintToken(keys.HS256.signer);
    await expect(inspectToken(token, { clockToleranceSeconds: 61 })).rejects.toThrow(
      /between 0 and 60/,
    );
  });
});
