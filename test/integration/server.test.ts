import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyRecord } from '../../shared/keyRecord.ts';
import { SecretMissingError } from '../../main/core/errors.ts';
import { exportPublic } from '../../main/core/keys/export.ts';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { bindWarning } from '../../main/core/links/hostCheck.ts';
import { PAGES } from '../../main/core/links/pages.ts';
import {
  DEFAULT_LISTEN,
  startServer,
  type LinkServer,
  type ServerOptions,
} from '../../main/core/links/server.ts';
import { LinkService, type NewLink } from '../../main/core/links/service.ts';
import { SqliteLinkStore } from '../../main/core/links/sqliteLinks.ts';
import { saveTemplate } from '../../main/core/providers/custom.ts';
import { OsKeychain } from '../../main/core/vault/secretStore.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { runCli, tempHome } from '../helpers/cli.ts';
import {
  httpRequest,
  rawConnection,
  readUntilClosed,
  sleep,
  spawnServe,
  type Answer,
  type RequestOptions,
  type ServeProcess,
  waitFor,
} from '../helpers/serverHarness.ts';

const PUBLIC_URL = 'https://go.example.com';
const PUBLIC_HOST = { host: 'go.example.com' };
/** The stored destination: every redirect goes here and nowhere else. */
const DESTINATION = 'https://event.example/join';
const TEMPLATE = {
  name: 'event',
  alg: 'ES256',
  claims: { sub: '{user}', aud: 'event.example' },
  ttl: { default: 300, max: 3600 },
  link: `${DESTINATION}?t={token}`,
};
/** Loose enough that only the tests about the limit ever meet it. */
const NO_LIMIT = { perSecond: 10_000, burst: 10_000 };

let home: string;
let vault: Vault;
let key: KeyRecord;
let service: LinkService;
/** Every token a redirect carried and every link id issued: none may be found on disk or in logs. */
const minted: string[] = [];
const linkIds: string[] = [];
const logs: string[] = [];
const servers: LinkServer[] = [];
const processes: ServeProcess[] = [];
const otherVaults: Vault[] = [];

beforeAll(async () => {
  home = tempHome();
  vault = new Vault({ dataDir: home });
  key = await vault.add(await generateKeyMaterial('ES256'), { name: 'links' });
  saveTemplate(vault, TEMPLATE);
  service = new LinkService(vault, new SqliteLinkStore(vault.database), { publicUrl: PUBLIC_URL });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  for (const v of [vault, ...otherVaults]) await v.close();
});

async function newLink(extra: Partial<NewLink> = {}, user = 'alice') {
  const issued = await service.create({
    provider: 'custom',
    kind: 'event',
    key: 'links',
    params: { set: [`user=${user}`] },
    ...extra,
  });
  const id = idOf(issued.url);
  linkIds.push(id);
  return { id, link: issued.link, path: `/l/${id}` };
}

const idOf = (url: string): string => url.slice(url.lastIndexOf('/') + 1);

async function start(options: Partial<ServerOptions> = {}): Promise<LinkServer> {
  const server = await startServer({
    service,
    listen: { host: '127.0.0.1', port: 0 },
    rateLimit: NO_LIMIT,
    log: (line) => logs.push(line),
    ...options,
  });
  servers.push(server);
  return server;
}

/** The token a redirect carries, after checking the redirect goes to the stored destination. */
function tokenOf(answer: Answer): string {
  const location = new URL(answer.headers.location!);
  expect(`${location.origin}${location.pathname}`).toBe(DESTINATION);
  expect([...location.searchParams.keys()]).toEqual(['t']);
  const token = location.searchParams.get('t')!;
  minted.push(token);
  return token;
}

function verified(token: string): jwt.JwtPayload {
  return jwt.verify(token, exportPublic([key], 'pem'), {
    algorithms: ['ES256'],
  }) as jwt.JwtPayload;
}

const usesOf = async (linkId: string): Promise<number> => (await service.find(linkId)).uses;

async function clicksOf(linkId: string): Promise<string[]> {
  return (await service.store.clicks({ linkId })).map((c) => c.outcome).reverse();
}

function statuses(answers: readonly Answer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}

function expectSecurityHeaders(answer: Answer): void {
  expect(answer.headers).toMatchObject({
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  });
  expect(answer.headers['content-security-policy']).toMatch(
    /^default-src 'none'; style-src 'unsafe-inline'; form-action 'self' https:;/,
  );
}

