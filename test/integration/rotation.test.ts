import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { jwksDocument } from '../../main/core/links/jwks.ts';
import {
  continueRotation,
  findOpenRotation,
  plannedSteps,
  startRotation,
  type RotationEnv,
} from '../../main/core/lifecycle/rotation.ts';
import { signingKeyFor, verificationFamilies } from '../../main/core/lifecycle/rotationFamily.ts';
import { LinkService } from '../../main/core/links/service.ts';
import { KEEP_FRESH_SETTING as OBS_KEEP_FRESH } from '../../main/core/obs/keepFreshRunner.ts';
import { KEEP_FRESH_SETTING } from '../../main/core/lifecycle/rotationSwitch.ts';
import {
  KinescopeClient,
  kinescope,
  uploadToKinescope,
} from '../../main/core/providers/kinescope.ts';
import { mintForProvider } from '../../main/core/providers/mint.ts';
import {
  NativeFrameClient,
  nativeframe,
  registerIssuer,
} from '../../main/core/providers/nativeframe.ts';
import { SqliteLinkStore } from '../../main/core/links/sqliteLinks.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { tempHome } from '../helpers/cli.ts';
import { KinescopeContract, NativeFrameContract } from '../helpers/contractServers.ts';

const KINESCOPE_TOKEN = '3f0c6a52-8a1e-4c7b-9d51-2b7e0a9c4d11';
const NF_SERVICE_JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzdmMifQ.c2VydmljZS1zaWduYXR1cmU';
const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T10:00:00Z');

let vault: Vault;
let now = T0;
beforeEach(() => {
  vault = new Vault({ dataDir: tempHome() });
  now = T0;
});
afterEach(async () => {
  for (const r of vault.list())
    await vault.remove(r.id, { evenIfUploaded: true, evenIfRetiring: true }).catch(() => undefined);
  await vault.close();
});

/** A failure injected after `step`: the rotation stops there as a crash would. */
class Injected extends Error {}

function env(server: { baseUrl: string }, failAfter?: string): RotationEnv & { apiUrl: string } {
  return {
    vault,
    now: () => new Date(now),
    apiUrl: server.baseUrl,
    clients: {
      kinescope: (apiUrl) =>
        Promise.resolve(new KinescopeClient(KINESCOPE_TOKEN, { baseUrl: apiUrl, timeoutMs: 2000 })),
      nativeframe: (apiUrl) =>
        Promise.resolve(
          new NativeFrameClient(NF_SERVICE_JWT, { baseUrl: apiUrl, timeoutMs: 2000 }),
        ),
    },
    afterStep: (step) => {
      if (step === failAfter) throw new Injected(`injected after ${step}`);
    },
  };
}

const chatParams = { event: 'launch', userId: 'u1', username: 'Ann' };

async function mintChat(ref: string): Promise<string> {
  return (
    await mintForProvider(kinescope, vault, {
      kind: 'chat',
      key: ref,
      params: chatParams,
      now: Math.floor(now / 1000),
    })
  ).token;
}

/** What Kinescope holds, as a JWKS (the contract server keeps every member sent). */
function kinescopeJwks(server: KinescopeContract): JSONWebKeySet {
  return {
    keys: [...server.keys.values()].map((k) => ({
      kty: k.kty as string,
      kid: k.kid as string,
      n: k.n as string,
      e: k.e as string,
      alg: 'RS256',
      use: 'sig',
    })),
  };
}

async function verifies(token: string, jwks: JSONWebKeySet): Promise<boolean> {
  try {
    await jwtVerify(token, createLocalJWKSet(jwks), {
      algorithms: ['RS256'],
      currentDate: new Date(now),
    });
    return true;
  } catch {
    return false;
  }
}

/** The rotation steps in the activity log, oldest first. */
const rotationSteps = () =>
  vault.activity
    .query({ event: 'rotation-step' })
    .reverse()
    .map((r) => r.detail.step);

const count = (server: { requests: { method: string; path: string }[] }, method: string) =>
  server.requests.filter((r) => r.method === method).length;

