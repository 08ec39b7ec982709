import {
  constants,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  verify as nodeVerify,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import fc from 'fast-check';
import { SignJWT, compactVerify, decodeProtectedHeader } from 'jose';
import jwt from 'jsonwebtoken';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALGORITHMS, familyOf, type Algorithm } from '../../shared/algorithms.ts';
import { InputError } from '../../main/core/errors.ts';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { importSigningKey } from '../../main/core/keys/signingKey.ts';
import { signCompact } from '../../main/core/tokens/compactSign.ts';
import { mintToken, type Signer } from '../../main/core/tokens/mint.ts';
import { verifySignature } from '../../main/core/tokens/verify.ts';

/** One key per algorithm: the handle Keycast signs with, and what outside verifiers get. */
interface Fixture {
  signer: Signer;
  /** The private key (or secret) as a node:crypto KeyObject, for jose's own SignJWT. */
  privateKey: KeyObject;
  /** The public key (or the secret) for jose, jsonwebtoken and node:crypto. */
  publicKey: KeyObject;
}

const fixtures = {} as Record<Algorithm, Fixture>;

beforeAll(async () => {
  for (const alg of ALGORITHMS) {
    const material = await generateKeyMaterial(alg);
    const secret = Buffer.from(material.secret);
    const symmetric = familyOf(alg) === 'oct';
    const privateKey = symmetric
      ? createSecretKey(secret)
      : createPrivateKey({ key: secret, format: 'der', type: 'pkcs8' });
    fixtures[alg] = {
      signer: { alg, kid: `kid-${alg}`, key: await importSigningKey(alg, material.secret) },
      privateKey,
      publicKey: symmetric ? privateKey : createPublicKey(privateKey),
    };
  }
});

const CLAIMS = { sub: 'attendee-7', room: 'main', roles: ['viewer'], n: 1, exp: 1_900_000_000 };
const parts = (token: string): [string, string, string] =>
  token.split('.') as [string, string, string];
const signatureBytes = (token: string): Buffer => Buffer.from(parts(token)[2], 'base64url');

