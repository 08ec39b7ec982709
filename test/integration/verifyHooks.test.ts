import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyRecord } from '../../shared/keyRecord.ts';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { HookHandler } from '../../main/core/links/hooks/handler.ts';
import { StreamTokenVerifier } from '../../main/core/links/hooks/verifier.ts';
import { jwksDocument } from '../../main/core/links/jwks.ts';
import { startServer, type LinkServer, type ServerOptions } from '../../main/core/links/server.ts';
import { LinkService } from '../../main/core/links/service.ts';
import { SqliteLinkStore } from '../../main/core/links/sqliteLinks.ts';
import type { HookReason } from '../../main/core/links/types.ts';
import { providerById } from '../../main/core/providers/index.ts';
import { mintForProvider } from '../../main/core/providers/mint.ts';
import { DATABASE_FILE } from '../../main/core/store/database.ts';
import { mintToken } from '../../main/core/tokens/mint.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { tempHome } from '../helpers/cli.ts';
import { memberNames, PRIVATE_MEMBERS } from '../helpers/keys.ts';
import {
  httpRequest,
  rawConnection,
  readUntilClosed,
  sleep,
  type Answer,
} from '../helpers/serverHarness.ts';
import { testKey } from '../helpers/signers.ts';

/**
 * The verify hooks and the JWKS of `keycast serve`, in process (a real vault in the keychain, the
 * real server on a loopback port): each media server's documented request and the answer it
 * understands, hostile input, and the JWKS as jose's remote key set reads it.
 */

let home: string;
let vault: Vault;
let otherVault: Vault;
let hs: KeyRecord;
let es: KeyRecord;
let rsa: KeyRecord;
let ed: KeyRecord;
let store: SqliteLinkStore;
let server: LinkServer;
/** The same server behind an allow-list that 127.0.0.1 is not on, and without a JWKS. */
let guarded: LinkServer;
const logs: string[] = [];
/** Every token sent: none may be found in the database or the log. */
const tokens: string[] = [];

beforeAll(async () => {
  home = tempHome();
  vault = new Vault({ dataDir: home });
  hs = await vault.add(await generateKeyMaterial('HS256'), { name: 'ams' });
  es = await vault.add(await generateKeyMaterial('ES256'), { name: 'mtx' });
  rsa = await vault.add(await generateKeyMaterial('RS256'), { name: 'rsa' });
  ed = await vault.add(await generateKeyMaterial('EdDSA'), { name: 'ed' });
  otherVault = new Vault({ dataDir: tempHome() });
  await otherVault.add(await generateKeyMaterial('HS256'), { name: 'elsewhere' });
  store = new SqliteLinkStore(vault.database);
  const service = new LinkService(vault, store, { publicUrl: 'https://go.example.com' });
  const base: ServerOptions = {
    service,
    listen: { host: '127.0.0.1', port: 0 },
    log: (line) => logs.push(line),
  };
  server = await startServer({
    ...base,
    hooks: { verifier: new StreamTokenVerifier(vault), bodyTimeoutMs: 500 },
    jwks: jwksDocument([es, rsa, ed]),
  });
  guarded = await startServer({
    ...base,
    hooks: { verifier: new StreamTokenVerifier(vault), allow: ['10.0.0.0/8', '::1'] },
  });
});

afterAll(async () => {
  await Promise.all([server?.close(), guarded?.close()]);
  await vault?.close();
  await otherVault?.close();
});

/** A token from a provider kind, minted as `keycast mint` does (optionally at another time). */
async function mint(
  provider: string,
  kind: string,
  params: Record<string, string>,
  options: { key?: string; now?: number; ttl?: number; from?: Vault } = {},
): Promise<string> {
  const from = options.from ?? vault;
  const minted = await mintForProvider(providerById(provider, from), from, {
    kind,
    key: options.key ?? (provider === 'mediamtx' ? 'mtx' : 'ams'),
    params: { host: 'media.example.com', ...params },
    now: options.now,
    ttlSeconds: options.ttl,
  });
  tokens.push(minted.token);
  return minted.token;
}

const antPublish = (stream: string) => mint('antmedia', 'publish', { stream });
const antPlay = (stream: string) => mint('antmedia', 'play', { stream });

function post(
  target: LinkServer,
  hook: string,
  body: string,
  type: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return httpRequest(target.port, {
    method: 'POST',
    path: `/hooks/${hook}`,
    headers: { 'content-type': type, ...headers },
    body,
  });
}

/**
 * SRS's documented on_publish request (ossrs.io, docs "HTTP Callback", section "Protocol"),
 * with its `param` carrying the stream key's query. SRS sends `Content-Type: application-json`.
 */