describe('rotation at Kinescope: both keys during the overlap, the old one deleted after it', () => {
  let server: KinescopeContract;
  beforeAll(async () => {
    server = await new KinescopeContract(KINESCOPE_TOKEN).start();
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    server.requests.length = 0;
    server.keys.clear();
    server.answer = 'documented';
  });

  async function uploadedChatKey() {
    const record = await vault.add(await generateKeyMaterial('RS256'), {
      name: 'chat',
      provider: 'kinescope',
    });
    await uploadToKinescope(
      new KinescopeClient(KINESCOPE_TOKEN, { baseUrl: server.baseUrl }),
      vault,
      record,
      '2027-06-30T23:59:59.000Z',
    );
    server.requests.length = 0;
    return vault.find('chat');
  }

  it('walks successor → publish → switch, waits out the overlap (7 days), then deletes the predecessor', async () => {
    const predecessor = await uploadedChatKey();
    const before = await mintChat('chat');
    const e = env(server);
    const started = await startRotation(e, 'chat', { apiUrl: e.apiUrl });
    expect(started.rotation.steps.map((s) => s.step)).toEqual([
      'successor',
      'publish:kinescope',
      'switch',
      'retire:kinescope',
      'retire',
    ]);
    expect(started.waiting).toMatchObject({
      reason: 'overlap',
      until: new Date(T0 + 7 * DAY).toISOString(),
    });
    const successor = vault.find('chat');
    expect(successor.id).not.toBe(predecessor.id);
    expect(successor.kid).not.toBe(predecessor.kid);
    expect(successor.provider).toBe('kinescope');
    const retiring = vault.find(predecessor.id);
    expect(retiring).toMatchObject({
      name: 'chat (retiring)',
      status: 'retiring',
      kid: predecessor.kid,
    });
    expect([...server.keys.values()].map((k) => k.kid).sort()).toEqual(
      [predecessor.kid, successor.kid].sort(),
    );

    // A token minted before the switch verifies against what Kinescope holds and keycast serve publishes.
    const after = await mintChat('chat');
    const served = JSON.parse(
      jwksDocument(verificationFamilies(vault, [vault.find('chat')])).body,
    ) as JSONWebKeySet;
    for (const token of [before, after]) {
      expect(await verifies(token, kinescopeJwks(server))).toBe(true);
      expect(await verifies(token, served)).toBe(true);
    }
    await expect(mintChat('chat (retiring)')).rejects.toThrow(
      'Key "chat (retiring)" is retiring and signs nothing: its successor "chat" signs now, use --key "chat".',
    );
    await expect(vault.remove('chat (retiring)')).rejects.toThrow(
      `Key "chat (retiring)" is retiring until ${new Date(T0 + 7 * DAY).toISOString()}`,
    );

    // One second before the overlap ends nothing is deleted; after it, the predecessor goes.
    now = T0 + 7 * DAY - 1000;
    const early = await continueRotation(e, findOpenRotation(vault, 'chat').id);
    expect(early.done).toEqual([]);
    expect(count(server, 'DELETE')).toBe(0);
    now = T0 + 7 * DAY;
    const finished = await continueRotation(e, findOpenRotation(vault, 'chat').id);
    expect(finished.waiting).toBeNull();
    expect(finished.rotation.completedAt).toBe(new Date(now).toISOString());
    expect([...server.keys.values()].map((k) => k.kid)).toEqual([successor.kid]);
    expect(vault.find(predecessor.id)).toMatchObject({
      status: 'retired',
      name: 'chat (retired 2026-03-08)',
    });
    expect(vault.find(predecessor.id).uploads).toBeUndefined();
    expect(count(server, 'POST')).toBe(1);
    expect(count(server, 'DELETE')).toBe(1);
    const log = vault.activity.query({ event: 'rotation-step' }).reverse();
    expect(log.map((r) => [r.detail.step, r.keyId, r.provider])).toEqual([
      ['successor', successor.id, 'kinescope'],
      ['publish:kinescope', successor.id, 'kinescope'],
      ['switch', successor.id, 'kinescope'],
      ['retire:kinescope', predecessor.id, 'kinescope'],
      ['retire', predecessor.id, 'kinescope'],
    ]);
    expect(log[3]!.detail.remoteIds).toBe(predecessor.uploads![0]!.remoteId);
    expect(await verifies(before, kinescopeJwks(server))).toBe(false);
    // (the token minted at the switch has expired by now: a fresh one from the successor verifies)
    expect(await verifies(await mintChat('chat'), kinescopeJwks(server))).toBe(true);
    await vault.remove(predecessor.id);
  });

  const steps = plannedSteps({ mode: 'overlap', platforms: ['kinescope'] });

  /** Runs a rotation to its end across the overlap, resuming after every interruption. */
  async function rotateThrough(e: RotationEnv, overlapSeconds: number) {
    const predecessor = vault.find('chat');
    const interruptions: unknown[] = [];
    const attempt = async <T>(run: () => Promise<T>): Promise<T | null> => {
      try {
        return await run();
      } catch (error) {
        interruptions.push(error);
        return null;
      }
    };
    await attempt(() => startRotation(e, 'chat', { apiUrl: server.baseUrl, overlapSeconds }));
    const resume = () => continueRotation(e, findOpenRotation(vault, predecessor.id).id);
    for (let i = 0; i < 5; i += 1) {
      const outcome = await attempt(resume);
      if (outcome?.waiting?.reason === 'overlap') break;
    }
    // Inside the overlap: both keys at Kinescope, nothing deleted, whatever was interrupted.
    expect(server.keys.size).toBe(2);
    expect(count(server, 'DELETE')).toBe(0);
    expect(vault.find(predecessor.id).status).toBe('retiring');
    now = T0 + overlapSeconds * 1000;
    for (let i = 0; i < 5 && findOpenRotationOrNull(predecessor.id); i += 1) await attempt(resume);
    expect(findOpenRotationOrNull(predecessor.id)).toBeNull();
    expect([...server.keys.values()].map((k) => k.kid)).toEqual([vault.find('chat').kid]);
    expect(vault.find(predecessor.id).status).toBe('retired');
    expect(count(server, 'POST')).toBe(1);
    // The activity log has each step once, in order, whatever was interrupted.
    expect(rotationSteps()).toEqual(steps);
    expect(vault.activity.verify().intact).toBe(true);
    return interruptions;
  }

  function findOpenRotationOrNull(ref: string) {
    try {
      return findOpenRotation(vault, ref);
    } catch {
      return null;
    }
  }

  for (const failAfter of steps.slice(0, -1)) {
    it(`an interruption after "${failAfter}", then resume: nothing uploaded twice, nothing deleted early`, async () => {
      await uploadedChatKey();
      let armed = true;
      const e = env(server);
      e.afterStep = (step) => {
        if (armed && step === failAfter) {
          armed = false;
          throw new Injected(`injected after ${step}`);
        }
      };
      const interruptions = await rotateThrough(e, 3600);
      expect(interruptions).toHaveLength(1);
      expect(interruptions[0]).toBeInstanceOf(Injected);
      expect(count(server, 'DELETE')).toBe(1);
    });
  }

  it('a 500 after Kinescope stored the upload: the resume finds it by kid and uploads nothing again', async () => {
    await uploadedChatKey();
    const e = env(server);
    let posts = 0;
    const original = e.clients!.kinescope.bind(e.clients);
    e.clients!.kinescope = async (url) => {
      const client = await original(url);
      const add = client.addKey.bind(client);
      client.addKey = async (body) => {
        posts += 1;
        // The first POST is stored, then answered 500 (a gateway failing after the write).
        if (posts === 1) server.fail({ status: 500, afterRoute: true });
        return add(body);
      };
      return client;
    };
    const interruptions = await rotateThrough(e, 3600);
    expect(interruptions).toHaveLength(1);
    expect(String(interruptions[0])).toMatch(/500/);
    expect(count(server, 'DELETE')).toBe(1);
  });

  it('a DELETE carried out but answered 502 (then 404 on the retry): the resume sees it gone and finishes', async () => {
    await uploadedChatKey();
    const e = env(server);
    const original = e.clients!.kinescope.bind(e.clients);
    let deletes = 0;
    e.clients!.kinescope = async (url) => {
      const client = await original(url);
      const del = client.deleteKey.bind(client);
      client.deleteKey = async (id) => {
        deletes += 1;
        if (deletes === 1) server.fail({ status: 502, afterRoute: true });
        return del(id);
      };
      return client;
    };
    const interruptions = await rotateThrough(e, 3600);
    expect(interruptions).toHaveLength(1);
    expect(deletes).toBe(1);
  });

  it('the Kinescope API failing with 503s: each run fails with a sentence, the last error is kept, and a later run finishes', async () => {
    await uploadedChatKey();
    const e = env(server);
    server.fail({ status: 503 }, 3);
    await expect(
      startRotation(e, 'chat', { apiUrl: server.baseUrl, overlapSeconds: 60 }),
    ).rejects.toThrow(/Kinescope/);
    const open = findOpenRotation(vault, 'chat (next)');
    expect(open.lastError).toMatch(/^publish:kinescope: .*Kinescope/);
    expect(vault.find('chat').status).toBe('active');
    const done = await continueRotation(e, open.id);
    expect(done.waiting?.reason).toBe('overlap');
    expect(done.rotation.lastError).toBeNull();
  });
});

