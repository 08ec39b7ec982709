import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempHome } from '../helpers/cli.ts';
import {
  KinescopeContract,
  NativeFrameContract,
  type ContractServer,
  type Fault,
} from '../helpers/contractServers.ts';
import { httpRequest, sleep, spawnServe, waitFor } from '../helpers/serverHarness.ts';

const KINESCOPE_TOKEN = '3f0c6a52-8a1e-4c7b-9d51-2b7e0a9c4d11';
const OVERLAP_S = 2;

let server: KinescopeContract;
beforeAll(async () => {
  server = await new KinescopeContract(KINESCOPE_TOKEN).start();
});
afterAll(() => server.stop());
beforeEach(() => {
  server.requests.length = 0;
  server.keys.clear();
});

async function ok(args: string[], home: string, input?: string) {
  const result = await runCli(args, { home, input });
  expect(result.stderr, args.join(' ')).not.toMatch(/keycast:/);
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result;
}

interface KeyRow {
  id: string;
  name: string;
  kid: string;
  status: string;
}

async function keys(home: string): Promise<KeyRow[]> {
  return JSON.parse((await ok(['keys', 'list', '--json'], home)).stdout) as KeyRow[];
}

/** A vault with the Kinescope credential and a chat key uploaded to the contract server. */
async function chatVault(): Promise<{ home: string; predecessor: KeyRow }> {
  const home = tempHome();
  await ok(['credentials', 'set', 'kinescope'], home, KINESCOPE_TOKEN);
  await ok(
    ['keys', 'generate', '--alg', 'RS256', '--name', 'chat', '--provider', 'kinescope'],
    home,
  );
  await ok(['upload', 'kinescope', '--key', 'chat', '--api-url', server.baseUrl], home);
  server.requests.length = 0;
  return { home, predecessor: (await keys(home))[0]! };
}

async function mintChat(home: string): Promise<string> {
  const result = await ok(
    [
      'mint',
      'kinescope',
      'chat',
      '--key',
      'chat',
      '--event',
      'e1',
      '--user-id',
      'u1',
      '--username',
      'Ann',
      '--json',
    ],
    home,
  );
  return (JSON.parse(result.stdout) as { token: string }).token;
}

async function verifies(token: string, jwks: JSONWebKeySet): Promise<boolean> {
  try {
    await jwtVerify(token, createLocalJWKSet(jwks), { algorithms: ['RS256'] });
    return true;
  } catch {
    return false;
  }
}

const kinescopeJwks = (): JSONWebKeySet => ({
  keys: [...server.keys.values()].map((k) => ({
    kty: k.kty as string,
    kid: k.kid as string,
    n: k.n as string,
    e: k.e as string,
  })),
});

const count = (method: string, path = '/v1/jwk') =>
  server.requests.filter((r) => r.method === method && r.path.startsWith(path)).length;

/**
 * Runs the CLI until the `nth` request it makes from now reaches the server (answered with
 * `fault`), then kills it with SIGKILL: a crash or a closed laptop in the middle of a step.
 */
async function killAtRequest(
  args: string[],
  home: string,
  nth: number,
  fault: Fault,
): Promise<void> {
  return killAtRequestOn(server, args, home, nth, fault);
}

