import { createPublicKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KeycastError, TokenRejectedError } from '../../main/core/errors.ts';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { ApiClient, ProviderApiError } from '../../main/core/net/http.ts';
import {
  KinescopeClient,
  deleteFromKinescope,
  uploadToKinescope,
} from '../../main/core/providers/kinescope.ts';
import { mintForProvider } from '../../main/core/providers/mint.ts';
import {
  NativeFrameClient,
  nativeframe,
  registerIssuer,
} from '../../main/core/providers/nativeframe.ts';
import { kinescope } from '../../main/core/providers/kinescope.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { runCli, tempHome } from '../helpers/cli.ts';
import { KinescopeContract, NativeFrameContract } from '../helpers/contractServers.ts';

const KINESCOPE_TOKEN = '3f0c6a52-8a1e-4c7b-9d51-2b7e0a9c4d11';
const NF_SERVICE_JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzdmMifQ.c2VydmljZS1zaWduYXR1cmU';

let vault: Vault;
beforeEach(() => {
  vault = new Vault({ dataDir: tempHome() });
});
afterEach(async () => {
  for (const r of vault.list()) await vault.remove(r.id, { evenIfUploaded: true });
  for (const name of vault.credentialNames()) await vault.deleteCredential(name);
});

describe('Kinescope API client against the documented contract', () => {
  let server: KinescopeContract;
  beforeAll(async () => {
    server = await new KinescopeContract(KINESCOPE_TOKEN).start();
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    server.requests.length = 0;
    server.keys.clear();
    server.tamper = null;
    server.answer = 'documented';
  });
  const client = (token = KINESCOPE_TOKEN, timeoutMs = 2000) =>
    new KinescopeClient(token, { baseUrl: server.baseUrl, timeoutMs });

  it('uploads exactly {kty, e, use, kid, alg, n, expires_at}, reads it back, and records the upload', async () => {
    const record = await vault.add(await generateKeyMaterial('RS256'), { name: 'chat' });
    const updated = await uploadToKinescope(client(), vault, record, '2027-06-30T23:59:59.000Z');
    const post = server.requests.find((r) => r.method === 'POST')!;
    expect(post.path).toBe('/v1/jwk');
    expect(post.headers.authorization).toBe(`Bearer ${KINESCOPE_TOKEN}`);
    expect(post.headers['content-type']).toBe('application/json');
    expect(post.body).toEqual({
      kty: 'RSA',
      e: 'AQAB',
      use: 'sig',
      kid: record.kid,
      alg: 'RS256',
      n: record.publicJwk!.n,
      expires_at: '2027-06-30T23:59:59.000Z',
    });
    const remoteId = updated.uploads![0]!.remoteId;
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/jwk',
      'POST /v1/jwk',
      `GET /v1/jwk/${remoteId}`,
    ]);
    expect(vault.find('chat').uploads).toEqual([
      expect.objectContaining({
        provider: 'kinescope',
        remoteId,
        expiresAt: '2027-06-30T23:59:59.000Z',
      }),
    ]);
    await expect(vault.remove('chat')).rejects.toThrow(/still uploaded to kinescope/);
  });

  it('refuses a kid Kinescope already holds, and keys that are not RS256/2048', async () => {
    const record = await vault.add(await generateKeyMaterial('RS256'));
    await uploadToKinescope(client(), vault, record, '2027-01-01T00:00:00.000Z');
    await expect(
      uploadToKinescope(client(), vault, vault.find(record.id), '2027-01-01T00:00:00.000Z'),
    ).rejects.toThrow(/already holds a key with kid/);
    const ec = await vault.add(await generateKeyMaterial('ES256'));
    await expect(
      uploadToKinescope(client(), vault, ec, '2027-01-01T00:00:00.000Z'),
    ).rejects.toThrow(/RS256 RSA key/);
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('deletes what it uploaded when a member the read-back holds differs', async () => {
    server.answer = 'full';
    server.tamper = { n: 'AAAA' };
    const record = await vault.add(await generateKeyMaterial('RS256'));
    await expect(
      uploadToKinescope(client(), vault, record, '2027-01-01T00:00:00.000Z'),
    ).rejects.toThrow(/stored a different key \(n differ\).*deleted again/);
    expect(server.keys.size).toBe(0);
    expect(vault.find(record.id).uploads).toBeUndefined();

    server.answer = 'documented';
    server.tamper = { kid: 'someone-else' };
    await expect(
      uploadToKinescope(client(), vault, record, '2027-01-01T00:00:00.000Z'),
    ).rejects.toThrow(/stored a different key \(kid differ\)/);
    expect(server.keys.size).toBe(0);
  });

  it('compares only what the documented answer holds: absent n, e and alg never undo an upload', async () => {
    const record = await vault.add(await generateKeyMaterial('RS256'));
    const updated = await uploadToKinescope(client(), vault, record, '2027-01-01T00:00:00.000Z');
    const readBack = server.requests.find((r) => r.method === 'GET' && r.path !== '/v1/jwk')!;
    expect(readBack.path).toBe(`/v1/jwk/${updated.uploads![0]!.remoteId}`);
    expect(server.requests.some((r) => r.method === 'DELETE')).toBe(false);
    expect(server.keys.size).toBe(1);
    // With every member echoed, the full key is compared and matches.
    server.answer = 'full';
    const other = await vault.add(await generateKeyMaterial('RS256'));
    await uploadToKinescope(client(), vault, other, '2027-01-01T00:00:00.000Z');
    expect(server.keys.size).toBe(2);
  });

  it('lists, deletes (forgetting the upload) and enables chat JWT for an event', async () => {
    const record = await vault.add(await generateKeyMaterial('RS256'));
    const remoteId = (await uploadToKinescope(client(), vault, record, '2027-01-01T00:00:00.000Z'))
      .uploads![0]!.remoteId;
    expect((await client().listKeys()).map((k) => k.id)).toEqual([remoteId]);
    await deleteFromKinescope(client(), vault, remoteId);
    expect(server.keys.size).toBe(0);
    expect(vault.find(record.id).uploads ?? []).toEqual([]);
    server.events.set('ev-1', { id: 'ev-1', chat_jwt_required: false });
    await client().enableChatJwt('ev-1');
    expect(server.requests.at(-1)).toMatchObject({
      method: 'PUT',
      path: '/v2/live/events/ev-1',
      body: { chat_jwt_required: true },
    });
    expect(server.events.get('ev-1')!.chat_jwt_required).toBe(true);
    await expect(client().enableChatJwt('nope')).rejects.toThrow(/no such item \(404\)/);
  });

  it('reports 401, 403, 429, 5xx and time-outs in one sentence, never with the API token', async () => {
    const other = '00000000-0000-4000-8000-000000000000';
    const errors: unknown[] = [];
    errors.push(
      await client(other)
        .listKeys()
        .catch((e: unknown) => e),
    );
    server.fail({ status: 403 });
    errors.push(
      await client()
        .listKeys()
        .catch((e: unknown) => e),
    );
    server.fail({ status: 429, headers: { 'Retry-After': '1' } }, 3);
    errors.push(
      await client()
        .listKeys()
        .catch((e: unknown) => e),
    );
    server.fail({ status: 503 }, 3);
    errors.push(
      await client()
        .listKeys()
        .catch((e: unknown) => e),
    );
    server.fail('hang', 3);
    errors.push(
      await client(KINESCOPE_TOKEN, 300)
        .listKeys()
        .catch((e: unknown) => e),
    );
    const messages = errors.map((e) => (e as Error).message);
    expect(messages[0]).toMatch(
      /refused the API credential \(401\).*keycast credentials set kinescope/,
    );
    expect(messages[1]).toMatch(/may not do that \(403\)/);
    expect(messages[2]).toMatch(/rate-limiting requests \(429\); it asks to wait 1 s/);
    expect(messages[3]).toMatch(/server error \(503\): try again later/);
    expect(messages[4]).toMatch(/did not answer within 0.3 s/);
    for (const error of errors) expect(error).toBeInstanceOf(ProviderApiError);
    for (const message of messages) {
      expect(message).not.toContain(KINESCOPE_TOKEN);
      expect(message).not.toContain(other);
      expect(message).not.toMatch(/\n/);
    }
  });

  it('retries only idempotent requests', async () => {
    server.fail({ status: 503 });
    expect(await client().listKeys()).toEqual([]);
    expect(server.requests.filter((r) => r.method === 'GET')).toHaveLength(2);

    server.requests.length = 0;
    server.fail({ status: 503 });
    const body = {
      kty: 'RSA',
      e: 'AQAB',
      use: 'sig',
      kid: 'k',
      alg: 'RS256',
      n: 'AQAB',
      expires_at: '2027-01-01T00:00:00Z',
    };
    await expect(client().addKey(body)).rejects.toThrow(/503/);
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(server.keys.size).toBe(0);
  });

  it('refuses a token that is not a UUID, and plain http anywhere but loopback', () => {
    expect(() => new KinescopeClient('not-a-uuid')).toThrow(/must be a UUID/);
    expect(
      () =>
        new ApiClient({
          service: 'X',
          baseUrl: 'http://api.example.com',
          bearer: 't',
          credentialHint: '',
        }),
    ).toThrow(/must use https/);
    expect(() => new KinescopeClient(KINESCOPE_TOKEN, { baseUrl: 'http://10.0.0.1' })).toThrow(
      KeycastError,
    );
  });

  it('chat tokens verify with jsonwebtoken using the uploaded public key', async () => {
    const record = await vault.add(await generateKeyMaterial('RS256'), { name: 'kin' });
    const minted = await mintForProvider(kinescope, vault, {
      kind: 'chat',
      key: 'kin',
      params: { event: 'ev', userId: 'u', username: 'Ann' },
    });
    const key = createPublicKey({ key: record.publicJwk!, format: 'jwk' });
    const claims = jwt.verify(minted.token, key, {
      algorithms: ['RS256'],
      audience: 'chat',
    }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ user_id: 'u', username: 'Ann', event_id: 'ev' });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(jwt.decode(minted.token, { complete: true })!.header).toEqual({
      alg: 'RS256',
      typ: 'JWT',
      kid: record.kid,
    });
  });
});