describe('rotation of a Native Frame external issuer: the issuer holds both keys during the overlap', () => {
  let server: NativeFrameContract;
  const ISS = 'keycast-rotation-test';
  const settings = { projectId: 'proj-1', aud: ['nf-aud'], roles: [] as string[] };
  beforeAll(async () => {
    server = await new NativeFrameContract(NF_SERVICE_JWT).start();
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    server.requests.length = 0;
    server.issuers.clear();
  });

  const issuerKids = () =>
    ((server.issuers.get(ISS)?.keys ?? []) as { kid: string }[]).map((k) => k.kid).sort();

  async function registeredKey() {
    const record = await vault.add(await generateKeyMaterial('RS256'), {
      name: 'nf',
      provider: 'nativeframe',
    });
    await registerIssuer(
      new NativeFrameClient(NF_SERVICE_JWT, { baseUrl: server.baseUrl }),
      vault,
      [record],
      { iss: ISS, ...settings },
    );
    server.requests.length = 0;
    return vault.find('nf');
  }

  const issuerToken = async (ref: string) =>
    (
      await mintForProvider(nativeframe, vault, {
        kind: 'issuer',
        key: ref,
        params: { iss: ISS, aud: ['nf-aud'], userId: 'u1', scope: ['viewer'] },
        now: Math.floor(now / 1000),
      })
    ).token;

  const issuerJwks = (): JSONWebKeySet => ({
    keys: (server.issuers.get(ISS)?.keys ?? []) as JSONWebKeySet['keys'],
  });

  it('registers the issuer again with the settings it was registered with from this vault', async () => {
    await registeredKey();
    await startRotation(env(server), 'nf', { apiUrl: server.baseUrl });
    const puts = server.requests.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(1);
    expect(puts[0]!.body).toMatchObject({ project: { id: 'proj-1' }, aud: ['nf-aud'], roles: [] });
  });

  it('needs the issuer settings when this vault does not know them (registered elsewhere)', async () => {
    await registeredKey();
    vault.settings.set(`nativeframe.issuer:${ISS}`, null);
    await expect(startRotation(env(server), 'nf', { apiUrl: server.baseUrl })).rejects.toThrow(
      `"nf" is registered with Native Frame issuer "${ISS}", which is registered again with both keys: pass --project-id (and --aud, --role as registered).`,
    );
    expect(vault.list()).toHaveLength(1);
  });

  const steps = plannedSteps({ mode: 'overlap', platforms: ['nativeframe'] });
  for (const failAfter of [null, ...steps.slice(0, -1)]) {
    it(`${failAfter ? `an interruption after "${failAfter}"` : 'no interruption'}: both keys during the overlap (default 1 day), the successor alone after it`, async () => {
      const predecessor = await registeredKey();
      const before = await issuerToken('nf');
      let armed = failAfter !== null;
      const e = env(server);
      e.afterStep = (step) => {
        if (armed && step === failAfter) {
          armed = false;
          throw new Injected(`injected after ${step}`);
        }
      };
      const run = async (fn: () => Promise<unknown>) =>
        fn().catch((error: unknown) => {
          if (!(error instanceof Injected)) throw error;
        });
      await run(() => startRotation(e, 'nf', { apiUrl: server.baseUrl, nativeframe: settings }));
      const resume = () => continueRotation(e, findOpenRotation(vault, predecessor.id).id);
      await run(resume);
      await run(resume);
      expect(findOpenRotation(vault, predecessor.id).retireAfter).toBe(
        new Date(T0 + DAY).toISOString(),
      );
      const successor = vault.find('nf');
      expect(issuerKids()).toEqual([predecessor.kid, successor.kid].sort());
      expect(await verifies(before, issuerJwks())).toBe(true);
      expect(await verifies(await issuerToken('nf'), issuerJwks())).toBe(true);
      now = T0 + DAY;
      await run(resume);
      if (findOpenRotationOrNull(predecessor.id)) await resume();
      expect(findOpenRotationOrNull(predecessor.id)).toBeNull();
      expect(issuerKids()).toEqual([successor.kid]);
      expect(vault.find(predecessor.id).status).toBe('retired');
      expect(vault.find(predecessor.id).uploads).toBeUndefined();
      expect(vault.find('nf').uploads).toEqual([
        expect.objectContaining({ provider: 'nativeframe', remoteId: ISS }),
      ]);
      // Every PUT carried the whole issuer: never a body without the key that signs.
      for (const put of server.requests.filter((r) => r.method === 'PUT')) {
        const kids = (put.body as { keys: { kid: string }[] }).keys.map((k) => k.kid);
        expect(kids).toContain(successor.kid);
      }
    });
  }

  function findOpenRotationOrNull(ref: string) {
    try {
      return findOpenRotation(vault, ref);
    } catch {
      return null;
    }
  }
});