async function killAtRequestOn(
  server: ContractServer,
  args: string[],
  home: string,
  nth: number,
  fault: Fault,
): Promise<void> {
  const base = server.requests.length;
  server.fail('pass', nth - 1);
  server.fail(fault);
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'keycast.js'), ...args], {
    env: { ...process.env, KEYCAST_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await waitFor(() => server.requests.length >= base + nth || child.exitCode !== null, 20_000);
  expect(child.exitCode, `it ended before request ${nth}: ${output}`).toBeNull();
  // A carried-out request is finished on the server before the answer would go out.
  await sleep(100);
  child.kill('SIGKILL');
  await exited;
}

const rotate = () => [
  'keys',
  'rotate',
  'chat',
  '--api-url',
  server.baseUrl,
  '--overlap',
  `${OVERLAP_S}s`,
];

/** After the interruption: resume, wait out the overlap, maintain; the platform ends right. */
async function finishAndCheck(home: string, predecessor: KeyRow, posts = 1, deletes = 1) {
  // Every unfinished rotation (none, when the kill came in the retirement and maintain finished it).
  const resumed = await ok(['keys', 'rotate', '--resume', '--json'], home);
  const outcomes = JSON.parse(resumed.stdout) as { waiting: { reason: string } | null }[];
  // Unless the kill came during the retirement, the overlap is still running: both keys there.
  if (outcomes[0]?.waiting?.reason === 'overlap') {
    expect([...server.keys.values()].map((k) => k.kid)).toContain(predecessor.kid);
    expect(server.keys.size).toBe(2);
    expect(count('DELETE')).toBe(0);
    await sleep(OVERLAP_S * 1000 + 200);
    const maintained = await ok(['maintain'], home);
    expect(maintained.stdout).toMatch(/^advanced chat: Deleted the predecessor from Kinescope/m);
  }
  const after = await keys(home);
  const successor = after.find((k) => k.name === 'chat')!;
  expect(successor.id).not.toBe(predecessor.id);
  expect(after.find((k) => k.id === predecessor.id)?.status).toBe('retired');
  expect([...server.keys.values()].map((k) => k.kid)).toEqual([successor.kid]);
  // The successor was uploaded once, whatever was interrupted (a POST killed before Kinescope
  // carried it out is sent again: it stored nothing); the predecessor deleted once, likewise.
  expect(count('POST')).toBe(posts);
  expect(count('DELETE')).toBe(deletes);
  expect((await ok(['maintain', '--json'], home)).stdout).toMatch(/"actions": \[\]/);
}

describe('keycast keys rotate at Kinescope, killed at every request, then --resume', () => {
  // The rotation's requests before the overlap: look for the successor's kid, the upload's own
  // clash check, the upload, the read-back.
  const publish = [
    'GET /v1/jwk (kid lookup)',
    'GET /v1/jwk (clash check)',
    'POST /v1/jwk',
    'GET /v1/jwk/{id}',
  ];
  publish.forEach((request, i) => {
    for (const fault of ['hang', { hangAfterRoute: true }] as const) {
      const when = fault === 'hang' ? 'before' : 'after';
      it(`killed ${when} Kinescope carries out ${request}`, async () => {
        const { home, predecessor } = await chatVault();
        await killAtRequest(rotate(), home, i + 1, fault);
        await finishAndCheck(
          home,
          predecessor,
          request.startsWith('POST') && fault === 'hang' ? 2 : 1,
        );
      });
    }
  });

  // The retirement's requests once the overlap is over: the list, the DELETE.
  ['GET /v1/jwk', 'DELETE /v1/jwk/{id}'].forEach((request, i) => {
    for (const fault of ['hang', { hangAfterRoute: true }] as const) {
      const when = fault === 'hang' ? 'before' : 'after';
      it(`keycast maintain killed ${when} Kinescope carries out ${request}`, async () => {
        const { home, predecessor } = await chatVault();
        await ok(rotate(), home);
        await sleep(OVERLAP_S * 1000 + 200);
        await killAtRequest(['maintain'], home, i + 1, fault);
        expect((await keys(home)).find((k) => k.id === predecessor.id)?.status).toBe('retiring');
        const maintained = await ok(['maintain'], home);
        expect(maintained.stdout).toMatch(/^advanced chat: /m);
        await finishAndCheck(
          home,
          predecessor,
          1,
          request.startsWith('DELETE') && fault === 'hang' ? 2 : 1,
        );
      });
    }
  });
});

describe('keycast keys rotate: what verifiers see, refusals, exit codes', () => {
  it('a token minted before the switch verifies at Kinescope and at keycast serve --jwks-key during the overlap; after it only the successor is published', async () => {
    const { home, predecessor } = await chatVault();
    const before = await mintChat(home);
    const serve = await spawnServe(home, ['--jwks-key', 'chat']);
    try {
      const started = await ok([...rotate(), '--json'], home);
      const outcome = JSON.parse(started.stdout) as {
        rotation: { successor: KeyRow; retireAfter: string };
        waiting: { reason: string };
      };
      expect(outcome.waiting.reason).toBe('overlap');
      const successorKid = outcome.rotation.successor.kid;
      const after = await mintChat(home);
      // The serve started before the rotation picks it up within its 5 s refresh.
      let served: JSONWebKeySet = { keys: [] };
      for (let i = 0; i < 60 && served.keys.length !== 2; i += 1) {
        served = JSON.parse(
          (await httpRequest(serve.port, { path: '/.well-known/jwks.json' })).body,
        ) as JSONWebKeySet;
        if (served.keys.length !== 2) await sleep(200);
      }
      expect(served.keys.map((k) => k.kid).sort()).toEqual([predecessor.kid, successorKid].sort());
      for (const token of [before, after]) {
        expect(await verifies(token, kinescopeJwks())).toBe(true);
        expect(await verifies(token, served)).toBe(true);
      }
      const exported = JSON.parse(
        (await ok(['keys', 'export', 'chat', '--format', 'jwks'], home)).stdout,
      ) as JSONWebKeySet;
      expect(exported.keys.map((k) => k.kid).sort()).toEqual(
        [predecessor.kid, successorKid].sort(),
      );

      const refused = await runCli(
        [
          'mint',
          'kinescope',
          'chat',
          '--key',
          'chat (retiring)',
          '--event',
          'e',
          '--user-id',
          'u',
          '--username',
          'A',
        ],
        { home },
      );
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe(
        'keycast: Key "chat (retiring)" is retiring and signs nothing: its successor "chat" signs now, use --key "chat".\n',
      );
      expect((await ok(['keys', 'show', 'chat (retiring)'], home)).stdout).toContain(
        `  status     retiring — replaced in a rotation`,
      );
      expect((await ok(['keys', 'show', 'chat (retiring)'], home)).stdout).toContain(
        `  rotation   replaced by "chat"; verifies until ${outcome.rotation.retireAfter}`,
      );
      expect((await ok(['keys', 'show', 'chat'], home)).stdout).toContain(
        `  rotation   successor of "chat (retiring)", which verifies until ${outcome.rotation.retireAfter}`,
      );
      const deleted = await runCli(['keys', 'delete', 'chat (retiring)', '--yes'], { home });
      expect(deleted.code).toBe(2);
      expect(deleted.stderr).toContain(`is retiring until ${outcome.rotation.retireAfter}`);
      expect(deleted.stderr).toContain('--force');

      await sleep(OVERLAP_S * 1000 + 200);
      await ok(['maintain'], home);
      for (let i = 0; i < 60 && served.keys.length !== 1; i += 1) {
        await sleep(200);
        served = JSON.parse(
          (await httpRequest(serve.port, { path: '/.well-known/jwks.json' })).body,
        ) as JSONWebKeySet;
      }
      expect(served.keys.map((k) => k.kid)).toEqual([successorKid]);
      await ok(['keys', 'delete', predecessor.id, '--yes'], home);
    } finally {
      await serve.stop();
    }
  });

  it('keys delete --force deletes a retiring key; keycast maintain exits 1 when a step fails, 0 once it works', async () => {
    const { home, predecessor } = await chatVault();
    await ok(rotate(), home);
    await sleep(OVERLAP_S * 1000 + 200);
    server.fail({ status: 503 }, 30);
    const failed = await runCli(['maintain'], { home });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^failed chat: .*Kinescope.*503/m);
    server.requests.length = 0;
    // Let the queued faults drain on harmless requests.
    while (server.requests.length < 30)
      await httpRequest(Number(new URL(server.baseUrl).port), { path: '/v1/jwk' });
    const again = await ok(['maintain', '--json'], home);
    const report = JSON.parse(again.stdout) as {
      failed: number;
      actions: { kind: string; key: string }[];
    };
    expect(report.failed).toBe(0);
    expect(report.actions).toEqual([expect.objectContaining({ kind: 'advanced', key: 'chat' })]);

    // A second rotation, its predecessor deleted with --force inside the overlap.
    await ok(rotate(), home);
    const retiring = (await keys(home)).find((k) => k.status === 'retiring')!;
    await ok(['keys', 'delete', retiring.id, '--yes', '--force'], home);
    expect((await keys(home)).map((k) => k.id)).not.toContain(retiring.id);
    await ok(['keys', 'delete', predecessor.id, '--yes'], home);
  });

  it('a one-key platform (Ant Media): no switch without confirmation, the new secret in a 0600 file, then --confirm-pasted', async () => {
    const home = tempHome();
    const first = join(home, 'first.secret');
    await ok(
      [
        'keys',
        'generate',
        '--alg',
        'HS256',
        '--provider',
        'antmedia',
        '--name',
        'ams',
        '--secret-out',
        first,
      ],
      home,
    );
    const before = (await keys(home))[0]!;
    const missing = await runCli(['keys', 'rotate', 'ams'], { home });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--secret-out FILE/);
    const secretFile = join(home, 'next.secret');
    const started = await ok(['keys', 'rotate', 'ams', '--secret-out', secretFile], home);
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    const secret = readFileSync(secretFile, 'utf8').trim();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(started.stdout + started.stderr).not.toContain(secret);
    expect(started.stdout).toContain('Ant Media Server holds one key: there is no overlap');
    expect(started.stdout).toContain('Redirect links are unaffected');
    expect(started.stdout).toContain(`It is in ${secretFile} (mode 0600)`);
    expect(started.stdout).toContain('keycast keys rotate "ams" --confirm-pasted');
    // Nothing switches by itself: not by maintain, not by a plain --resume.
    const maintained = await ok(['maintain'], home);
    expect(maintained.stdout).toMatch(/^waiting ams: /m);
    await ok(['keys', 'rotate', 'ams', '--resume'], home);
    expect((await keys(home)).find((k) => k.name === 'ams')?.id).toBe(before.id);
    const confirmed = await ok(['keys', 'rotate', 'ams', '--confirm-pasted'], home);
    expect(confirmed.stdout).toContain('The rotation is complete.');
    const after = await keys(home);
    expect(after.find((k) => k.name === 'ams')?.id).not.toBe(before.id);
    expect(after.find((k) => k.id === before.id)?.status).toBe('retired');
  });
});