/** node:crypto's own verification, with the JWA parameters spelled out (RFC 7518 §3). */
function nodeVerifies(alg: Algorithm, token: string, key: KeyObject): boolean {
  const [header, payload] = parts(token);
  const data = Buffer.from(`${header}.${payload}`);
  const signature = signatureBytes(token);
  const hash = `sha${alg.slice(2)}`;
  if (alg === 'EdDSA') return nodeVerify(null, data, key, signature);
  if (alg === 'PS256') {
    return nodeVerify(
      'sha256',
      data,
      { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      signature,
    );
  }
  if (familyOf(alg) === 'EC')
    return nodeVerify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  return nodeVerify(hash, data, key, signature);
}

describe('signCompact cross-verification', () => {
  it.each(ALGORITHMS)('%s verifies with jose compactVerify', async (alg) => {
    const token = await signCompact(fixtures[alg].signer.key, alg, `kid-${alg}`, CLAIMS);
    const { payload, protectedHeader } = await compactVerify(token, fixtures[alg].publicKey, {
      algorithms: [alg],
    });
    expect(JSON.parse(Buffer.from(payload).toString())).toEqual(CLAIMS);
    expect(protectedHeader).toEqual({ alg, typ: 'JWT', kid: `kid-${alg}` });
  });

  it.each(ALGORITHMS.filter((alg) => alg !== 'EdDSA'))(
    '%s verifies with jsonwebtoken (jws/jwa)',
    async (alg) => {
      const token = await signCompact(fixtures[alg].signer.key, alg, `kid-${alg}`, CLAIMS);
      const claims = jwt.verify(token, fixtures[alg].publicKey, {
        algorithms: [alg],
        ignoreExpiration: true,
      });
      expect(claims).toEqual(CLAIMS);
    },
  );

  it.each(ALGORITHMS)('%s verifies with node:crypto given the JWA parameters', async (alg) => {
    const token = await signCompact(fixtures[alg].signer.key, alg, undefined, CLAIMS);
    if (familyOf(alg) === 'oct') {
      // HMAC has no verify call: recompute it with the secret and compare.
      const [header, payload, signature] = parts(token);
      const expected = createHmac(`sha${alg.slice(2)}`, fixtures[alg].privateKey)
        .update(`${header}.${payload}`)
        .digest('base64url');
      expect(signature).toBe(expected);
      return;
    }
    expect(nodeVerifies(alg, token, fixtures[alg].publicKey)).toBe(true);
    // And it is not the same as a signature over other bytes.
    expect(
      nodeVerifies(alg, `${parts(token)[0]}.e30.${parts(token)[2]}`, fixtures[alg].publicKey),
    ).toBe(false);
  });

  it.each(['RS256', 'RS384', 'RS512', 'EdDSA', 'HS256', 'HS384', 'HS512'] as const)(
    '%s (deterministic) tokens are byte-for-byte the ones jose SignJWT makes',
    async (alg) => {
      const ours = await signCompact(fixtures[alg].signer.key, alg, `kid-${alg}`, CLAIMS);
      const jose = await new SignJWT(CLAIMS)
        .setProtectedHeader({ alg, typ: 'JWT', kid: `kid-${alg}` })
        .sign(fixtures[alg].privateKey);
      expect(ours).toBe(jose);
    },
  );

  it.each([
    ['ES256', 64],
    ['ES384', 96],
  ] as const)('%s signatures are r ‖ s (IEEE P1363, %d bytes), not DER', async (alg, length) => {
    for (let i = 0; i < 20; i += 1) {
      const token = await signCompact(fixtures[alg].signer.key, alg, undefined, { i });
      // DER would start with 0x30 and vary in length (70–72 bytes for P-256).
      expect(signatureBytes(token)).toHaveLength(length);
    }
  });

  it('PS256 uses a salt as long as the hash (32 bytes), which strict verifiers require', async () => {
    const token = await signCompact(fixtures.PS256.signer.key, 'PS256', undefined, CLAIMS);
    const [header, payload] = parts(token);
    const data = Buffer.from(`${header}.${payload}`);
    const withSalt = (saltLength: number): boolean =>
      nodeVerify(
        'sha256',
        data,
        { key: fixtures.PS256.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength },
        signatureBytes(token),
      );
    expect(withSalt(32)).toBe(true);
    expect(withSalt(222)).toBe(false); // OpenSSL's default, the maximum for a 2048-bit key
    // Two PS256 signatures of the same bytes differ: the salt is random.
    const again = await signCompact(fixtures.PS256.signer.key, 'PS256', undefined, CLAIMS);
    expect(parts(again)[2]).not.toBe(parts(token)[2]);
  });

  it.each(ALGORITHMS)('%s: a token with any one character changed never verifies', async (alg) => {
    const { signer } = fixtures[alg];
    const { token } = await mintToken(signer, { claims: { room: 'main' }, ttlSeconds: 600 });
    const verifier = { kid: signer.kid, alg, key: fixtures[alg].publicKey };
    await expect(verifySignature(token, [verifier])).resolves.toBeDefined();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    await fc.assert(
      fc.asyncProperty(
        fc.nat(token.length - 1),
        fc.constantFrom(...alphabet),
        async (index, replacement) => {
          fc.pre(token[index] !== '.' && token[index] !== replacement);
          const tampered = token.slice(0, index) + replacement + token.slice(index + 1);
          await expect(verifySignature(tampered, [verifier])).rejects.toThrow();
        },
      ),
      { numRuns: familyOf(alg) === 'RSA' ? 60 : 150 },
    );
  });
});

describe('signCompact header', () => {
  const headerText = (token: string): string =>
    Buffer.from(parts(token)[0], 'base64url').toString();

  it('writes exactly {"alg","typ","kid"} in that order, and no kid when there is none', async () => {
    const withKid = await signCompact(fixtures.ES256.signer.key, 'ES256', 'k1', {});
    expect(headerText(withKid)).toBe('{"alg":"ES256","typ":"JWT","kid":"k1"}');
    const without = await signCompact(fixtures.HS256.signer.key, 'HS256', undefined, {});
    expect(headerText(without)).toBe('{"alg":"HS256","typ":"JWT"}');
  });

  it('gives every kid its own header, whatever the kid looks like', async () => {
    const key = fixtures.HS256.signer.key;
    const kids = ['a', 'b', 'a.b', 'HS256', '', 'a"b', 'ünï'];
    for (const kid of [...kids, ...kids]) {
      const token = await signCompact(key, 'HS256', kid, {});
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT', kid });
    }
    const none = await signCompact(key, 'HS256', undefined, {});
    expect(decodeProtectedHeader(none)).toEqual({ alg: 'HS256', typ: 'JWT' });
  });

  it('mintToken reports the header it signed, byte for byte', async () => {
    for (const alg of ALGORITHMS) {
      const minted = await mintToken(fixtures[alg].signer);
      expect(headerText(minted.token)).toBe(JSON.stringify(minted.header));
      const bare = await mintToken(fixtures[alg].signer, { includeKid: false });
      expect(headerText(bare.token)).toBe(`{"alg":"${alg}","typ":"JWT"}`);
    }
  });
});

describe('signCompact refusals', () => {
  it('never signs alg "none" or any algorithm outside the list', async () => {
    for (const alg of ['none', 'None', 'NONE', 'HS1', 'RS256 ', 'ES512', 'PS384', '']) {
      await expect(
        signCompact(fixtures.HS256.signer.key, alg as Algorithm, undefined, {}),
      ).rejects.toThrow(/is not allowed/);
    }
  });

  it('signs only with the algorithm a key was loaded for (SECURITY.md §3)', async () => {
    const cases: [Algorithm, Algorithm][] = [
      ['RS256', 'PS256'],
      ['RS256', 'RS512'],
      ['PS256', 'RS256'],
      ['HS256', 'HS512'],
      ['ES256', 'ES384'],
      ['EdDSA', 'ES256'],
    ];
    for (const [loaded, asked] of cases) {
      await expect(signCompact(fixtures[loaded].signer.key, asked, undefined, {})).rejects.toThrow(
        `This key signs ${loaded} only, not ${asked}`,
      );
      await expect(mintToken({ ...fixtures[loaded].signer, alg: asked })).rejects.toThrow(
        InputError,
      );
    }
  });

  it('refuses a CryptoKey that importSigningKey did not load', async () => {
    const foreign = await webcrypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    await expect(signCompact(foreign, 'HS256', undefined, {})).rejects.toThrow(
      /not loaded by importSigningKey/,
    );
  });

  it('rejects claims JSON cannot hold instead of throwing synchronously', async () => {
    const promise = signCompact(fixtures.HS256.signer.key, 'HS256', undefined, { n: 1n });
    await expect(promise).rejects.toThrow(TypeError);
  });
});

describe('importSigningKey', () => {
  it.each(ALGORITHMS)(
    '%s: wipes the keychain bytes and still signs with the key they held',
    async (alg) => {
      const material = await generateKeyMaterial(alg);
      const publicKey = material.publicJwk
        ? createPublicKey({ key: { ...material.publicJwk }, format: 'jwk' })
        : createSecretKey(Buffer.from(material.secret));
      const bytes = material.secret;
      const handle = await importSigningKey(alg, bytes);
      expect(bytes.every((byte) => byte === 0)).toBe(true);
      expect(handle.extractable).toBe(false);
      await expect(webcrypto.subtle.exportKey('jwk', handle)).rejects.toThrow();
      // Signed with the key the bytes held before the wipe, not with zeros.
      const token = await signCompact(handle, alg, undefined, CLAIMS);
      await expect(compactVerify(token, publicKey, { algorithms: [alg] })).resolves.toBeDefined();
    },
  );

  it('wipes the bytes even when they are not a key for the algorithm', async () => {
    const ec = await generateKeyMaterial('ES384');
    const bytes = ec.secret;
    await expect(importSigningKey('ES256', bytes)).rejects.toThrow(/curve/i);
    expect(bytes.every((byte) => byte === 0)).toBe(true);
    const rsa = await generateKeyMaterial('RS256');
    await expect(importSigningKey('EdDSA', rsa.secret)).rejects.toThrow();
    await expect(importSigningKey('ES256', Uint8Array.from(rsa.secret))).rejects.toThrow();
  });
});

describe('event loop', () => {
  it.each(['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'] as const)(
    '%s is signed off the event loop (asynchronous crypto.sign)',
    async (alg) => {
      // Signed inline, the promise would settle within a couple of microtasks; on the thread pool
      // it cannot settle before the event loop has turned.
      const pending = signCompact(fixtures[alg].signer.key, alg, undefined, CLAIMS);
      let settled = false;
      void pending.then(() => (settled = true));
      for (let i = 0; i < 5; i += 1) await Promise.resolve();
      expect(settled).toBe(false);
      await pending;

      // Other callbacks run between sequential mints, which an inline signature would not allow.
      let turns = 0;
      const interval = setInterval(() => (turns += 1), 0);
      const immediate = setImmediate(() => (turns += 1));
      try {
        for (let i = 0; i < 5; i += 1) await mintToken(fixtures[alg].signer);
      } finally {
        clearInterval(interval);
        clearImmediate(immediate);
      }
      expect(turns).toBeGreaterThan(0);
    },
  );

  it('HMAC is computed inline: the token is ready before any macrotask', async () => {
    let turned = false;
    const immediate = setImmediate(() => (turned = true));
    await signCompact(fixtures.HS256.signer.key, 'HS256', undefined, CLAIMS);
    await mintToken(fixtures.HS512.signer);
    clearImmediate(immediate);
    expect(turned).toBe(false);
  });
});