describe('what refers to the key moves to the successor at the switch', () => {
  it('redirect links, the OBS keep-fresh setting and the policy follow; the name goes, id and kid stay', async () => {
    const predecessor = await vault.add(await generateKeyMaterial('ES256'), {
      name: 'cam',
      provider: 'mediamtx',
    });
    const other = await vault.add(await generateKeyMaterial('ES256'), { name: 'other' });
    const store = new SqliteLinkStore(vault.database);
    const link = (id: string, keyId: string) => ({
      id,
      hash: `hash-${id}`,
      provider: 'mediamtx',
      kind: 'read',
      keyId,
      params: {},
      tokenTtlSeconds: 300,
      validFrom: null,
      validUntil: null,
      maxUses: null,
      uses: 0,
      confirm: false,
      label: id,
      note: '',
      createdAt: new Date(T0).toISOString(),
      revokedAt: null,
      lastClickAt: null,
    });
    await store.create(link('l1', predecessor.id));
    await store.create(link('l2', predecessor.id));
    await store.create(link('l3', other.id));
    expect(KEEP_FRESH_SETTING).toBe(OBS_KEEP_FRESH);
    vault.settings.set(KEEP_FRESH_SETTING, {
      enabled: false,
      provider: 'mediamtx',
      kind: 'publish',
      key: 'cam',
      params: { path: 'live/cam' },
      marginSeconds: 600,
    });
    const e = env({ baseUrl: 'http://127.0.0.1:9' });
    const started = await startRotation(e, 'cam', { overlapSeconds: 600 });
    expect(started.done.join(' ')).toMatch(
      /Moved to the successor: 2 redirect link\(s\) and the OBS keep-fresh setting\./,
    );
    const successor = vault.find('cam');
    expect((await store.find('l1'))?.keyId).toBe(successor.id);
    expect((await store.find('l2'))?.keyId).toBe(successor.id);
    expect((await store.find('l3'))?.keyId).toBe(other.id);
    expect(vault.settings.get(KEEP_FRESH_SETTING)).toMatchObject({ key: successor.id });
    expect(vault.find(predecessor.id)).toMatchObject({ kid: predecessor.kid, status: 'retiring' });
    // The predecessor has links no more: once retired it can be deleted.
    now = T0 + 600_000;
    await continueRotation(e, findOpenRotation(vault, predecessor.id).id);
    await vault.remove(predecessor.id);
  });
});