describe('keycast keys rotate of a Native Frame issuer, killed at its PUTs, then --resume', () => {
  const NF_SERVICE_JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzdmMifQ.c2VydmljZS1zaWduYXR1cmU';
  const ISS = 'keycast-cli-rotation';
  let nf: NativeFrameContract;
  beforeAll(async () => {
    nf = await new NativeFrameContract(NF_SERVICE_JWT).start();
  });
  afterAll(() => nf.stop());
  beforeEach(() => {
    nf.requests.length = 0;
    nf.issuers.clear();
  });

  const issuerKids = () =>
    ((nf.issuers.get(ISS)?.keys ?? []) as { kid: string }[]).map((k) => k.kid).sort();
  const issuerFlags = ['--project-id', 'proj-1', '--aud', 'nf-aud'];

  async function issuerVault(): Promise<{ home: string; predecessor: KeyRow }> {
    const home = tempHome();
    await ok(['credentials', 'set', 'nativeframe'], home, NF_SERVICE_JWT);
    await ok(
      ['keys', 'generate', '--alg', 'RS256', '--name', 'nf', '--provider', 'nativeframe'],
      home,
    );
    await ok(
      [
        'upload',
        'nativeframe',
        '--key',
        'nf',
        '--iss',
        ISS,
        ...issuerFlags,
        '--api-url',
        nf.baseUrl,
      ],
      home,
    );
    nf.requests.length = 0;
    return { home, predecessor: (await keys(home))[0]! };
  }

  const cases: [string, Fault][] = [
    ['killed before Native Frame carries out the PUT with both keys', 'hang'],
    ['killed after Native Frame carried out the PUT with both keys', { hangAfterRoute: true }],
    ['three 503s on the PUT with both keys (retried twice, then a failed run)', { status: 503 }],
  ];
  for (const [title, fault] of cases) {
    it(title, async () => {
      const { home, predecessor } = await issuerVault();
      const args = [
        'keys',
        'rotate',
        'nf',
        ...issuerFlags,
        '--api-url',
        nf.baseUrl,
        '--overlap',
        `${OVERLAP_S}s`,
      ];
      if (fault === 'hang' || (typeof fault === 'object' && 'hangAfterRoute' in fault)) {
        await killAtRequestOn(nf, args, home, 1, fault);
      } else {
        nf.fail(fault, 3);
        const failed = await runCli(args, { home });
        expect(failed.code).toBe(3);
        expect(failed.stderr).toMatch(/^keycast: Native Frame .*503/);
      }
      // Not switched yet: the predecessor still signs, whatever the issuer holds.
      expect((await keys(home)).find((k) => k.name === 'nf')?.id).toBe(predecessor.id);
      const resumed = JSON.parse(
        (await ok(['keys', 'rotate', 'nf', '--resume', '--json'], home)).stdout,
      ) as {
        waiting: { reason: string };
        rotation: { successor: KeyRow };
      };
      expect(resumed.waiting.reason).toBe('overlap');
      const successorKid = resumed.rotation.successor.kid;
      expect(issuerKids()).toEqual([predecessor.kid, successorKid].sort());
      await sleep(OVERLAP_S * 1000 + 200);
      await killAtRequestOn(nf, ['maintain'], home, 1, { hangAfterRoute: true });
      expect((await ok(['maintain'], home)).stdout).toMatch(
        /^advanced nf: Registered Native Frame issuer/m,
      );
      expect(issuerKids()).toEqual([successorKid]);
      expect((await keys(home)).find((k) => k.id === predecessor.id)?.status).toBe('retired');
    });
  }
});