function srsBody(action: 'on_publish' | 'on_play', stream: string, token?: string): string {
  return JSON.stringify({
    server_id: 'vid-0xk989d',
    action,
    client_id: '341w361a',
    ip: '127.0.0.1',
    vhost: '__defaultVhost__',
    app: 'live',
    tcUrl: 'rtmp://127.0.0.1:1935/live?vhost=__defaultVhost__',
    stream,
    param: token ? `?token=${token}&salt=yyy` : '',
    stream_url: `video.test.com/live/${stream}`,
    stream_id: 'vid-124q9y3',
  });
}

/**
 * MediaMTX's documented external HTTP authentication payload (bluenviron/mediamtx,
 * docs/2-features/06-authentication.md, "External HTTP server"), filled in as MediaMTX would.
 */
function mediamtxBody(fields: Partial<Record<string, string>>): string {
  return JSON.stringify({
    user: '',
    password: '',
    token: '',
    ip: '192.0.2.10',
    action: 'publish',
    path: 'live/cam1',
    protocol: 'rtmp',
    id: '6f1c1a66-0b5e-4b33-9a8c-1f1f0d3c2a11',
    query: '',
    ...fields,
  });
}

/** nginx-rtmp's on_publish/on_play form, as nginx 1.22 with libnginx-mod-rtmp sends it. */
function nginxForm(call: 'publish' | 'play', name: string, token?: string): string {
  const form = new URLSearchParams({
    app: 'LiveApp',
    flashver: 'FMLE/3.0 (compatible; Lavf59.27',
    swfurl: '',
    tcurl: 'rtmp://127.0.0.1:1935/LiveApp',
    pageurl: '',
    addr: '192.0.2.44',
    clientid: '2',
    call,
    name,
    type: 'live',
  });
  if (token !== undefined) form.set('token', token);
  return form.toString();
}

const FORM = 'application/x-www-form-urlencoded';

function srsCode(answer: Answer): number {
  expect(answer.status).toBe(200);
  return (JSON.parse(answer.body) as { code: number }).code;
}

/** A token whose header says alg "none" with a vault key's kid, and no signature. */
function unsigned(kid: string, claims: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const token = `${part({ alg: 'none', typ: 'JWT', kid })}.${part(claims)}.`;
  tokens.push(token);
  return token;
}

async function latestReason(): Promise<HookReason | undefined> {
  return (await store.decisions({ limit: 1 }))[0]?.reason;
}

describe('SRS hook (/hooks/srs)', () => {
  it("answers SRS's documented on_publish with HTTP 200 and code 0 for the right token", async () => {
    const answer = await post(
      server,
      'srs',
      srsBody('on_publish', 'cam1', await antPublish('cam1')),
      'application-json',
    );
    expect(srsCode(answer)).toBe(0);
    const [decision] = await store.decisions({ limit: 1 });
    expect(decision).toMatchObject({
      hook: 'srs',
      reason: 'allowed',
      action: 'publish',
      app: 'live',
      stream: 'cam1',
      caller: '127.0.0.1',
      client: '127.0.0.0/24',
      kid: hs.kid,
    });
  });

  it('allows on_play with a play token and refuses, with a non-zero code, every wrong one', async () => {
    const json = 'application/json';
    expect(
      srsCode(await post(server, 'srs', srsBody('on_play', 'cam1', await antPlay('cam1')), json)),
    ).toBe(0);
    const cases: [string, HookReason][] = [
      [srsBody('on_play', 'cam1', await antPublish('cam1')), 'wrong-type'],
      [srsBody('on_publish', 'cam2', await antPublish('cam1')), 'wrong-stream'],
      [srsBody('on_publish', 'cam1'), 'no-token'],
      [srsBody('on_publish', 'cam1', 'not.a.token'), 'malformed'],
    ];
    for (const [body, reason] of cases) {
      const answer = await post(server, 'srs', body, json);
      expect(srsCode(answer)).not.toBe(0);
      expect(answer.body).toContain(reason);
      expect(await latestReason()).toBe(reason);
    }
  });
});

