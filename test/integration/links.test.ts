import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { createBackup, restoreBackup } from '../../main/core/backup/backup.ts';
import { exportPublic } from '../../main/core/keys/export.ts';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { importLinks, readAttendees, withLinks } from '../../main/core/links/csvImport.ts';
import { LinkService } from '../../main/core/links/service.ts';
import { SqliteLinkStore } from '../../main/core/links/sqliteLinks.ts';
import { inspectToken } from '../../main/core/tokens/inspect.ts';
import { keysFromJwks } from '../../main/core/tokens/verify.ts';
import { OsKeychain } from '../../main/core/vault/secretStore.ts';
import { Vault } from '../../main/core/vault/vault.ts';

const keychain = new OsKeychain();
import { tempHome } from '../helpers/cli.ts';

const EVENT = 'https://acme.frameable.com/events/launch';
const PASSPHRASE = 'correct horse battery staple';

async function setup(publicUrl = 'https://go.example.com') {
  const vault = new Vault({ dataDir: tempHome() });
  const key = await vault.add(await generateKeyMaterial('RS256'), { name: 'ev' });
  const links = new LinkService(vault, new SqliteLinkStore(vault.database), { publicUrl });
  const attendee = (
    displayName: string,
    extra: Partial<Parameters<LinkService['create']>[0]> = {},
  ) =>
    links.create({
      provider: 'frameable',
      kind: 'attendee',
      key: 'ev',
      params: { displayName, eventUrl: EVENT },
      ...extra,
    });
  const cleanup = async (): Promise<void> => {
    for (const l of await links.store.list()) await links.store.remove(l.id);
    await vault.remove(key.id);
  };
  return { vault, key, links, attendee, cleanup };
}

const secretOf = (url: string): string => url.slice(url.lastIndexOf('/') + 1);

