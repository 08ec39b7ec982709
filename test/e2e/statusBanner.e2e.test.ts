import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../main/core/ipc/dispatch.ts';
import { OsKeychain } from '../../main/core/vault/secretStore.ts';
import { launchChromium, openApp, serveRenderer, type Bridged } from './bridge.ts';

const SCREENSHOTS = join(import.meta.dirname, 'screenshots');

async function show(page: Page, screen: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Screens' })
    .getByRole('button', { name: screen })
    .click();
  await page.getByRole('heading', { level: 1, name: screen }).waitFor();
}

describe('the status banner in Chromium, bridged to the real core and keychain', () => {
  let browser: Browser;
  let app: Bridged;
  let home: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'keycast-e2e-status-'));
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    await serveRenderer(context);
    app = await openApp(context, { dataDir: home, dropDir: home });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.vault.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('shows nothing for a sound vault, then what expires and what is missing on every screen', async () => {
    const { page, dispatch } = app;
    const banner = page.getByRole('region', { name: 'Needs attention' });
    await page.getByText('No keys yet').waitFor();
    expect(await banner.count()).toBe(0);

    await call(dispatch, 'generateKey', {
      jobId: 'g1',
      alg: 'ES256',
      name: 'chat',
      expiresInDays: 10,
    });
    const { key: lost } = await call(dispatch, 'generateKey', {
      jobId: 'g2',
      alg: 'EdDSA',
      name: 'ams',
    });
    await show(page, 'Mint');
    await banner.waitFor();
    expect(await banner.getByRole('listitem').allTextContents()).toEqual([
      expect.stringMatching(
        /^Expires \d{4}-\d\d-\d\d Key "chat" expires in (10d|9d 23h): rotate it before then/,
      ),
    ]);
    expect(await banner.getAttribute('class')).toContain('warn');

    await new OsKeychain().remove(app.vault.accountOf(lost));
    await show(page, 'Links');
    await banner.getByText('2 things need your attention (within 30 days)').waitFor();
    expect(await banner.getAttribute('class')).toContain('bad');
    expect(await banner.getByRole('listitem').first().textContent()).toMatch(
      /^Secret missing The private key of "ams" is missing from the system keychain/,
    );
    await show(page, 'Keys');
    expect(await banner.getByRole('listitem').count()).toBe(2);
    await page.screenshot({ path: join(SCREENSHOTS, 'status-banner.png') });
  });
});
