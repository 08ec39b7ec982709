import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPublic } from '../../main/core/keys/export.ts';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { startServer, type LinkServer } from '../../main/core/links/server.ts';
import { LinkService } from '../../main/core/links/service.ts';
import { SqliteLinkStore } from '../../main/core/links/sqliteLinks.ts';
import { inspectToken } from '../../main/core/tokens/inspect.ts';
import { keysFromJwks } from '../../main/core/tokens/verify.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { tempHome } from '../helpers/cli.ts';
import { launchChromium } from './bridge.ts';

/**
 * A stand-in for the event platform on loopback (https, a self-signed certificate made for the
 * test): the Frameable-shaped event page shows the token it was given, as the real page reads it.
 */
async function eventStandIn(): Promise<{ server: Server; origin: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'keycast-standin-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const server = createServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (req, res) => {
      if (!req.url?.startsWith('/events/launch')) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        '<!doctype html><title>Launch</title><p id="token"></p><script>document.getElementById("token").textContent = new URLSearchParams(location.search).get("token") ?? "";</script>',
      );
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('a browser follows a redirect link', () => {
  let browser: Browser;
  let vault: Vault;
  let links: LinkService;
  let server: LinkServer;
  let standIn: { server: Server; origin: string };

  beforeAll(async () => {
    standIn = await eventStandIn();
    vault = new Vault({ dataDir: tempHome() });
    await vault.add(await generateKeyMaterial('RS256'), { name: 'ev' });
    links = new LinkService(vault, new SqliteLinkStore(vault.database), {
      publicUrl: 'http://127.0.0.1',
    });
    server = await startServer({ service: links, listen: { host: '127.0.0.1', port: 0 } });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((resolve) => standIn?.server.close(resolve));
    for (const l of (await links?.store.list()) ?? []) await links.store.remove(l.id);
    await vault?.remove('ev').catch(() => undefined);
  });

  /** The link as served here: the secret id under this server's address. */
  const served = (url: string): string =>
    `${server.address}/l/${url.slice(url.lastIndexOf('/') + 1)}`;

  async function tokenOnEventPage(start: (page: Page) => Promise<void>): Promise<string> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await start(page);
    await page.waitForURL(`${standIn.origin}/events/launch**`);
    const token = (await page.locator('#token').textContent()) ?? '';
    await context.close();
    return token;
  }

  async function verifies(token: string): Promise<boolean> {
    const keys = keysFromJwks(JSON.parse(exportPublic([vault.find('ev')], 'jwks')));
    return (await inspectToken(token, { keys })).valid;
  }

  it('lands on the event page with a fresh token that verifies with the exported key', async () => {
    const { url, link } = await links.create({
      provider: 'frameable',
      kind: 'attendee',
      key: 'ev',
      params: { displayName: 'Ann Lee', eventUrl: `${standIn.origin}/events/launch` },
    });
    const token = await tokenOnEventPage((page) => page.goto(served(url)).then(() => undefined));
    expect(token).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(await verifies(token)).toBe(true);
    expect((await links.find(link.id)).uses).toBe(1);
    expect(await links.store.clicks({ linkId: link.id })).toEqual([
      expect.objectContaining({ outcome: 'redirected', agent: 'Chrome', client: '127.0.0.0/24' }),
    ]);
  });

  it('with the confirm step: the page comes first, only the Join button mints and counts', async () => {
    const { url, link } = await links.create({
      provider: 'frameable',
      kind: 'attendee',
      key: 'ev',
      params: { displayName: 'Bo', eventUrl: `${standIn.origin}/events/launch` },
      confirm: true,
      maxUses: 1,
    });
    const token = await tokenOnEventPage(async (page) => {
      await page.goto(served(url));
      expect((await links.find(link.id)).uses).toBe(0);
      await page.getByRole('button', { name: /join/i }).click();
    });
    expect(await verifies(token)).toBe(true);
    expect((await links.find(link.id)).uses).toBe(1);
  });
});
