import { generateKeyPairSync } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, jwtVerify, decodeJwt } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinescopeContract } from '../helpers/contractServers.ts';
import { PRIVATE_MEMBERS, memberNames } from '../helpers/keys.ts';
import { call } from '../../main/core/ipc/dispatch.ts';
import { OsKeychain } from '../../main/core/vault/secretStore.ts';
import { launchChromium, openApp, serveRenderer, type Bridged } from './bridge.ts';

const SCREENSHOTS = join(import.meta.dirname, 'screenshots');
const API_TOKEN = '3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const EVENT = 'evt-launch-2026';
const BACKUP_PASSPHRASE = 'seven orange kites over the harbour';
const LINKS_URL = 'https://go.example.com';
const FRAMEABLE_EVENT = 'https://acme.frameable.com/events/launch';

/** The page as a person sees it: one screen, reached from the navigation. */
async function show(page: Page, screen: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Screens' })
    .getByRole('button', { name: screen })
    .click();
  await page.getByRole('heading', { level: 1 }).waitFor();
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

describe('the desktop UI in Chromium, bridged to the real core and keychain', () => {
  let browser: Browser;
  let context: BrowserContext;
  let app: Bridged;
  let kinescope: KinescopeContract;
  let home: string;
  let dropDir: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'keycast-e2e-'));
    dropDir = join(home, 'dropped');
    mkdirSync(dropDir);
    mkdirSync(SCREENSHOTS, { recursive: true });
    kinescope = await new KinescopeContract(API_TOKEN).start();
    kinescope.events.set(EVENT, { id: EVENT, chat_jwt_required: false });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await serveRenderer(context);
    app = await openApp(context, {
      dataDir: home,
      dropDir,
      apiBases: { kinescope: kinescope.baseUrl },
    });
    app.page.on('pageerror', (error) => pageErrors.push(error.message));
    app.page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await kinescope?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('opens on the Keys screen with an empty vault', async () => {
    const { page } = app;
    await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Keys' }).count()).toBe(1);
    await page.getByText('No keys yet').waitFor();
    expect(await page.evaluate(() => typeof (window as { require?: unknown }).require)).toBe(
      'undefined',
    );
  });

  it('generates a Kinescope key with a progress state, and lists it', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'Generate key' }).click();
    const form = page.getByRole('form', { name: 'Generate a key' });
    await form.getByLabel('Algorithm').selectOption('RS256');
    await form.getByLabel('RSA size').selectOption('4096');
    await form.getByLabel('Name').fill('kinescope-key');
    await form.getByLabel('Provider').selectOption('kinescope');
    await form.getByRole('button', { name: 'Generate', exact: true }).click();
    // RSA-4096 takes a moment: the form says so and offers to cancel while it runs.
    await form.getByRole('button', { name: 'Cancel' }).waitFor();
    await page.getByText('Generated RS256 key "kinescope-key"').waitFor({ timeout: 60_000 });
    const row = page.getByRole('row', { name: /kinescope-key/ });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('active');
    await screenshot(page, 'keys');
  });

  it('shows public material only in the key details, with copy buttons', async () => {
    const { page } = app;
    const jwk = await page.getByLabel('Public JWK', { exact: true }).inputValue();
    const parsed = JSON.parse(jwk) as Record<string, unknown>;
    expect(parsed.kty).toBe('RSA');
    expect(
      memberNames(parsed).filter((m) => (PRIVATE_MEMBERS as readonly string[]).includes(m)),
    ).toEqual([]);
    await page.getByRole('button', { name: 'Copy Public JWK' }).click();
    await page.getByText('Copied — the clipboard clears in 60 s').first().waitFor();
    expect(app.desktop.clipboardText).toBe(jwk);
    await screenshot(page, 'key-details');
  });

  it('stores the Kinescope API token, uploads the key and enables chat JWT', async () => {
    const { page } = app;
    await show(page, 'Providers');
    const credentials = page.getByRole('form', { name: 'Store a credential' });
    await credentials.getByLabel('Credential').selectOption('kinescope');
    await credentials.getByLabel('Secret').fill(API_TOKEN);
    await credentials.getByRole('button', { name: 'Save to keychain' }).click();
    await page.getByText('••••••••').waitFor();
    expect(await page.content()).not.toContain(API_TOKEN);

    await page.getByRole('button', { name: 'Upload public key' }).click();
    await page.getByText('Uploaded "kinescope-key" to Kinescope').waitFor();
    const uploaded = kinescope.requests.find((r) => r.method === 'POST' && r.path === '/v1/jwk');
    expect(uploaded?.headers.authorization).toBe(`Bearer ${API_TOKEN}`);
    expect(Object.keys(uploaded?.body as object).sort()).toEqual(
      ['alg', 'e', 'expires_at', 'kid', 'kty', 'n', 'use'].sort(),
    );
    await page.getByRole('button', { name: 'Refresh key list' }).click();
    const remote = page.getByRole('table', { name: 'Keys at Kinescope' });
    await expect.poll(() => remote.getByRole('row', { name: /kinescope-key/ }).count()).toBe(1);

    const chat = page.getByRole('form', { name: 'Chat JWT for an event' });
    await chat.getByLabel('Live event id').fill(EVENT);
    await chat.getByRole('button', { name: 'Apply' }).click();
    await page.getByText(`Chat of event ${EVENT} now requires a signed token.`).waitFor();
    expect(kinescope.events.get(EVENT)?.chat_jwt_required).toBe(true);
    await screenshot(page, 'providers');
  });

  it('mints a Kinescope chat token and opens the chat link', async () => {
    const { page } = app;
    await show(page, 'Mint');
    await page.getByLabel('Provider').selectOption('kinescope');
    const form = page.getByRole('form', { name: 'Kinescope chat token' });
    // Inline validation: the required fields say so before anything is sent.
    await form.getByRole('button', { name: 'Mint token' }).click();
    await form.getByText('Event is required.').waitFor();
    await form.getByLabel('Event', { exact: true }).fill(EVENT);
    await form.getByLabel('User ID', { exact: true }).fill('viewer-42');
    await form.getByLabel('Username', { exact: true }).fill('Ann');
    await form.getByRole('radio', { name: '5 min' }).check();
    await form.getByRole('button', { name: 'Mint token' }).click();
    const token = await page.getByLabel('Token', { exact: true }).inputValue();
    const key = app.vault.find('kinescope-key');
    const { payload, protectedHeader } = await jwtVerify(
      token,
      await importJWK(key.publicJwk!, 'RS256'),
      { audience: 'chat', algorithms: ['RS256'] },
    );
    expect(protectedHeader.kid).toBe(key.kid);
    expect(payload).toMatchObject({ user_id: 'viewer-42', username: 'Ann', event_id: EVENT });
    expect(payload.exp! - payload.iat!).toBe(300);
    // The countdown ticks: within a few seconds it is below five minutes.
    await expect
      .poll(() => page.getByTestId('countdown').textContent(), { timeout: 5000 })
      .toMatch(/^expires in 4 min 5\d s$/);

    await page.getByRole('button', { name: 'Open chat link' }).click();
    await expect.poll(() => app.desktop.opened.length).toBe(1);
    const opened = new URL(app.desktop.opened[0]!);
    expect(opened.origin + opened.pathname).toBe(`https://kinescope.io/chat/${EVENT}`);
    expect(opened.searchParams.get('token')).toBe(token);
    await screenshot(page, 'mint-kinescope');
  });

  it('mints an Ant Media publish token and copies the OBS Server and Stream Key', async () => {
    const { page } = app;
    await show(page, 'Keys');
    await page.getByRole('button', { name: 'Generate key' }).click();
    const gen = page.getByRole('form', { name: 'Generate a key' });
    await gen.getByLabel('Algorithm').selectOption('HS256');
    await gen.getByLabel('Name').fill('ams-stream');
    await gen.getByLabel('Provider').selectOption('antmedia');
    await gen.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.getByText('Generated HS256 key "ams-stream"').waitFor();

    await show(page, 'Mint');
    await page.getByLabel('Provider').selectOption('antmedia');
    await page.getByLabel('Token kind').selectOption('publish');
    const form = page.getByRole('form', { name: 'Ant Media Server publish token' });
    await form.getByLabel('Host', { exact: true }).fill('media.example.com');
    await form.getByLabel('Stream', { exact: true }).fill('stream 1');
    await form.getByLabel('Stream', { exact: true }).blur();
    await form.getByText('Stream has characters or a form it cannot have.').waitFor();
    await form.getByLabel('Stream', { exact: true }).fill('stream1');
    await form.getByRole('button', { name: 'Mint token' }).click();

    const server = await page.getByLabel('OBS Server', { exact: true }).inputValue();
    const streamKey = await page.getByLabel('OBS Stream Key', { exact: true }).inputValue();
    expect(server).toBe('rtmp://media.example.com/LiveApp');
    const token = await page.getByLabel('Token', { exact: true }).inputValue();
    expect(streamKey).toBe(`stream1?token=${token}`);
    expect(decodeJwt(token)).toMatchObject({ streamId: 'stream1', type: 'publish' });

    await page.getByRole('button', { name: 'Copy OBS Server', exact: true }).click();
    await expect.poll(() => app.desktop.clipboardText).toBe(server);
    await page.getByRole('button', { name: 'Copy OBS Stream Key', exact: true }).click();
    await expect.poll(() => app.desktop.clipboardText).toBe(streamKey);
    await screenshot(page, 'mint-antmedia');
  });

  it('inspects a valid token as verified and a tampered one as a bad signature', async () => {
    const { page } = app;
    const token = await page.getByLabel('Token', { exact: true }).inputValue();
    await show(page, 'Inspect');
    const form = page.getByRole('form', { name: 'Inspect a token' });
    await form.getByLabel('Token').fill(token);
    await form.getByRole('button', { name: 'Inspect' }).click();
    await expect.poll(() => page.getByTestId('verdict').textContent()).toBe('Verified');

    const [h, p, s] = token.split('.') as [string, string, string];
    const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    await form.getByLabel('Token').fill(`${h}.${p}.${flipped}`);
    await form.getByRole('button', { name: 'Inspect' }).click();
    await expect.poll(() => page.getByTestId('verdict').textContent()).toBe('Invalid');
    await page.getByText('Bad signature:').waitFor();
    await form.getByRole('radio', { name: 'Nothing (decode only)' }).check();
    await form.getByRole('button', { name: 'Inspect' }).click();
    await expect
      .poll(() => page.getByTestId('verdict').textContent())
      .toBe('Unverified — signature not checked');
    await page.getByText('Claims (unverified)').waitFor();
    await screenshot(page, 'inspect');
  });

  it('imports a key file dropped on the Keys screen', async () => {
    const { page } = app;
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dropDir, 'edge.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await show(page, 'Keys');
    await page.getByRole('button', { name: 'Import key' }).click();
    const zone = page.getByTestId('dropzone');
    const transfer = await page.evaluateHandle(() => {
      const data = new DataTransfer();
      data.items.add(new File(['(read by main from its path)'], 'edge.pem'));
      return data;
    });
    await zone.dispatchEvent('drop', { dataTransfer: transfer });
    await page.getByText('Imported ES256 key "edge"').waitFor();
  });

  it('shows the guides and settings, and applies the dark theme', async () => {
    const { page } = app;
    await show(page, 'Providers');
    await page.getByRole('button', { name: 'Copy secret' }).click();
    await page.getByText('Secret copied from the keychain').waitFor();
    expect(app.desktop.clipboardText).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await page.content()).not.toContain(app.desktop.clipboardText);
    await show(page, 'Settings');
    await page.getByText('available', { exact: true }).waitFor();
    await page.getByRole('radio', { name: 'Dark' }).check();
    await expect
      .poll(() => page.evaluate(() => document.documentElement.dataset.theme))
      .toBe('dark');
    await screenshot(page, 'settings');
  });

  /** Settings → Restore… with the backup file the dialog will answer and a conflict choice. */
  async function restore(page: Page, file: string, passphrase: string, choice: string) {
    app.desktop.nextBackupFile = file;
    const form = page.getByRole('form', { name: 'Restore' });
    await form.getByLabel('Backup passphrase').fill(passphrase);
    await form.getByRole('radio', { name: choice }).check();
    await form.getByRole('button', { name: 'Restore…' }).click();
    return form;
  }

  it('backs up the vault, then restores the backup into it with "skip"', async () => {
    const { page } = app;
    const file = join(home, 'keycast.kcbackup');
    const form = page.getByRole('form', { name: 'Back up' });
    const backUp = async (passphrase: string, repeated: string): Promise<void> => {
      await form.getByLabel('Passphrase', { exact: true }).fill(passphrase);
      await form.getByLabel('Passphrase again').fill(repeated);
      await form.getByRole('button', { name: 'Back up…' }).click();
    };
    // Passphrases that differ are refused before main is asked: no dialog, no file.
    app.desktop.nextSavePath = file;
    await backUp(BACKUP_PASSPHRASE, `${BACKUP_PASSPHRASE}.`);
    await form
      .getByRole('alert')
      .getByText(/two passphrases differ/)
      .waitFor();
    expect(existsSync(file)).toBe(false);

    await backUp(BACKUP_PASSPHRASE, BACKUP_PASSPHRASE);
    await form.getByText('Encrypted backup written.').waitFor();
    expect(await form.getByRole('textbox', { name: 'Backup file' }).inputValue()).toBe(file);
    expect(await form.getByLabel('Passphrase', { exact: true }).inputValue()).toBe('');
    const listed = await form.getByRole('list', { name: 'Keys in the backup' }).textContent();
    const keys = app.vault.list();
    for (const key of keys) expect(listed).toContain(`kid ${key.kid}`);
    expect(await form.getByRole('list', { name: 'Credentials' }).textContent()).toBe('kinescope');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const sealed = readFileSync(file, 'utf8');
    expect(sealed.trim().split('.')).toHaveLength(5);
    for (const secret of [BACKUP_PASSPHRASE, API_TOKEN, 'kinescope-key']) {
      expect(sealed).not.toContain(secret);
    }

    // Into the same vault: by default the stored credential clashes and nothing changes.
    let restoring = await restore(page, file, BACKUP_PASSPHRASE, 'Refuse if anything clashes');
    await restoring
      .getByRole('alert')
      .getByText(/^Nothing was restored: credential "kinescope" already exists here/)
      .waitFor();
    expect(await restoring.getByLabel('Backup passphrase').inputValue()).toBe('');
    restoring = await restore(page, file, 'not the passphrase at all', 'Skip what clashes');
    await restoring
      .getByRole('alert')
      .getByText(/^The passphrase is wrong/)
      .waitFor();

    restoring = await restore(page, file, BACKUP_PASSPHRASE, 'Skip what clashes');
    await restoring.getByText(`Restored from ${file}.`).waitFor();
    const skipped = await restoring.getByRole('list', { name: 'Skipped' }).textContent();
    for (const key of keys) expect(skipped).toContain(`key "${key.name}": already here`);
    expect(skipped).toContain('credential "kinescope": one is stored here already');
    expect(await restoring.getByRole('list', { name: 'Keys restored' }).count()).toBe(0);
    expect(app.vault.list()).toEqual(keys);
  });

  it('marks a key whose keychain item vanished, and brings it back from the backup', async () => {
    const { page } = app;
    const edge = app.vault.find('edge');
    await new OsKeychain().remove(app.vault.accountOf(edge));
    await show(page, 'Keys');
    const details = page.getByRole('button', { name: 'Details of edge', exact: true });
    const row = page.getByRole('row').filter({ has: details });
    await expect.poll(() => row.textContent()).toContain('secret missing');
    await details.click();
    await page.getByText(/the system keychain has no private part for this key/).waitFor();

    // As the hint says: restore a backup that holds the key; it puts the private part back.
    await show(page, 'Settings');
    const restoring = await restore(
      page,
      join(home, 'keycast.kcbackup'),
      BACKUP_PASSPHRASE,
      'Skip what clashes',
    );
    // Decrypting takes a moment (600,000 PBKDF2 iterations).
    await restoring.getByText(/^Restored from/).waitFor();
    expect(await restoring.getByRole('list', { name: 'Keys restored' }).textContent()).toContain(
      `kid ${edge.kid}`,
    );
    await screenshot(page, 'backup');

    await show(page, 'Keys');
    await expect.poll(() => row.textContent()).toContain('active');
    expect(app.vault.find('edge')).toMatchObject({ id: edge.id, kid: edge.kid });
  });

  it('creates a Frameable redirect link, follows it through the app’s server and sees the click', async () => {
    const { page } = app;
    await show(page, 'Links');
    // Links are given out under the address a TLS proxy would have; the server answers loopback.
    const publicUrl = page.getByRole('form', { name: 'Public URL' });
    await publicUrl.getByLabel('Public URL').fill(LINKS_URL);
    await publicUrl.getByRole('button', { name: 'Save public URL' }).click();
    await page.getByText('Saved the public URL: new links start with it.').waitFor();

    await page.getByRole('button', { name: 'Create link' }).click();
    const form = page.getByRole('form', { name: 'Create a redirect link' });
    await form.getByLabel('Provider').selectOption('frameable');
    await form.getByLabel('Token kind').selectOption('attendee');
    await form.getByLabel('Signing key').selectOption({ label: 'kinescope-key (RS256)' });
    await form.getByLabel('Display name', { exact: true }).fill('Ann Lee');
    await form.getByLabel('Email', { exact: true }).fill('ann@example.com');
    await form.getByLabel('Event URL', { exact: true }).fill(FRAMEABLE_EVENT);
    await form.getByLabel('Uses (maximum)').fill('3');
    await form.getByRole('button', { name: 'Create link' }).click();
    const issued = page.getByRole('region', { name: 'New link for “Ann Lee”' });
    const url = await issued.getByLabel('Link URL', { exact: true }).inputValue();
    expect(url).toMatch(/^https:\/\/go\.example\.com\/l\/[A-Za-z0-9_-]{32}$/);
    await issued.getByRole('img', { name: 'QR code of the link for Ann Lee' }).waitFor();
    const links = page.getByRole('table', { name: 'Redirect links' });
    const row = links.getByRole('row', { name: /Ann Lee/ });
    await expect.poll(() => row.textContent()).toContain('0/3');
    expect(await row.textContent()).toContain('active');

    // The app's own server, on a free loopback port.
    const server = page.getByRole('form', { name: 'Server address' });
    expect(await server.getByLabel('Listen on').inputValue()).toBe('127.0.0.1');
    await server.getByLabel('Port').fill('0');
    await server.getByRole('button', { name: 'Start server' }).click();
    const state = page.getByTestId('server-state');
    await expect.poll(() => state.textContent()).toMatch(/^Running on http:\/\/127\.0\.0\.1:\d+/);
    const address = /http:\/\/127\.0\.0\.1:\d+/.exec((await state.textContent())!)![0];

    // A click: a fresh token for Ann, on the stored event URL, that verifies with the key.
    const secret = url.slice(url.lastIndexOf('/') + 1);
    const answer = await page.request.get(`${address}/l/${secret}`, { maxRedirects: 0 });
    expect(answer.status()).toBe(302);
    expect(answer.headers()['cache-control']).toBe('no-store');
    expect(answer.headers()['referrer-policy']).toBe('no-referrer');
    const location = new URL(answer.headers().location!);
    expect(`${location.origin}${location.pathname}`).toBe(FRAMEABLE_EVENT);
    const token = location.searchParams.get('token')!;
    const key = app.vault.find('kinescope-key');
    const { payload, protectedHeader } = await jwtVerify(
      token,
      await importJWK(key.publicJwk!, 'RS256'),
      { algorithms: ['RS256'] },
    );
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ displayName: 'Ann Lee', email: 'ann@example.com' });
    expect(payload.exp! - payload.iat!).toBe(300);

    // The click appears while the server runs; the uses count; no token reaches the page.
    const clicks = page.getByRole('table', { name: 'Recent clicks' });
    const click = clicks.getByRole('row', { name: /Ann Lee/ });
    await expect.poll(() => click.textContent(), { timeout: 10_000 }).toContain('redirected');
    expect(await click.textContent()).toContain('127.0.0.0/24');
    await expect.poll(() => row.textContent()).toContain('1/3');
    expect(await page.content()).not.toContain(token);
    await screenshot(page, 'links');

    await server.getByRole('button', { name: 'Stop server' }).click();
    await expect.poll(() => state.textContent()).toMatch(/^Stopped/);
    const after = await page.request
      .get(`${address}/l/${secret}`, { maxRedirects: 0, timeout: 5000 })
      .then(
        (r) => r.status(),
        () => 'refused',
      );
    expect(after).toBe('refused');
  });

  it('imports an attendee CSV: a bad row is shown and nothing is created; then all or none', async () => {
    const { page } = app;
    const count = async (): Promise<number> =>
      (await call(app.dispatch, 'listLinks', {})).links.length;
    const before = await count();
    const drop = async (name: string, text: string): Promise<void> => {
      writeFileSync(join(dropDir, name), text);
      const transfer = await page.evaluateHandle((file) => {
        const data = new DataTransfer();
        data.items.add(new File(['(read by main from its path)'], file));
        return data;
      }, name);
      await page.getByTestId('csv-dropzone').dispatchEvent('drop', { dataTransfer: transfer });
    };
    await page.getByRole('button', { name: 'Import CSV' }).click();
    await drop(
      'attendees.csv',
      '\ufeffName,Email\r\nBo Chen,bo@example.com\r\nCy,not-an-email\r\n"Lee, Dee",dee@example.com\r\n',
    );
    const mapping = page.getByRole('table', { name: 'Column mapping' });
    expect(await mapping.getByLabel('Column for Display name').inputValue()).toBe('Name');
    expect(await mapping.getByLabel('Column for Email').inputValue()).toBe('Email');
    await mapping.getByLabel('Event URL', { exact: true }).fill(FRAMEABLE_EVENT);
    await page.getByRole('button', { name: 'Check rows' }).click();
    const preview = page.getByRole('table', { name: 'Preview of the first rows' });
    const bad = preview.getByRole('row', { name: /line 3/ });
    await expect.poll(() => bad.getAttribute('class')).toBe('row-problem');
    expect(await bad.textContent()).toMatch(/email/i);
    expect(await preview.getByRole('row', { name: /line 2/ }).getAttribute('class')).toBeNull();
    await page.getByText('1 of 3 rows have problems').waitFor();
    const create = page.getByRole('button', { name: 'Create 3 links and save CSV…' });
    expect(await create.isDisabled()).toBe(true);
    await screenshot(page, 'links-import');
    expect(await count()).toBe(before);

    // The corrected file: every row is fine, and the links come back in a CSV only its owner reads.
    await drop(
      'attendees-fixed.csv',
      'Name,Email\r\nBo Chen,bo@example.com\r\nCy,cy@example.com\r\n"Lee, Dee",dee@example.com\r\n',
    );
    await page.getByText('attendees-fixed.csv: 3 attendees', { exact: false }).waitFor();
    await mapping.getByLabel('Event URL', { exact: true }).fill(FRAMEABLE_EVENT);
    await page.getByRole('button', { name: 'Check rows' }).click();
    await page.getByText('All 3 rows are fine.').waitFor();
    const saved = join(home, 'links.csv');
    app.desktop.nextSavePath = saved;
    await create.click();
    await page.getByText(/^Created 3 links and saved them/).waitFor();
    expect(statSync(saved).mode & 0o777).toBe(0o600);
    const lines = readFileSync(saved, 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toBe('Name,Email,link');
    expect(lines[3]).toMatch(
      /^"Lee, Dee",dee@example\.com,https:\/\/go\.example\.com\/l\/[A-Za-z0-9_-]{32}$/,
    );
    const table = page.getByRole('table', { name: 'Redirect links' });
    expect(await count()).toBe(before + 3);
    await expect.poll(() => table.getByRole('row').count()).toBe(before + 3 + 1);
    await page.getByLabel('Filter links').fill('dee@');
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    // Labelled from the name column; the uses start at none.
    expect(await table.getByRole('row', { name: /Lee, Dee/ }).textContent()).toContain('0/∞');
  });

  it('shows the session on the Activity screen, filters it, exports it and verifies the chain', async () => {
    const { page } = app;
    await show(page, 'Activity');
    const table = page.getByRole('table', { name: 'Activity' });
    await table.waitFor();
    const text = (await table.textContent()) ?? '';
    for (const event of [
      'key generated',
      'key uploaded',
      'token minted · Mint',
      'token minted · redirect click',
      'backup written',
      'backup restored',
    ])
      expect(text, event).toContain(event);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]+\./);
    await page.getByLabel('Event').selectOption('token-minted');
    await expect
      .poll(async () =>
        (await table.getByRole('row').allTextContents())
          .slice(1)
          .every((row) => row.includes('token minted')),
      )
      .toBe(true);
    const saved = join(home, 'activity.csv');
    app.desktop.nextSavePath = saved;
    await page.getByRole('button', { name: 'Export CSV…' }).click();
    await page.getByText(/^Exported \d+ record\(s\) to /).waitFor();
    expect(statSync(saved).mode & 0o777).toBe(0o600);
    const csv = readFileSync(saved, 'utf8');
    expect(csv.split('\n')[0]).toMatch(/^id,at,source,event,/);
    expect(csv).not.toMatch(/eyJ[A-Za-z0-9_-]+\./);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText(/^The activity log is intact: \d+ record\(s\) verified/).waitFor();
    await page.getByLabel('Event').selectOption('');
    await table.getByText('key generated').first().waitFor();
    await screenshot(page, 'activity');
  });

  it('refuses a link outside the allow-list and keeps the CSP in force', async () => {
    const { page } = app;
    const answer = await page.evaluate(() =>
      window.keycast.openExternal({ url: 'https://evil.example/phish' }),
    );
    expect(answer.ok).toBe(false);
    const blocked = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true';
      document.head.append(script);
      return (window as { __inlineRan?: boolean }).__inlineRan === true;
    });
    expect(blocked).toBe(false);
    expect(pageErrors.filter((e) => !e.includes('Content Security Policy'))).toEqual([]);
  });
});