describe('MediaMTX hook (/hooks/mediamtx)', () => {
  it("allows MediaMTX's documented request with a mediamtx token in token, the query or the password", async () => {
    const publish = await mint('mediamtx', 'publish', { path: 'live/cam1' });
    for (const fields of [
      { token: publish },
      { query: `jwt=${publish}` },
      { query: `token=${publish}&x=1` },
      { user: 'any', password: publish },
    ]) {
      const answer = await post(server, 'mediamtx', mediamtxBody(fields), 'application/json');
      expect(answer.status).toBe(200);
    }
    const read = await mint('mediamtx', 'read', { path: 'live/cam1' });
    const ok = await post(
      server,
      'mediamtx',
      mediamtxBody({ action: 'read', protocol: 'hls', token: read }),
      'application/json',
    );
    expect(ok.status).toBe(200);
    // An Ant Media stream token whose streamId is the path works the same way.
    const ant = await post(
      server,
      'mediamtx',
      mediamtxBody({ path: 'cam9', token: await antPublish('cam9') }),
      'application/json',
    );
    expect(ant.status).toBe(200);
  });

  it('answers 401 without credentials (so RTSP clients send them) and 403 to a refused token', async () => {
    const json = 'application/json';
    const none = await post(server, 'mediamtx', mediamtxBody({}), json);
    expect(none.status).toBe(401);
    expect(await latestReason()).toBe('no-token');
    const read = await mint('mediamtx', 'read', { path: 'live/cam1' });
    const cases: [Partial<Record<string, string>>, HookReason][] = [
      [{ token: read }, 'wrong-type'],
      [{ token: read, action: 'read', path: 'live/cam2' }, 'wrong-stream'],
      [{ token: read, action: 'api', path: '' }, 'wrong-type'],
      [{ token: read, action: 'playback' }, 'wrong-type'],
    ];
    for (const [fields, reason] of cases) {
      const answer = await post(server, 'mediamtx', mediamtxBody(fields), json);
      expect(answer.status).toBe(403);
      expect(await latestReason()).toBe(reason);
    }
  });
});

describe('the token checks every hook shares', () => {
  it('refuses expired, other-key, forged-kid, alg none, wrong-algorithm and kid-less tokens', async () => {
    const hour = Math.floor(Date.now() / 1000) - 3600;
    const expired = await mint('antmedia', 'publish', { stream: 's' }, { now: hour, ttl: 60 });
    const elsewhere = await mint(
      'antmedia',
      'publish',
      { stream: 's' },
      {
        key: 'elsewhere',
        from: otherVault,
      },
    );
    // The header names the vault's key, the signature is made with another secret.
    const impostor = await testKey('HS256', hs.kid);
    const forged = (
      await mintToken(impostor.signer, { claims: { streamId: 's', type: 'publish' } })
    ).token;
    // HS512 named with the HS256 key's kid: refused for the algorithm before any signature check.
    const hs512 = await testKey('HS512', hs.kid);
    const wrongAlg = (await mintToken(hs512.signer, { claims: { streamId: 's', type: 'publish' } }))
      .token;
    const kidless = (
      await mintToken(
        { ...(await testKey('HS256')).signer, kid: undefined },
        { claims: { streamId: 's', type: 'publish' } },
      )
    ).token;
    const none = unsigned(hs.kid, { streamId: 's', type: 'publish', exp: hour + 7200 });
    tokens.push(forged, wrongAlg, kidless);
    const cases: [string, HookReason][] = [
      [expired, 'expired'],
      [elsewhere, 'unknown-kid'],
      [forged, 'bad-signature'],
      [wrongAlg, 'wrong-algorithm'],
      [kidless, 'unknown-kid'],
      [none, 'unsigned'],
      [`${(await antPublish('s')).slice(0, -2)}AA`, 'bad-signature'],
    ];
    for (const [token, reason] of cases) {
      const answer = await post(server, 'nginx-rtmp', nginxForm('publish', 's', token), FORM);
      expect(answer.status, reason).toBe(403);
      expect(await latestReason()).toBe(reason);
    }
    expect(
      (await post(server, 'nginx-rtmp', nginxForm('publish', 's', await antPublish('s')), FORM))
        .status,
    ).toBe(200);
  });

  it('verifies asymmetric keys by kid with their own algorithm (RS256, EdDSA)', async () => {
    for (const key of ['rsa', 'ed']) {
      const token = await mint('mediamtx', 'publish', { path: 'LiveApp/s' }, { key });
      const answer = await post(server, 'nginx-rtmp', nginxForm('publish', 's', token), FORM);
      expect(answer.status).toBe(200);
    }
  });
});