describe('redirect links', () => {
  it('follows a link to the stored destination with a fresh token that verifies with the exported key', async () => {
    const { vault, key, links, attendee, cleanup } = await setup();
    const { url, link } = await attendee('Ann Lee');
    expect(url).toMatch(/^https:\/\/go\.example\.com\/l\/[A-Za-z0-9_-]{32}$/);
    expect(link).toMatchObject({ label: 'Ann Lee', tokenTtlSeconds: 300, uses: 0, maxUses: null });
    const first = await links.follow(secretOf(url), {
      address: '203.0.113.9',
      userAgent: 'Mozilla/5.0 Chrome/140.0',
    });
    // Frameable's token has no jti: a click a second later gets a different token.
    const second = await links.follow(secretOf(url), { now: new Date(Date.now() + 1000) });
    if (!first.ok || !second.ok) throw new Error('the link did not redirect');
    const target = new URL(first.location);
    expect(`${target.origin}${target.pathname}`).toBe(EVENT);
    const token = target.searchParams.get('token')!;
    expect(token).not.toBe(new URL(second.location).searchParams.get('token'));
    const jwks = keysFromJwks(JSON.parse(exportPublic([vault.find(key.id)], 'jwks')));
    const result = await inspectToken(token, { keys: jwks });
    expect(result).toMatchObject({
      valid: true,
      verified: true,
      claims: { displayName: 'Ann Lee' },
    });
    expect((result.claims!.exp as number) - (result.claims!.iat as number)).toBe(300);
    const clicks = await links.store.clicks({ linkId: link.id });
    expect(clicks).toHaveLength(2);
    expect(clicks[1]).toMatchObject({
      outcome: 'redirected',
      kid: key.kid,
      client: '203.0.113.0/24',
      agent: 'Chrome',
    });
    await cleanup();
  });

  it('peeks without counting; unknown, revoked, outside the window and used up are told apart', async () => {
    const { links, attendee, cleanup } = await setup();
    const limited = await attendee('Bo', { maxUses: 1 });
    expect(await links.peek(secretOf(limited.url))).toMatchObject({ ok: true });
    expect((await links.find(limited.link.id)).uses).toBe(0);
    expect(await links.follow(secretOf(limited.url))).toMatchObject({ ok: true });
    expect(await links.follow(secretOf(limited.url))).toEqual({ ok: false, outcome: 'used-up' });
    expect(await links.peek(secretOf(limited.url))).toEqual({ ok: false, outcome: 'used-up' });
    expect(await links.follow('A'.repeat(32))).toEqual({ ok: false, outcome: 'unknown' });
    expect(await links.follow('../../etc')).toEqual({ ok: false, outcome: 'unknown' });

    const later = await attendee('Cy', {
      validFrom: new Date(Date.now() + 3600_000).toISOString(),
    });
    expect(await links.follow(secretOf(later.url))).toEqual({
      ok: false,
      outcome: 'not-yet-valid',
    });
    const past = await attendee('Di', { validUntil: new Date(Date.now() + 60_000).toISOString() });
    expect(await links.follow(secretOf(past.url), { now: new Date(Date.now() + 120_000) })).toEqual(
      {
        ok: false,
        outcome: 'expired',
      },
    );
    const revoked = await attendee('Ed');
    await links.store.revoke(revoked.link.id, new Date());
    expect(await links.follow(secretOf(revoked.url))).toEqual({ ok: false, outcome: 'revoked' });
    await cleanup();
  });

  it('never counts past the maximum, whatever the concurrency', async () => {
    const { links, attendee, cleanup } = await setup();
    const { url, link } = await attendee('Fay', { maxUses: 7 });
    const results = await Promise.all(
      Array.from({ length: 60 }, () => links.follow(secretOf(url))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(7);
    expect((await links.find(link.id)).uses).toBe(7);
    await cleanup();
  });

  it('counts a use and records its click in one step, with what came of it', async () => {
    const { links, attendee, cleanup } = await setup();
    const { link } = await attendee('Quin', { maxUses: 1 });
    const draft = { kid: 'kid-1', jti: null, client: '198.51.100.0/24', agent: 'Firefox' };
    expect(await links.store.use(link.id, new Date(), draft)).toMatchObject({ ok: true });
    expect(await links.store.use(link.id, new Date(), draft)).toEqual({
      ok: false,
      outcome: 'used-up',
    });
    expect(
      (await links.store.clicks({ linkId: link.id })).map((c) => [c.outcome, c.kid, c.agent]),
    ).toEqual([
      ['used-up', 'kid-1', 'Firefox'],
      ['redirected', 'kid-1', 'Firefox'],
    ]);
    await cleanup();
  });

  it('reissues a lost link: the old URL is unknown at once, the new one works', async () => {
    const { links, attendee, cleanup } = await setup();
    const first = await attendee('Gus');
    const again = await links.reissue(first.link.id);
    expect(again.url).not.toBe(first.url);
    expect(await links.follow(secretOf(first.url))).toEqual({ ok: false, outcome: 'unknown' });
    expect(await links.follow(secretOf(again.url))).toMatchObject({ ok: true });
    await cleanup();
  });

  it('accepts a confirm nonce for its own link within 30 minutes only', async () => {
    const { links, attendee, cleanup } = await setup();
    const a = secretOf((await attendee('Hal', { confirm: true })).url);
    const b = secretOf((await attendee('Ida')).url);
    const nonce = await links.confirmNonce(a);
    expect(await links.checkNonce(a, nonce)).toBe(true);
    expect(await links.checkNonce(b, nonce)).toBe(false);
    expect(await links.checkNonce(a, nonce, new Date(Date.now() + 31 * 60_000))).toBe(false);
    expect(await links.checkNonce(a, `${nonce}x`)).toBe(false);
    await cleanup();
  });

  it('refuses, in one sentence, what can never work: no browser address, an API-issued kind, a plain-http destination, a bad window', async () => {
    const { vault, links, cleanup } = await setup();
    await vault.add(await generateKeyMaterial('HS256', { printable: true }), { name: 'ams' });
    await expect(
      links.create({
        provider: 'antmedia',
        kind: 'publish',
        key: 'ams',
        params: { host: 'm.example.com', stream: 's' },
      }),
    ).rejects.toThrow(/have no address a browser opens .* cannot be a redirect link\./);
    await expect(
      links.create({ provider: 'nativeframe', kind: 'video', key: 'ev', params: {} }),
    ).rejects.toThrow(
      /issued by Native Frame's API, not signed here, so they cannot be a redirect link\./,
    );
    await expect(
      links.create({
        provider: 'antmedia',
        kind: 'play',
        key: 'ams',
        params: { host: 'm.example.com', stream: 's', tls: false },
      }),
    ).rejects.toThrow(/no https address to send a browser to/);
    await expect(
      links.create({
        provider: 'frameable',
        kind: 'attendee',
        key: 'ev',
        params: { displayName: 'x' },
      }),
    ).rejects.toThrow(/no https address/);
    await expect(
      links.create({
        provider: 'frameable',
        kind: 'attendee',
        key: 'ev',
        params: { displayName: 'x', eventUrl: EVENT },
        validFrom: '2030-01-02T00:00:00.000Z',
        validUntil: '2030-01-01T00:00:00.000Z',
      }),
    ).rejects.toThrow(/would never be valid/);
    await expect(
      links.create({
        provider: 'frameable',
        kind: 'attendee',
        key: 'ev',
        params: { displayName: 'x', eventUrl: EVENT },
        tokenTtlSeconds: 40 * 86400,
      }),
    ).rejects.toThrow(/live at most 30d/);
    expect(await links.store.list()).toEqual([]);
    await vault.remove('ams');
    await cleanup();
  });

  it('loads signing keys at start: an expired key is a warning for its own links, a missing secret stops', async () => {
    const { vault, links, attendee, cleanup } = await setup();
    await attendee('Ola');
    const short = await vault.add(await generateKeyMaterial('RS256'), {
      name: 'short',
      expiresAt: new Date(Date.now() + 1200).toISOString(),
    });
    await links.create({
      provider: 'frameable',
      kind: 'attendee',
      key: 'short',
      params: { displayName: 'Pia', eventUrl: EVENT },
    });
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const warnings = await links.loadSigningKeys();
    expect(warnings).toEqual([
      expect.stringMatching(/^Key "short" expired on .*; its 1 link\(s\) answer 503 until then\.$/),
    ]);
    await keychain.remove(vault.accountOf(vault.find('ev')));
    await expect(
      new LinkService(new Vault({ dataDir: vault.dataDir }), links.store, {
        publicUrl: links.publicUrl,
      }).loadSigningKeys(),
    ).rejects.toThrow(/The private key of "ev" is missing/);
    for (const l of await links.store.list()) await links.store.remove(l.id);
    await vault.remove(short.id);
    await cleanup();
  });

  it('keeps a key that signs links from being deleted', async () => {
    const { vault, attendee, cleanup } = await setup();
    await attendee('Jo');
    await expect(vault.remove('ev')).rejects.toThrow(
      /signs 1 redirect link\(s\): delete them first/,
    );
    await cleanup();
  });

  it('stores neither a minted token nor a link secret anywhere in the data folder', async () => {
    const { vault, links, attendee } = await setup();
    const secrets: string[] = [];
    const tokens: string[] = [];
    for (const name of ['Kim', 'Lou', 'Max']) {
      const { url } = await attendee(name, { confirm: name === 'Max' });
      secrets.push(secretOf(url));
      const followed = await links.follow(secretOf(url));
      if (followed.ok) tokens.push(new URL(followed.location).searchParams.get('token')!);
    }
    await vault.close();
    const files = readdirSync(vault.dataDir).map((f) =>
      readFileSync(join(vault.dataDir, f)).toString('latin1'),
    );
    for (const needle of [...secrets, ...tokens, ...tokens.map((t) => t.split('.')[2]!)]) {
      for (const file of files) expect(file.includes(needle)).toBe(false);
    }
    const reopened = new Vault({ dataDir: vault.dataDir });
    const store = new SqliteLinkStore(reopened.database);
    const clicks = JSON.stringify(await store.clicks());
    for (const needle of [...secrets, ...tokens]) expect(clicks.includes(needle)).toBe(false);
    for (const l of await store.list()) await store.remove(l.id);
    await reopened.remove('ev');
  });
});

describe('a second server from a backup', () => {
  it('recognises the same links after a restore: the backup carries the link key and the signing keys', async () => {
    const { vault, links, attendee, cleanup } = await setup();
    const { url } = await attendee('Nia');
    const { jwe } = await createBackup(vault, PASSPHRASE);
    const second = new Vault({ dataDir: tempHome() });
    await restoreBackup(second, jwe, PASSPHRASE);
    // The links themselves are shared (PostgreSQL in production; here the first vault's store).
    const shared = new LinkService(second, links.store, { publicUrl: links.publicUrl });
    expect(await shared.follow(secretOf(url))).toMatchObject({ ok: true });
    // A vault with a key of its own keeps it and says so.
    const third = new Vault({ dataDir: tempHome() });
    await third.linkKey();
    const result = await restoreBackup(third, jwe, PASSPHRASE);
    expect(result.skipped).toContainEqual({
      what: 'the redirect-link key',
      why: 'this vault has its own already; links of the backed-up vault are not recognised here',
    });
    for (const v of [second, third]) for (const r of v.list()) await v.remove(r.id);
    await cleanup();
  });
});

describe('attendee CSV import', () => {
  const CSV =
    '\ufeffName,Email,Company\r\n"Lee, Ann",ann@example.com,"Acme\r\nInc"\r\nBo,bo@example.com,"Quote ""Co"""\r\n';

  it('reads RFC 4180 (BOM, quoted commas, line breaks and quotes) and writes the links back in a new column', async () => {
    const { links, cleanup } = await setup();
    const sheet = readAttendees(CSV);
    expect(sheet.columns).toEqual(['Name', 'Email', 'Company']);
    expect(sheet.rows.map((r) => [r.line, r.values.Name, r.values.Company])).toEqual([
      [2, 'Lee, Ann', 'Acme\r\nInc'],
      [3, 'Bo', 'Quote "Co"'],
    ]);
    const created = await importLinks(links, sheet, {
      provider: 'frameable',
      kind: 'attendee',
      key: 'ev',
      map: { displayName: 'Name', email: 'Email' },
      params: { eventUrl: EVENT },
      maxUses: 3,
    });
    expect(created.map((c) => c.issued.link.label)).toEqual(['Lee, Ann', 'Bo']);
    // Listed in the file's order, even when both rows are stored within one millisecond.
    expect((await links.store.list()).map((l) => l.label)).toEqual(['Lee, Ann', 'Bo']);
    const out = parse(withLinks(sheet, new Map(created.map((c) => [c.line, c.issued.url]))), {
      bom: true,
    });
    expect(out[0]).toEqual(['Name', 'Email', 'Company', 'link']);
    expect(out[1]).toEqual(['Lee, Ann', 'ann@example.com', 'Acme\r\nInc', created[0]!.issued.url]);
    const followed = await links.follow(secretOf(created[1]!.issued.url));
    if (!followed.ok) throw new Error('no redirect');
    const token = new URL(followed.location).searchParams.get('token')!;
    const claims = (await inspectToken(token)).claims!;
    expect(claims).toMatchObject({ displayName: 'Bo', email: 'bo@example.com' });
    await cleanup();
  });

  it('creates nothing when one row is bad, naming its line and the problem', async () => {
    const { links, cleanup } = await setup();
    const sheet = readAttendees(
      'Name,Email\nAnn,ann@example.com\nBo,not-an-email\nCy,cy@example.com\n',
    );
    await expect(
      importLinks(links, sheet, {
        provider: 'frameable',
        kind: 'attendee',
        key: 'ev',
        map: { displayName: 'Name', email: 'Email' },
        params: { eventUrl: EVENT },
      }),
    ).rejects.toThrow(/^Nothing was created: 1 row\(s\) have problems — line 3: .*email/);
    expect(await links.store.list()).toEqual([]);
    await expect(
      importLinks(links, sheet, {
        provider: 'frameable',
        kind: 'attendee',
        key: 'ev',
        map: { displayName: 'Nom' },
      }),
    ).rejects.toThrow(/The CSV has no column "Nom"; its columns are "Name", "Email"\./);
    expect(() => readAttendees('Name,Email\nAnn\n')).toThrow(/cannot be read at line 2/);
    await cleanup();
  });
});
