import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../main/core/ipc/dispatch.ts';
import {
  liveStreams,
  nginxRtmpMissing,
  startNginxRtmp,
  type NginxRtmp,
} from '../helpers/nginxRtmp.ts';
import { obsLabMissing, startObsLab, withObsSocket, type ObsLab } from '../helpers/obsLab.ts';
import { launchChromium, openApp, serveRenderer, type Bridged } from './bridge.ts';

/**
 * The app's OBS features in Chromium, bridged to the real core and keychain, against real OBS
 * Studio (under Xvfb) streaming to a real nginx-rtmp: Settings → OBS saves the connection and
 * tests it; the Mint result's "Send to OBS" puts a fresh publish token into OBS; "Send and start
 * streaming" goes live, and the buttons are then disabled with the reason.
 */
const SCREENSHOTS = join(import.meta.dirname, 'screenshots');
const missing = obsLabMissing() ?? nginxRtmpMissing();

async function show(page: Page, screen: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Screens' })
    .getByRole('button', { name: screen })
    .click();
  await page.getByRole('heading', { level: 1 }).waitFor();
}

describe.skipIf(missing)('Send to OBS in Chromium, against real OBS Studio', () => {
  let lab: ObsLab;
  let nginx: NginxRtmp;
  let browser: Browser;
  let app: Bridged;
  let home: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [lab, nginx] = await Promise.all([startObsLab(), startNginxRtmp()]);
    home = mkdtempSync(join(tmpdir(), 'keycast-e2e-obs-'));
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await serveRenderer(context);
    app = await openApp(context, { dataDir: home, dropDir: home });
    app.page.on('pageerror', (error) => pageErrors.push(error.message));
    await call(app.dispatch, 'generateKey', {
      jobId: 'ams',
      alg: 'HS256',
      name: 'ams-stream',
      provider: 'antmedia',
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    app?.core.keepFresh.stop();
    await app?.vault.close();
    await Promise.all([lab?.stop(), nginx?.stop()]);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('saves the obs-websocket address and password in Settings and tests the connection', async () => {
    const { page } = app;
    await show(page, 'Settings');
    const form = page.getByRole('form', { name: 'OBS connection' });
    await form.getByLabel('obs-websocket address').fill(lab.url);
    await form.getByLabel('Password', { exact: true }).fill(lab.password);
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved; the password is in the system keychain.').waitFor();
    expect(await form.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    await page.getByText('A password is saved in the keychain').waitFor();
    await form.getByRole('button', { name: 'Test connection' }).click();
    const state = page.getByTestId('obs-state');
    await expect.poll(() => state.textContent()).toMatch(/^ready OBS \d+\.\d+\.\d+ is ready/);
    expect(await page.content()).not.toContain(lab.password);
    expect(await app.vault.credential('obs')).toBe(lab.password);
  });

  it('mints an Ant Media publish token and sends a fresh one to OBS, read back from OBS', async () => {
    const { page } = app;
    await show(page, 'Mint');
    await page.getByLabel('Provider').selectOption('antmedia');
    await page.getByLabel('Token kind').selectOption('publish');
    const form = page.getByRole('form', { name: 'Ant Media Server publish token' });
    await form.getByLabel('Host', { exact: true }).fill('127.0.0.1');
    await form.getByLabel('Stream', { exact: true }).fill('stream1');
    await form.getByLabel(/^rtmp port$/i).fill(new URL(nginx.rtmpUrl).port);
    await form.getByLabel(/^tls$/i).uncheck();
    await form.getByRole('button', { name: 'Mint token' }).click();
    const state = page.getByTestId('obs-state');
    await expect.poll(() => state.textContent(), { timeout: 15_000 }).toMatch(/is ready/);

    await page.getByRole('button', { name: 'Send to OBS' }).click();
    const line = page.getByText(/^Sent to OBS /);
    await line.waitFor();
    expect(await line.textContent()).toMatch(
      new RegExp(
        `server ${nginx.rtmpUrl.replace(/[.:/]/g, '\\$&')}, read back and checked\\. The token in OBS expires in .* OBS is not streaming yet\\.$`,
      ),
    );
    const { server, key } = await withObsSocket(lab, async (obs) => {
      const held = await obs.call('GetStreamServiceSettings');
      expect(held.streamServiceType).toBe('rtmp_custom');
      return held.streamServiceSettings as { server: string; key: string };
    });
    expect(server).toBe(nginx.rtmpUrl);
    const [stream, query] = key.split('?');
    expect(stream).toBe('stream1');
    const token = new URLSearchParams(query).get('token')!;
    const { payload } = await jwtVerify(
      token,
      (await app.vault.verifier(app.vault.find('ams-stream'))).key,
    );
    expect(payload).toMatchObject({ streamId: 'stream1', type: 'publish' });
  });

  it('sends and starts streaming; while live both buttons are disabled with the reason', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'Send and start streaming' }).click();
    await page.getByText(/Streaming: the server accepted the stream\.$/).waitFor({
      timeout: 30_000,
    });
    expect(await liveStreams(nginx.statUrl)).toContain('stream1');
    const state = page.getByTestId('obs-state');
    await expect.poll(() => state.textContent()).toMatch(/^live OBS .* is live/);
    expect(await state.textContent()).toContain(
      'Keycast leaves the stream settings of a live stream alone',
    );
    const send = page.getByRole('button', { name: 'Send to OBS' });
    expect(await send.isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Send and start streaming' }).isDisabled()).toBe(
      true,
    );
    await page.getByRole('heading', { name: 'OBS', exact: true }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'mint-send-to-obs.png'), fullPage: true });

    // Stopped in OBS: the screen notices at its next look and the buttons come back.
    await withObsSocket(lab, async (obs) => {
      await obs.call('StopStream');
    });
    await expect
      .poll(() => state.textContent(), { timeout: 20_000 })
      .toMatch(/^ready OBS .* is ready/);
    expect(await send.isDisabled()).toBe(false);
    expect(pageErrors).toEqual([]);
  });
});