describe('hostile callers and bodies', () => {
  it('refuses bad bodies with 400 and one sentence in the log line, never crashing', async () => {
    const cases: [string, string, string][] = [
      ['srs', '{"action": "on_publish", "app": "live"', 'application/json'],
      ['srs', '[1, 2, 3]', 'application/json'],
      [
        'srs',
        JSON.stringify({ action: 'on_connect', app: 'live', stream: 's' }),
        'application/json',
      ],
      ['srs', JSON.stringify({ action: 'on_publish', app: 'live', stream: 7 }), 'application/json'],
      ['srs', `${'['.repeat(50)}${']'.repeat(50)}`, 'application/json'],
      ['mediamtx', JSON.stringify({ action: 'delete', path: 'x' }), 'application/json'],
      ['mediamtx', mediamtxBody({ query: 'jwt=a&jwt=b' }), 'application/json'],
      ['nginx-rtmp', nginxForm('publish', ''), FORM],
      ['nginx-rtmp', 'call=done&app=LiveApp&name=s', FORM],
      ['nginx-rtmp', `${nginxForm('publish', 's', 'a')}&token=b`, FORM],
      ['nginx-rtmp', nginxForm('publish', 's\u0000x', 'a'), FORM],
      // Wrong content type for each.
      ['srs', srsBody('on_publish', 's'), 'text/plain'],
      ['mediamtx', mediamtxBody({}), FORM],
      ['nginx-rtmp', nginxForm('publish', 's'), 'application/json'],
    ];
    for (const [hook, body, type] of cases) {
      const before = logs.length;
      const answer = await post(server, hook, body, type);
      expect(answer.status, `${hook} ${body.slice(0, 40)}`).toBe(400);
      expect(await latestReason()).toBe('bad-request');
      const line = logs.slice(before).find((l) => l.includes(`/hooks/${hook}`));
      expect(line).toMatch(/ 400 bad-request: [A-Z][^.]*\./);
    }
    const get = await httpRequest(server.port, { path: '/hooks/srs' });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect((await httpRequest(server.port, { method: 'POST', path: '/hooks/other' })).status).toBe(
      404,
    );
    // The server still answers.
    expect((await httpRequest(server.port, { path: '/healthz' })).status).toBe(200);
  });

  it('refuses a caller outside --hook-allow with 403 (recorded) and a Host of another name with 403', async () => {
    const token = await antPublish('s');
    const outside = await post(guarded, 'nginx-rtmp', nginxForm('publish', 's', token), FORM);
    expect(outside.status).toBe(403);
    expect(await latestReason()).toBe('not-allowed-caller');
    const rebinding = await post(server, 'nginx-rtmp', nginxForm('publish', 's', token), FORM, {
      host: `attacker.example:${server.port}`,
    });
    expect(rebinding.status).toBe(403);
    // nginx-rtmp writes its Host without the port: our own names are accepted that way.
    const portless = await post(server, 'nginx-rtmp', nginxForm('publish', 's', token), FORM, {
      host: '127.0.0.1',
    });
    expect(portless.status).toBe(200);
    const localhost = await post(server, 'nginx-rtmp', nginxForm('publish', 's', token), FORM, {
      host: 'localhost',
    });
    expect(localhost.status).toBe(200);
    const portlessElsewhere = await post(
      server,
      'nginx-rtmp',
      nginxForm('publish', 's', token),
      FORM,
      { host: 'attacker.example' },
    );
    expect(portlessElsewhere.status).toBe(403);
  });

  it('refuses a 1 MB body with 413 without reading it whole, and cuts a slow body off', async () => {
    // Declared: answered before any of the body is sent.
    const declared = await rawConnection(server.port);
    declared.write(
      `POST /hooks/srs HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nContent-Length: ${1024 * 1024}\r\n\r\n`,
    );
    expect(await readUntilClosed(declared, 5000)).toMatch(/^HTTP\/1\.1 413 /);

    // Chunked: the server stops at 16 KiB and closes; most of the megabyte is never sent.
    const chunked = await rawConnection(server.port);
    chunked.write(
      `POST /hooks/srs HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const answer = readUntilClosed(chunked, 5000);
    let sent = 0;
    const chunk = `4000\r\n${'x'.repeat(0x4000)}\r\n`;
    while (sent < 1024 * 1024 && !chunked.destroyed && chunked.writable) {
      chunked.write(chunk);
      sent += 0x4000;
      await sleep(5);
    }
    expect(await answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(sent).toBeLessThan(1024 * 1024);

    // Slow: a few bytes of a declared 100, then nothing; cut off after the body time-out (500 ms).
    const slow = await rawConnection(server.port);
    const started = Date.now();
    slow.write(
      `POST /hooks/srs HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"act`,
    );
    expect(await readUntilClosed(slow, 5000)).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await httpRequest(server.port, { path: '/healthz' })).status).toBe(200);
  });

  it('keeps answering 200 concurrent hook calls correctly', async () => {
    const good = await antPublish('busy');
    const play = await antPlay('busy');
    const calls = Array.from({ length: 200 }, (_, i) => {
      const kind = i % 4;
      if (kind === 0)
        return {
          hook: 'nginx-rtmp',
          body: nginxForm('publish', 'busy', good),
          type: FORM,
          ok: true,
        };
      if (kind === 1)
        return {
          hook: 'nginx-rtmp',
          body: nginxForm('publish', 'busy', play),
          type: FORM,
          ok: false,
        };
      if (kind === 2)
        return {
          hook: 'srs',
          body: srsBody('on_play', 'busy', play),
          type: 'application/json',
          ok: true,
        };
      return {
        hook: 'srs',
        body: srsBody('on_publish', 'other', good),
        type: 'application/json',
        ok: false,
      };
    });
    const answers = await Promise.all(calls.map((c) => post(server, c.hook, c.body, c.type)));
    answers.forEach((answer, i) => {
      const call = calls[i]!;
      const allowed =
        call.hook === 'srs' ? srsCode(answer) === 0 : answer.status >= 200 && answer.status < 300;
      expect(allowed, `call ${i}`).toBe(call.ok);
    });
  });

  it('records every decision without the token, and logs the hook and outcome, never the token', async () => {
    const decisions = await store.decisions({ limit: 10_000 });
    expect(decisions.length).toBeGreaterThan(200);
    const files = [DATABASE_FILE, `${DATABASE_FILE}-wal`]
      .map((name) => join(home, name))
      .filter((path) => existsSync(path));
    const stored = files.map((path) => readFileSync(path).toString('latin1')).join('\n');
    const logged = logs.join('\n');
    expect(logged).toMatch(/POST \/hooks\/nginx-rtmp 200 nginx-rtmp publish allowed/);
    expect(logged).toMatch(/POST \/hooks\/srs 200 srs publish refused: wrong-stream/);
    for (const token of tokens) {
      // The signature part alone is enough to find a token, and never appears by chance.
      const signature = token.split('.')[2] || token.split('.')[1]!;
      expect(stored.includes(signature)).toBe(false);
      expect(logged.includes(signature)).toBe(false);
    }
  });
});