describe('redirect links that were not moved (PostgreSQL keeps them) follow the successor', () => {
  it('a link naming the retiring key mints with the successor, and the server starts without a warning', async () => {
    const predecessor = await vault.add(await generateKeyMaterial('RS256'), {
      name: 'chat',
      provider: 'kinescope',
    });
    const service = new LinkService(vault, new SqliteLinkStore(vault.database), {
      publicUrl: 'https://go.example.com',
    });
    const issued = await service.create({
      provider: 'kinescope',
      kind: 'chat',
      key: 'chat',
      params: chatParams,
    });
    await startRotation(env({ baseUrl: 'http://127.0.0.1:9' }), 'chat', { overlapSeconds: 600 });
    const successor = vault.find('chat');
    expect(signingKeyFor(vault, vault.find(predecessor.id)).id).toBe(successor.id);
    expect(signingKeyFor(vault, successor).id).toBe(successor.id);
    // As a PostgreSQL store would have it: the link still names the predecessor's id.
    vault.database.db
      .prepare('UPDATE links SET key_id = ? WHERE id = ?')
      .run(predecessor.id, issued.link.id);
    // A server started after the switch (a running one sees it within its few-second plan cache).
    const server = new LinkService(vault, new SqliteLinkStore(vault.database), {
      publicUrl: 'https://go.example.com',
    });
    expect(await server.loadSigningKeys()).toEqual([]);
    const followed = await server.follow(issued.url.split('/l/')[1]!);
    expect(followed.ok).toBe(true);
    const location = (followed as { location: string }).location;
    const token = new URL(location).searchParams.get('token')!;
    expect(decodeProtectedHeader(token).kid).toBe(successor.kid);
  });
});