describe('Native Frame API client against the documented contract', () => {
  let server: NativeFrameContract;
  beforeAll(async () => {
    server = await new NativeFrameContract(NF_SERVICE_JWT).start();
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    server.requests.length = 0;
  });

  it('fetches a user video token with the documented request body', async () => {
    await vault.setCredential('nativeframe', NF_SERVICE_JWT);
    const result = await mintForProvider(nativeframe, vault, {
      kind: 'video',
      params: {
        nfKid: 'nf-key',
        org: 'acme',
        projectId: 'p1',
        userId: 'u1',
        scope: ['broadcaster'],
        displayName: 'Ann',
      },
      ttlSeconds: 600,
      remote: { apiBase: server.baseUrl },
    });
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      path: '/auth/v1/video-jwt',
      body: {
        kid: 'nf-key',
        organizationSlug: 'acme',
        projectId: 'p1',
        videoToken: {
          scopes: ['broadcaster'],
          userId: 'u1',
          ttl: 600,
          data: { displayName: 'Ann', mirrors: [] },
        },
      },
    });
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${NF_SERVICE_JWT}`);
    expect(result.claims).toMatchObject({ sub: 'u1', scopes: ['broadcaster'] });
    expect(result.expiresAt).not.toBeNull();
    expect(result.verified).toBe(false);
  });

  it.each([
    [
      'none',
      'unsigned',
      /^Native Frame issued an unsigned token \(alg "none"\): Keycast refuses it/,
    ],
    ['NONE', 'unsigned', /issued an unsigned token/],
    [
      'HS1',
      'wrong-algorithm',
      /issued a token with alg "HS1", which Keycast does not accept \(RS256, /,
    ],
    ['\u001b[31mRS256', 'wrong-algorithm', /with no algorithm Keycast can name, which/],
  ])('refuses an issued token with alg %j outright', async (alg, reason, message) => {
    await vault.setCredential('nativeframe', NF_SERVICE_JWT);
    server.issue = { alg };
    try {
      const error = (await mintForProvider(nativeframe, vault, {
        kind: 'service',
        params: { nfKid: 'k' },
        remote: { apiBase: server.baseUrl },
      }).catch((e: unknown) => e)) as TokenRejectedError;
      expect(error).toBeInstanceOf(TokenRejectedError);
      expect(error.reason).toBe(reason);
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('\u001b');
    } finally {
      server.issue = 'signed';
    }
  });

  it('fetches a service token and refuses a bad service JWT (401) without echoing it', async () => {
    await vault.setCredential('nativeframe', NF_SERVICE_JWT);
    const service = await mintForProvider(nativeframe, vault, {
      kind: 'service',
      params: { nfKid: 'k', role: ['admin'] },
      remote: { apiBase: server.baseUrl },
    });
    expect(service.claims.roles).toEqual(['admin']);
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      path: '/auth/v1/jwt',
      body: { kid: 'k', roles: ['admin'] },
    });
    server.requests.length = 0;
    const defaulted = await mintForProvider(nativeframe, vault, {
      kind: 'service',
      params: { nfKid: 'k' },
      remote: { apiBase: server.baseUrl },
    });
    expect(server.requests[0]!.body).toEqual({ kid: 'k', roles: ['service-account'] });
    expect(defaulted.claims.roles).toEqual(['service-account']);
    const wrong = new NativeFrameClient('eyJ.wrong.token', { baseUrl: server.baseUrl });
    const error = (await wrong
      .serviceToken({ kid: 'k', roles: [] })
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(
      /refused the API credential \(401\).*credentials set nativeframe/,
    );
    expect(error.message).not.toContain('eyJ.wrong.token');
    expect(server.requests.filter((r) => r.path === '/auth/v1/jwt')).toHaveLength(2); // POST: no retry
  });

  it('registers vault keys as an external issuer with their public JWKS, and records it', async () => {
    const a = await vault.add(await generateKeyMaterial('RS256'), { name: 'nf-a' });
    const b = await vault.add(await generateKeyMaterial('RS256'), { name: 'nf-b' });
    const api = new NativeFrameClient(NF_SERVICE_JWT, { baseUrl: server.baseUrl });
    await registerIssuer(api, vault, [a, b], {
      iss: 'keycast-issuer',
      projectId: 'p1',
      aud: ['nf'],
      roles: [],
    });
    const put = server.requests[0]!;
    expect(put).toMatchObject({ method: 'PUT', path: '/auth/v1/issuers/keycast-issuer' });
    expect(put.body).toEqual({
      iss: 'keycast-issuer',
      project: { id: 'p1' },
      aud: ['nf'],
      roles: [],
      keys: [a.publicJwk, b.publicJwk],
    });
    expect(vault.find('nf-a').uploads).toEqual([
      expect.objectContaining({ provider: 'nativeframe', remoteId: 'keycast-issuer' }),
    ]);
    // Minting as that issuer: verifiable with the registered JWKS.
    const token = await mintForProvider(nativeframe, vault, {
      kind: 'issuer',
      key: 'nf-b',
      params: { iss: 'keycast-issuer', aud: ['nf'], userId: 'u', scope: ['viewer'] },
    });
    const verified = jwt.verify(
      token.token,
      createPublicKey({ key: b.publicJwk!, format: 'jwk' }),
      { algorithms: ['RS256'], issuer: 'keycast-issuer', audience: 'nf' },
    );
    expect(verified).toMatchObject({ sub: 'u', scopes: ['viewer'] });
    expect(token.verified).toBe(true);
  });

  it('compares the registered keys themselves, not only their kids', async () => {
    const a = await vault.add(await generateKeyMaterial('RS256'), { name: 'nf-c' });
    const api = new NativeFrameClient(NF_SERVICE_JWT, { baseUrl: server.baseUrl });
    const options = { iss: 'tampered', projectId: 'p1', aud: ['nf'], roles: [] };
    server.tamper = { n: Buffer.alloc(256, 7).toString('base64url') };
    try {
      await expect(registerIssuer(api, vault, [a], options)).rejects.toThrow(
        new RegExp(`does not hold the keys as sent \\(${a.kid} has a different n\\)`),
      );
      expect(vault.find('nf-c').uploads).toBeUndefined();
      server.tamper = { kid: 'other' };
      await expect(registerIssuer(api, vault, [a], options)).rejects.toThrow(
        new RegExp(`\\(${a.kid} is missing\\)`),
      );
    } finally {
      server.tamper = null;
    }
  });
});

describe('keycast CLI with the Kinescope contract server', () => {
  let server: KinescopeContract;
  beforeAll(async () => {
    server = await new KinescopeContract(KINESCOPE_TOKEN).start();
  });
  afterAll(() => server.stop());

  it('stores the API token from stdin, uploads, lists, guards deletion, deletes, and never prints the token', async () => {
    const home = tempHome();
    const outputs: string[] = [];
    const run = async (args: string[], input?: string) => {
      const result = await runCli(args, { home, input });
      outputs.push(result.stdout + result.stderr);
      return result;
    };
    expect((await run(['credentials', 'set', 'kinescope'], `${KINESCOPE_TOKEN}\n`)).code).toBe(0);
    expect((await run(['credentials', 'set', 'kinescope'], 'not-a-uuid')).code).toBe(2);
    expect((await run(['credentials', 'list'])).stdout).toMatch(/kinescope {2}•+/);
    await run(['keys', 'generate', '--alg', 'RS256', '--name', 'chat']);
    const uploaded = await run([
      'upload',
      'kinescope',
      '--key',
      'chat',
      '--expires',
      '2027-06-30',
      '--api-url',
      server.baseUrl,
      '--json',
    ]);
    expect(uploaded.code).toBe(0);
    const { remoteId } = JSON.parse(uploaded.stdout) as { remoteId: string };
    const listed = await run(['upload', 'kinescope', '--list', '--api-url', server.baseUrl]);
    expect(listed.stdout).toContain(remoteId);
    const guarded = await run(['keys', 'delete', 'chat', '--yes']);
    expect(guarded.code).toBe(2);
    expect(guarded.stderr).toMatch(/still uploaded to kinescope/);
    expect(
      (await run(['upload', 'kinescope', '--delete', remoteId, '--api-url', server.baseUrl])).code,
    ).toBe(0);
    expect((await run(['keys', 'delete', 'chat', '--yes'])).code).toBe(0);
    const badUrl = await run(['upload', 'kinescope', '--list', '--api-url', 'http://127.0.0.1:9']);
    expect(badUrl.code).toBe(3);
    for (const output of outputs) expect(output).not.toContain(KINESCOPE_TOKEN);
    await run(['credentials', 'delete', 'kinescope']);
  });
});

describe('keycast CLI with the Native Frame contract server', () => {
  let server: NativeFrameContract;
  beforeAll(async () => {
    server = await new NativeFrameContract(NF_SERVICE_JWT).start();
  });
  afterAll(() => server.stop());

  it('labels issued tokens unverified in both outputs and refuses alg "none" (exit 1)', async () => {
    const home = tempHome();
    await runCli(['credentials', 'set', 'nativeframe'], { home, input: NF_SERVICE_JWT });
    try {
      const args = ['mint', 'nativeframe', 'service', '--nf-kid', 'k', '--api-url', server.baseUrl];
      const human = await runCli(args, { home });
      expect(human.code).toBe(0);
      const [token, label] = human.stdout.split('\n');
      expect(token).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(label).toBe(
        "UNVERIFIED: issued by Native Frame's API; Keycast holds no key to check its signature.",
      );
      const json = await runCli([...args, '--json'], { home });
      expect(JSON.parse(json.stdout)).toMatchObject({ verified: false });

      server.issue = { alg: 'none' };
      const unsigned = await runCli(args, { home });
      expect(unsigned.code).toBe(1);
      expect(unsigned.stdout).toBe('');
      expect(unsigned.stderr).toMatch(
        /^keycast: Native Frame issued an unsigned token \(alg "none"\)/,
      );
    } finally {
      server.issue = 'signed';
      await runCli(['credentials', 'delete', 'nativeframe'], { home });
    }
  });
});