describe('/.well-known/jwks.json', () => {
  it('serves the chosen public keys with a short Cache-Control and a strong ETag, 304 when unchanged', async () => {
    const answer = await httpRequest(server.port, { path: '/.well-known/jwks.json' });
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('public, max-age=60');
    const etag = answer.headers.etag!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    const jwks = JSON.parse(answer.body) as { keys: { kid: string; kty: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([es.kid, rsa.kid, ed.kid]);
    expect(jwks.keys.map((k) => k.kty)).toEqual(['EC', 'RSA', 'OKP']);
    for (const member of PRIVATE_MEMBERS) expect(memberNames(jwks)).not.toContain(member);
    for (const tag of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const cached = await httpRequest(server.port, {
        path: '/.well-known/jwks.json',
        headers: { 'if-none-match': tag },
      });
      expect(cached.status).toBe(304);
      expect(cached.body).toBe('');
      expect(cached.headers.etag).toBe(etag);
    }
    const changed = await httpRequest(server.port, {
      path: '/.well-known/jwks.json',
      headers: { 'if-none-match': '"something-else"' },
    });
    expect(changed.status).toBe(200);
    const head = await httpRequest(server.port, { method: 'HEAD', path: '/.well-known/jwks.json' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('is 404 without --jwks-key, and refuses an HMAC key in one sentence', async () => {
    const answer = await httpRequest(guarded.port, { path: '/.well-known/jwks.json' });
    expect(answer.status).toBe(404);
    expect(() => jwksDocument([es, hs])).toThrow(
      /"ams" is an HS256 shared secret: a JWKS is public/,
    );
  });

  it("verifies a token minted with the mediamtx provider against the served JWKS (jose's remote key set)", async () => {
    const keySet = createRemoteJWKSet(
      new URL(`http://127.0.0.1:${server.port}/.well-known/jwks.json`),
    );
    for (const key of ['mtx', 'rsa', 'ed']) {
      const token = await mint('mediamtx', 'read', { path: 'live/cam1' }, { key });
      const { payload, protectedHeader } = await jwtVerify(token, keySet);
      expect(payload.mediamtx_permissions).toEqual([{ action: 'read', path: 'live/cam1' }]);
      expect(protectedHeader.kid).toBe(vault.find(key).kid);
    }
  });
});

describe('the hook handler alone', () => {
  it('refuses a bad --hook-allow entry in one sentence', () => {
    expect(
      () =>
        new HookHandler({
          verifier: new StreamTokenVerifier(vault),
          store,
          allow: ['media.example'],
        }),
    ).toThrow(/--hook-allow takes the address of a media server or a range of them/);
  });
});