describe('keycast serve: redirect links over HTTP', () => {
  it('a click answers 302 to the stored destination with a fresh token that verifies, and every header', async () => {
    const server = await start();
    const { id, link, path } = await newLink();
    const first = await httpRequest(server.port, {
      path,
      headers: { ...PUBLIC_HOST, 'user-agent': 'Mozilla/5.0 Firefox/140.0' },
    });
    expect(first.status).toBe(302);
    expect(first.body).toBe('');
    expectSecurityHeaders(first);
    const claims = verified(tokenOf(first));
    expect(claims).toMatchObject({ sub: 'alice', aud: 'event.example' });
    expect(claims.exp! - claims.iat!).toBe(300);
    expect(claims.jti).toMatch(/^[\w-]{22,}$/);

    const second = await httpRequest(server.port, { path });
    expect(verified(tokenOf(second)).jti).not.toBe(claims.jti);
    expect(await usesOf(link.id)).toBe(2);
    const [latest, earliest] = await service.store.clicks({ linkId: link.id });
    expect(earliest).toMatchObject({
      outcome: 'redirected',
      kid: key.kid,
      jti: claims.jti,
      client: '127.0.0.0/24',
      agent: 'Firefox',
    });
    expect(latest!.agent).toBeNull();

    // The page for a link that does not exist carries the same headers, and says nothing of ids.
    const unknown = await httpRequest(server.port, { path: `/l/${'A'.repeat(32)}` });
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toBe('text/html; charset=utf-8');
    expectSecurityHeaders(unknown);
    expect(unknown.body).not.toContain(id);
    expect(logs.join('\n')).toMatch(/GET \/l\/… 302 redirected/);
  });

  it('HEAD answers 200, 404 or 410 with no body, and never counts or mints', async () => {
    const server = await start();
    const { link, path } = await newLink({ maxUses: 1 });
    for (let i = 0; i < 3; i += 1) {
      const head = await httpRequest(server.port, { method: 'HEAD', path });
      expect(head).toMatchObject({ status: 200, body: '' });
      expect(head.headers.location).toBeUndefined();
      expectSecurityHeaders(head);
    }
    expect(await usesOf(link.id)).toBe(0);
    expect(await clicksOf(link.id)).toEqual([]);
    tokenOf(await httpRequest(server.port, { path }));
    expect((await httpRequest(server.port, { method: 'HEAD', path })).status).toBe(410);
    const unknown = await httpRequest(server.port, {
      method: 'HEAD',
      path: `/l/${'B'.repeat(32)}`,
    });
    expect(unknown).toMatchObject({ status: 404, body: '' });
    expect(await usesOf(link.id)).toBe(1);
    expect(await clicksOf(link.id)).toEqual(['redirected']);
  });

  it('the maximum holds under 200 concurrent clicks on one server', async () => {
    const server = await start();
    const { link, path } = await newLink({ maxUses: 37 });
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => httpRequest(server.port, { path })),
    );
    expect(statuses(answers)).toEqual({ 302: 37, 410: 163 });
    const jtis = answers.filter((a) => a.status === 302).map((a) => verified(tokenOf(a)).jti);
    expect(new Set(jtis).size).toBe(37);
    expect(await usesOf(link.id)).toBe(37);
    const outcomes = await clicksOf(link.id);
    expect(outcomes.filter((o) => o === 'redirected')).toHaveLength(37);
    expect(outcomes.filter((o) => o === 'used-up')).toHaveLength(163);
  });

  it('a window not yet open and one closed answer 410 with the same page as 404, and count nothing', async () => {
    const server = await start();
    const hour = 3600_000;
    const early = await newLink({ validFrom: new Date(Date.now() + hour).toISOString() });
    const late = await newLink({
      validFrom: new Date(Date.now() - 2 * hour).toISOString(),
      validUntil: new Date(Date.now() - hour).toISOString(),
    });
    const soon = await newLink({ validFrom: new Date(Date.now() + 1500).toISOString() });
    for (const { path, link } of [early, late]) {
      const get = await httpRequest(server.port, { path });
      expect(get.status).toBe(410);
      expect(get.body).toBe(PAGES.notFound.html);
      expect((await httpRequest(server.port, { method: 'HEAD', path })).status).toBe(410);
      expect(await usesOf(link.id)).toBe(0);
    }
    expect(await clicksOf(early.link.id)).toEqual(['not-yet-valid']);
    expect(await clicksOf(late.link.id)).toEqual(['expired']);
    // The window is judged at each click: the same link works once it has opened.
    expect((await httpRequest(server.port, { path: soon.path })).status).toBe(410);
    await sleep(Math.max(0, Date.parse(soon.link.validFrom!) - Date.now()) + 50);
    tokenOf(await httpRequest(server.port, { path: soon.path }));
    expect(await clicksOf(soon.link.id)).toEqual(['not-yet-valid', 'redirected']);
  });

  it('a revoked link answers 410 from the next click on; a reissued one works only at its new address', async () => {
    const server = await start();
    const revoked = await newLink();
    tokenOf(await httpRequest(server.port, { path: revoked.path }));
    await service.store.revoke(revoked.link.id, new Date());
    expect((await httpRequest(server.port, { path: revoked.path })).status).toBe(410);
    expect((await httpRequest(server.port, { method: 'HEAD', path: revoked.path })).status).toBe(
      410,
    );
    expect(await usesOf(revoked.link.id)).toBe(1);
    expect(await clicksOf(revoked.link.id)).toEqual(['redirected', 'revoked']);

    const lost = await newLink();
    const reissued = await service.reissue(lost.link.id);
    linkIds.push(idOf(reissued.url));
    expect((await httpRequest(server.port, { path: lost.path })).status).toBe(404);
    tokenOf(await httpRequest(server.port, { path: `/l/${idOf(reissued.url)}` }));
  });

  it('the confirm step: GET shows Join and counts nothing; POST with its nonce counts and answers 303; a bad nonce is refused', async () => {
    const server = await start();
    const { id, link, path } = await newLink({ confirm: true, maxUses: 1 });
    const other = await newLink({ confirm: true });
    const page = await httpRequest(server.port, { path });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers.location).toBeUndefined();
    expectSecurityHeaders(page);
    expect(page.body).toContain('<form method="post">');
    expect(page.body).not.toContain(id);
    const nonce = /name="nonce" value="([^"]+)"/.exec(page.body)![1]!;
    expect((await httpRequest(server.port, { path })).status).toBe(200);
    expect(await usesOf(link.id)).toBe(0);

    const post = (body: string, target = path): Promise<Answer> =>
      httpRequest(server.port, {
        method: 'POST',
        path: target,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    const otherNonce = /name="nonce" value="([^"]+)"/.exec(
      (await httpRequest(server.port, { path: other.path })).body,
    )![1]!;
    const [issued, mac] = nonce.split('.');
    for (const bad of [
      '',
      'nonce=',
      'nonce=x',
      `nonce=${otherNonce}`,
      `nonce=${issued}.${mac!.slice(0, -2)}AA`,
      `nonce=${(Number.parseInt(issued!, 36) - 3600_000).toString(36)}.${mac}`,
    ]) {
      const refused = await post(bad);
      expect(refused.status, bad).toBe(403);
      expect(refused.body).toBe(PAGES.expiredForm.html);
    }
    expect((await post(`nonce=${nonce}&pad=${'x'.repeat(2000)}`)).status).toBe(413);
    expect(await usesOf(link.id)).toBe(0);

    const joined = await post(`nonce=${encodeURIComponent(nonce)}`);
    expect(joined.status).toBe(303);
    expectSecurityHeaders(joined);
    expect(verified(tokenOf(joined)).sub).toBe('alice');
    expect(await usesOf(link.id)).toBe(1);
    // The nonce is no ticket past the maximum.
    expect((await post(`nonce=${nonce}`)).status).toBe(410);
    expect(await clicksOf(link.id)).toEqual([
      'confirm-page',
      'confirm-page',
      'redirected',
      'used-up',
    ]);
  });

  it('a Host that is not the public name or a loopback name with the right port gets 403 (DNS rebinding)', async () => {
    const server = await start();
    const { link, path } = await newLink();
    const port = server.port;
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      `127.0.0.1:${port + 1}`,
      '127.0.0.1',
      `localhost.evil.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      'go.example.com.evil.example',
      'go.example.com:8443',
      'user@go.example.com',
      `[::2]:${port}`,
    ]) {
      const answer = await httpRequest(port, { path, headers: { host } });
      expect(answer.status, host).toBe(403);
      expect(answer.body).toBe(PAGES.forbidden.html);
      expectSecurityHeaders(answer);
    }
    expect(
      (await httpRequest(port, { path: '/healthz', headers: { host: 'evil.example' } })).status,
    ).toBe(403);
    expect(await usesOf(link.id)).toBe(0);

    // What an HTTP client library will not send: no Host at all (HTTP/1.0), an empty one.
    for (const request of [
      `GET ${path} HTTP/1.0\r\n\r\n`,
      `GET ${path} HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n`,
    ]) {
      const socket = await rawConnection(port);
      socket.write(request);
      expect(await readUntilClosed(socket), request).toMatch(/^HTTP\/1\.1 403 /);
    }

    for (const host of [
      'go.example.com',
      'GO.Example.COM',
      'go.example.com:443',
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
    ]) {
      const answer = await httpRequest(port, { path, headers: { host } });
      expect(answer.status, host).toBe(302);
      tokenOf(answer);
    }
  });

  it('no path trick, query or header changes where a link redirects: the stored destination or 404', async () => {
    const server = await start();
    const { id, path } = await newLink();
    const notFound = [
      '//evil.example',
      `//evil.example/l/${id}`,
      '/l/%2F%2Fevil.example',
      `/l/${id}%2F%2Fevil.example`,
      `/l/${id}/%2F%2Fevil.example`,
      `/l/${id}/`,
      `/l/${id}/..`,
      `/l/${id}%00`,
      `/l/${id};@evil.example`,
      '/\\evil.example',
      '/l/\\evil.example',
      `/l/${id}\\evil.example`,
      '/\\\\evil.example/',
      `/l//${id}`,
      `/L/${id}`,
      `/./l/${id}`,
      `http://evil.example/l/${id}`,
      `https://go.example.com/l/${id}`,
      '*',
    ];
    for (const target of notFound) {
      const answer = await httpRequest(server.port, { path: target, headers: PUBLIC_HOST });
      expect(answer.status, target).toBe(404);
      expect(answer.headers.location, target).toBeUndefined();
    }
    const redirected: RequestOptions[] = [
      {
        path: `${path}?next=https://evil.example&url=//evil.example&redirect=https:%2F%2Fevil.example`,
      },
      { path: `${path}?@evil.example` },
      { path: `${path}?t=forged-token` },
      { path, headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' } },
      { path, headers: { forwarded: 'host=evil.example;proto=http' } },
      { path, headers: { 'x-original-url': '//evil.example', 'x-rewrite-url': '//evil.example' } },
      { path, headers: { referer: 'https://evil.example/', origin: 'https://evil.example' } },
    ];
    for (const options of redirected) {
      const answer = await httpRequest(server.port, {
        ...options,
        headers: { ...PUBLIC_HOST, ...options.headers },
      });
      expect(answer.status, options.path).toBe(302);
      expect(answer.headers.location).not.toMatch(/evil|forged/);
      verified(tokenOf(answer));
    }
  });

  it('a flood from 127.0.0.2 gets 429 with Retry-After while 127.0.0.3 still gets its 302', async () => {
    // One token back every 5 s: the flood (well under that) gets exactly the burst.
    const server = await start({ rateLimit: { perSecond: 0.2, burst: 5 } });
    const { path } = await newLink();
    const flood = await Promise.all(
      Array.from({ length: 40 }, () =>
        httpRequest(server.port, { path, localAddress: '127.0.0.2' }),
      ),
    );
    const counts = statuses(flood);
    expect(counts).toEqual({ 302: 5, 429: 35 });
    for (const answer of flood) {
      if (answer.status === 302) tokenOf(answer);
      else {
        expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(answer.body).toBe(PAGES.tooMany.html);
        expectSecurityHeaders(answer);
      }
    }
    const other = await httpRequest(server.port, { path, localAddress: '127.0.0.3' });
    expect(other.status).toBe(302);
    tokenOf(other);
    // A header from a client that is not a trusted proxy is no way out of its bucket.
    const spoofed = await httpRequest(server.port, {
      path,
      localAddress: '127.0.0.2',
      headers: { 'x-forwarded-for': '198.51.100.77', forwarded: 'for=198.51.100.78' },
    });
    expect(spoofed.status).toBe(429);
    const metrics = await httpRequest(server.port, { path: '/metrics' });
    expect(metrics.body).toContain('keycast_rate_limited_total 36');
  });

  it('behind a trusted proxy the client is read from its header, from anyone else the header is ignored', async () => {
    const viaXff = await start({
      trustProxy: ['127.0.0.1'],
      rateLimit: { perSecond: 0.2, burst: 3 },
    });
    const { link, path } = await newLink();
    const asProxy = (client: string): Promise<Answer> =>
      httpRequest(viaXff.port, { path, headers: { 'x-forwarded-for': client } });
    // The proxy appends the address it saw; what the client wrote before it proves nothing.
    const first = await Promise.all([1, 2, 3, 4].map(() => asProxy('10.9.9.9, 198.51.100.7')));
    expect(statuses(first)).toEqual({ 302: 3, 429: 1 });
    first.filter((a) => a.status === 302).forEach(tokenOf);
    tokenOf(await asProxy('198.51.100.8'));
    tokenOf(
      await httpRequest(viaXff.port, {
        path,
        localAddress: '127.0.0.2',
        headers: { 'x-forwarded-for': '198.51.100.9' },
      }),
    );
    const clients = (await service.store.clicks({ linkId: link.id })).map((c) => c.client);
    expect(clients.reverse()).toEqual([
      '198.51.100.0/24',
      '198.51.100.0/24',
      '198.51.100.0/24',
      '198.51.100.0/24',
      '127.0.0.0/24',
    ]);
    // Requests from a loopback proxy come from outside: no metrics for them.
    expect((await httpRequest(viaXff.port, { path: '/metrics' })).status).toBe(404);

    const viaForwarded = await start({ trustProxy: ['127.0.0.0/8'], proxyHeader: 'forwarded' });
    const second = await newLink();
    tokenOf(
      await httpRequest(viaForwarded.port, {
        path: second.path,
        headers: {
          forwarded: 'for="[2001:db8:cafe::17]:4711";proto=https, for=127.0.0.5',
          'x-forwarded-for': '203.0.113.50',
        },
      }),
    );
    expect((await service.store.clicks({ linkId: second.link.id }))[0]!.client).toBe(
      '2001:db8:cafe::/48',
    );
  });

  it('/healthz answers; /metrics only on loopback, or only on the admin address when there is one', async () => {
    const server = await start();
    const { path } = await newLink();
    tokenOf(await httpRequest(server.port, { path }));
    await httpRequest(server.port, { path: `/l/${'C'.repeat(32)}` });
    const health = await httpRequest(server.port, { path: '/healthz' });
    expect(health).toMatchObject({ status: 200, body: '{"status":"ok"}\n' });
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
    const metrics = await httpRequest(server.port, { path: '/metrics' });
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.body).toContain('keycast_link_clicks_total{outcome="redirected"} 1');
    expect(metrics.body).toContain('keycast_link_clicks_total{outcome="unknown"} 1');
    expect(metrics.body).toContain('keycast_link_clicks_total{outcome="used-up"} 0');
    expect(metrics.body).toMatch(/keycast_link_mint_seconds_count 1\n/);
    expect(metrics.body).toContain('keycast_rate_limited_total 0');

    const split = await start({ adminListen: { host: '127.0.0.1', port: 0 } });
    const adminPort = Number(new URL(split.adminAddress!).port);
    expect((await httpRequest(split.port, { path: '/metrics' })).status).toBe(404);
    expect((await httpRequest(split.port, { path: '/healthz' })).status).toBe(200);
    expect((await httpRequest(adminPort, { path: '/metrics' })).status).toBe(200);
    expect((await httpRequest(adminPort, { path: '/healthz' })).status).toBe(200);
    expect((await httpRequest(adminPort, { path })).status).toBe(404);
    expect(
      (await httpRequest(adminPort, { path: '/metrics', headers: { host: 'evil.example' } }))
        .status,
    ).toBe(403);
  });

  it('binds 127.0.0.1 by default; another address comes with a warning; a bad --listen is one sentence', async () => {
    expect(DEFAULT_LISTEN.host).toBe('127.0.0.1');
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost'])
      expect(bindWarning(host), host).toBeNull();
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'go.example.com'])
      expect(bindWarning(host), host).toMatch(/other machines can reach/);
    const warnings: string[] = [];
    await start({ listen: { host: '127.0.0.2', port: 0 }, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);

    for (const [args, message] of [
      [['--listen', 'nowhere:port'], /--listen takes an address and port/],
      [['--listen', '127.0.0.1:70000'], /--listen takes an address and port/],
      [['--listen', '0.0.0.0:0'], /needs --public-url/],
      [['--rate', 'fast'], /--rate takes requests per second/],
      [['--trust-proxy', 'proxy.example'], /--trust-proxy takes the address of a reverse proxy/],
    ] as const) {
      const result = await runCli(['serve', ...args], { home: tempHome() });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stdout).toBe('');
    }
  });

  it('a client that dribbles its headers is cut off while others are served', async () => {
    const server = await start({
      limits: { headersTimeoutMs: 600, requestTimeoutMs: 2_000, checkIntervalMs: 100 },
    });
    const slow = await rawConnection(server.port);
    const started = Date.now();
    const closed = readUntilClosed(slow, 8_000).then((text) => ({
      text,
      ms: Date.now() - started,
    }));
    slow.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n`);
    let open = true;
    void closed.then(() => (open = false));
    for (let i = 0; i < 40 && open; i += 1) {
      if (i === 3) expect((await httpRequest(server.port, { path: '/healthz' })).status).toBe(200);
      slow.write(`X-Slow-${i}: 1\r\n`);
      await sleep(100);
    }
    const { text, ms } = await closed;
    expect(ms).toBeLessThan(2_000);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a mint that fails at click time answers 503 and is recorded; it uses nothing up', async () => {
    const server = await start();
    const short = await vault.add(await generateKeyMaterial('ES256'), {
      name: 'short-lived',
      expiresAt: new Date(Date.now() + 1500).toISOString(),
    });
    const { link, path } = await newLink({ key: short.name });
    await sleep(Math.max(0, Date.parse(short.expiresAt!) - Date.now()) + 50);
    const answer = await httpRequest(server.port, { path });
    expect(answer.status).toBe(503);
    expect(answer.body).toBe(PAGES.unavailable.html);
    expect(await clicksOf(link.id)).toEqual(['error']);
    expect(await usesOf(link.id)).toBe(0);
    // Revoked, so the servers started later do not load its key.
    await service.store.revoke(link.id, new Date());
  });

  it('a signing key whose secret is missing stops the start with one sentence naming it', async () => {
    const other = new Vault({ dataDir: tempHome() });
    otherVaults.push(other);
    const gone = await other.add(await generateKeyMaterial('ES256'), { name: 'gone-key' });
    saveTemplate(other, TEMPLATE);
    const links = new LinkService(other, new SqliteLinkStore(other.database), {
      publicUrl: PUBLIC_URL,
    });
    const issued = await links.create({
      provider: 'custom',
      kind: 'event',
      key: 'gone-key',
      params: { set: ['user=bob'] },
    });
    linkIds.push(idOf(issued.url));
    expect(await new OsKeychain().remove(other.accountOf(gone))).toBe(true);
    // A fresh vault, as a new process would have: the first one still holds the key it signed with.
    const fresh = new Vault({ dataDir: other.dataDir });
    otherVaults.push(fresh);
    const again = new LinkService(fresh, new SqliteLinkStore(fresh.database), {
      publicUrl: PUBLIC_URL,
    });
    await expect(
      startServer({ service: again, listen: { host: '127.0.0.1', port: 0 } }),
    ).rejects.toThrow(SecretMissingError);
    await expect(
      startServer({ service: again, listen: { host: '127.0.0.1', port: 0 } }),
    ).rejects.toThrow(/"gone-key"/);
    const cli = await runCli(['serve', '--listen', '127.0.0.1:0'], { home: other.dataDir });
    expect(cli.code).toBe(3);
    expect(cli.stdout).toBe('');
    expect(cli.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^keycast: .*"gone-key"/),
    ]);
  });

  it('two keycast serve processes on one data folder: the maximum holds, SIGTERM drains and exits 0, a restart keeps the counts', async () => {
    const shared = await newLink({ maxUses: 30 });
    const kept = await newLink({ maxUses: 3 });
    const confirm = await newLink({ confirm: true });
    const args = ['--rate', '10000/s', '--burst', '10000'];
    const [a, b] = await Promise.all([spawnServe(home, args), spawnServe(home, args)]);
    processes.push(a, b);
    const answers = await Promise.all(
      [a, b].flatMap((p) =>
        Array.from({ length: 100 }, () => httpRequest(p.port, { path: shared.path })),
      ),
    );
    expect(statuses(answers)).toEqual({ 302: 30, 410: 170 });
    answers.filter((x) => x.status === 302).forEach((x) => verified(tokenOf(x)));
    expect(await usesOf(shared.link.id)).toBe(30);
    for (let i = 0; i < 2; i += 1) tokenOf(await httpRequest(a.port, { path: kept.path }));

    // A POST whose body is still on its way when SIGTERM comes: it is answered, then A exits 0.
    const nonce = /name="nonce" value="([^"]+)"/.exec(
      (await httpRequest(a.port, { path: confirm.path })).body,
    )![1]!;
    const body = `nonce=${nonce}`;
    const inFlight = await rawConnection(a.port);
    let received = '';
    inFlight.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const answered = readUntilClosed(inFlight, 15_000);
    // Node answers "100 Continue" as it hands the request to the server: then it is in flight.
    inFlight.write(
      `POST ${confirm.path} HTTP/1.1\r\nHost: 127.0.0.1:${a.port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n${body.slice(0, 10)}`,
    );
    await waitFor(() => received.startsWith('HTTP/1.1 100 Continue\r\n'));
    const exitA = a.stop('SIGTERM');
    await sleep(500);
    expect(a.child.exitCode).toBeNull();
    await expect(httpRequest(a.port, { path: '/healthz' })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    inFlight.write(body.slice(10));
    const response = (await answered).replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
    expect(response).toMatch(/^HTTP\/1\.1 303 /);
    expect(response).toMatch(/\r\nConnection: close\r\n/i);
    const location = /\r\nLocation: ([^\r]+)\r\n/i.exec(response)![1]!;
    minted.push(new URL(location).searchParams.get('t')!);
    expect(await exitA).toBe(0);
    expect(a.output()).toMatch(/SIGTERM: finishing the requests in flight/);
    expect(await b.stop('SIGINT')).toBe(0);
    expect(await usesOf(confirm.link.id)).toBe(1);

    // The restart also takes the public URL saved for `keycast redirects`: its name is let in.
    expect(a.output()).toMatch(/links look like http:\/\/127\.0\.0\.1:\d+\/l\//);
    expect((await runCli(['redirects', 'public-url', PUBLIC_URL], { home })).code).toBe(0);
    const c = await spawnServe(home, args);
    processes.push(c);
    expect(c.output()).toContain(`links look like ${PUBLIC_URL}/l/…`);
    expect((await httpRequest(c.port, { path: shared.path })).status).toBe(410);
    tokenOf(await httpRequest(c.port, { path: kept.path, headers: PUBLIC_HOST }));
    expect((await httpRequest(c.port, { path: kept.path })).status).toBe(410);
    expect(await usesOf(kept.link.id)).toBe(3);
    expect(await c.stop('SIGTERM')).toBe(0);
    logs.push(a.output(), b.output(), c.output());
  });

  it('no minted token and no link id is in the data folder, the click records or the logs', async () => {
    expect(minted.length).toBeGreaterThan(100);
    expect(new Set(minted).size).toBe(minted.length);
    const secrets = [...minted, ...linkIds];
    const files = filesUnder(home);
    expect(files.some((f) => f.endsWith('keycast.db'))).toBe(true);
    const contents = files.map((f) => readFileSync(f).toString('latin1'));
    const found = (values: readonly string[]): string[] =>
      values.filter((v) => contents.some((text) => text.includes(v)));
    // The search does find what is stored: the jti of each click is in the database.
    const jtis = (await service.store.clicks({ limit: 100_000 }))
      .map((c) => c.jti)
      .filter((j): j is string => j !== null);
    expect(jtis.length).toBeGreaterThan(100);
    expect(found(jtis)).toEqual(jtis);
    expect(found(secrets)).toEqual([]);
    const records = JSON.stringify(await service.store.clicks({ limit: 100_000 }));
    expect(secrets.filter((s) => records.includes(s))).toEqual([]);
    const logText = logs.join('\n');
    expect(logText).toMatch(/GET \/l\/… 302 redirected/);
    expect(secrets.filter((s) => logText.includes(s))).toEqual([]);
  });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
