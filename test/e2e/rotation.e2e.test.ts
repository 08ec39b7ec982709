import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../main/core/ipc/dispatch.ts';
import { KinescopeContract } from '../helpers/contractServers.ts';
import { launchChromium, openApp, serveRenderer, type Bridged } from './bridge.ts';

const SCREENSHOTS = join(import.meta.dirname, 'screenshots');
const API_TOKEN = '3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';

/** Kinescope's keys as a JWKS (the contract server keeps what was sent). */
function heldByKinescope(server: KinescopeContract): JSONWebKeySet {
  return {
    keys: [...server.keys.values()].map((k) => ({
      kty: k.kty as string,
      kid: k.kid as string,
      n: k.n as string,
      e: k.e as string,
    })),
  };
}

async function verifies(token: string, jwks: JSONWebKeySet): Promise<boolean> {
  try {
    await jwtVerify(token, createLocalJWKSet(jwks), { algorithms: ['RS256'] });
    return true;
  } catch {
    return false;
  }
}

describe('Done when: an admin rotates a Kinescope chat key from the app', () => {
  let browser: Browser;
  let context: BrowserContext;
  let app: Bridged;
  let kinescope: KinescopeContract;
  let home: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'keycast-e2e-rotation-'));
    mkdirSync(join(home, 'dropped'));
    mkdirSync(SCREENSHOTS, { recursive: true });
    kinescope = await new KinescopeContract(API_TOKEN).start();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 1100 } });
    await serveRenderer(context);
    app = await openApp(context, {
      dataDir: home,
      dropDir: join(home, 'dropped'),
      apiBases: { kinescope: kinescope.baseUrl },
    });
  });

  afterAll(async () => {
    await browser?.close();
    await kinescope?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('uploads the successor, accepts chat tokens of both keys during the overlap, deletes the old key after it, and the Activity log has each step', async () => {
    const { page, dispatch } = app;
    // A chat key already uploaded to Kinescope, and a chat token minted with it.
    await call(dispatch, 'setCredential', { name: 'kinescope', secret: API_TOKEN });
    const { key } = await call(dispatch, 'generateKey', {
      jobId: 'gen-chat',
      alg: 'RS256',
      name: 'chat',
      provider: 'kinescope',
    });
    await call(dispatch, 'uploadToKinescope', { jobId: 'up-chat', key: key.id });
    const chat = { event: 'evt-1', userId: 'u1', username: 'Ann' };
    const mint = async () =>
      (
        await call(dispatch, 'mintToken', {
          provider: 'kinescope',
          kind: 'chat',
          key: 'chat',
          params: chat,
        })
      ).token;
    const before = await mint();
    await page.reload();

    await page.getByRole('button', { name: 'Details of chat' }).click();
    await page.getByRole('button', { name: 'Rotate…' }).click();
    const wizard = page.getByRole('region', { name: 'Rotate “chat”' });
    await wizard.getByText('Upload the successor to Kinescope').waitFor();
    expect(await wizard.getByLabel('Overlap').inputValue()).toBe('7d');
    await page.screenshot({ path: join(SCREENSHOTS, 'rotate-wizard-plan.png'), fullPage: true });
    // A short overlap so the test sees its end.
    await wizard.getByLabel('Overlap').fill('10s');
    await wizard.getByRole('button', { name: 'Start rotation' }).click();
    // Once the rotation has switched and waits out the overlap, the wizard offers Resume.
    await wizard.getByRole('button', { name: 'Resume' }).waitFor({ timeout: 30_000 });
    await wizard.getByText(/^The overlap ends/).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'rotate-wizard-overlap.png'), fullPage: true });

    // Both keys at Kinescope: the token from before and one minted now are both accepted.
    expect(kinescope.keys.size).toBe(2);
    const after = await mint();
    expect(await verifies(before, heldByKinescope(kinescope))).toBe(true);
    expect(await verifies(after, heldByKinescope(kinescope))).toBe(true);
    const row = page.getByRole('row', { name: /chat \(retiring\)/ });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('retiring');

    const retireAfter = await call(dispatch, 'rotationPlan', { id: 'chat' });
    const end = Date.parse(retireAfter.current!.rotation.retireAfter!);
    await new Promise((r) => setTimeout(r, Math.max(0, end - Date.now()) + 200));
    await wizard.getByRole('button', { name: 'Resume' }).click();
    await wizard.getByText('The rotation is complete.').waitFor({ timeout: 30_000 });
    expect(kinescope.keys.size).toBe(1);
    expect(await verifies(before, heldByKinescope(kinescope))).toBe(false);
    expect(await verifies(await mint(), heldByKinescope(kinescope))).toBe(true);

    const steps = (
      await call(dispatch, 'listActivity', { event: 'rotation-step', limit: 20 })
    ).records
      .reverse()
      .map((r) => [r.detail.step, r.source]);
    expect(steps).toEqual([
      ['successor', 'app'],
      ['publish:kinescope', 'app'],
      ['switch', 'app'],
      ['retire:kinescope', 'app'],
      ['retire', 'app'],
    ]);
    // The Activity screen lists them too.
    await page
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('button', { name: 'Activity' })
      .click();
    await expect.poll(() => page.getByText('rotation step', { exact: true }).count()).toBe(5);
    await page.screenshot({ path: join(SCREENSHOTS, 'rotation-activity.png'), fullPage: true });
  });
});