describe('--at: the successor is published at once, the switch waits for its time', () => {
  it('publishes the successor ahead (JWKS family), keeps signing with the old key, switches at --at exactly', async () => {
    const predecessor = await vault.add(await generateKeyMaterial('ES256'), {
      name: 'cam',
      provider: 'mediamtx',
    });
    const e = env({ baseUrl: 'http://127.0.0.1:9' });
    const switchAt = new Date(T0 + 3600_000);
    await expect(
      startRotation(e, 'cam', { switchAt: new Date(T0 - 3600_000), overlapSeconds: 60 }),
    ).rejects.toThrow(/--at .* is in the past/);
    const started = await startRotation(e, 'cam', { switchAt, overlapSeconds: 60 });
    expect(started.waiting).toMatchObject({ reason: 'switch-time', until: switchAt.toISOString() });
    expect(vault.find('cam').id).toBe(predecessor.id);
    const successorId = started.rotation.successor!.id;
    // Verifiers fetch the successor before it signs anything.
    expect(verificationFamilies(vault, [vault.find('cam')]).map((r) => r.id)).toEqual([
      predecessor.id,
      successorId,
    ]);
    now = switchAt.getTime() - 1;
    expect((await continueRotation(e, started.rotation.id)).waiting?.reason).toBe('switch-time');
    now = switchAt.getTime();
    const switched = await continueRotation(e, started.rotation.id);
    expect(switched.waiting).toMatchObject({
      reason: 'overlap',
      until: new Date(switchAt.getTime() + 60_000).toISOString(),
    });
    expect(vault.find('cam').id).toBe(successorId);
  });
});
