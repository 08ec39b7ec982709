import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';
import { electronBinary } from './electronBinary.ts';

const binary = electronBinary();
if (!binary) {
  console.log(
    'skipped: no Electron binary (set KEYCAST_ELECTRON_PATH, or install the electron package where its binary can be downloaded)',
  );
}

/** The real app, launched the way `npm start` does, in this test's keychain session. */
describe.skipIf(!binary)('the Electron app', () => {
  let app: ElectronApplication;
  let page: Page;
  let home: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'keycast-electron-'));
    app = await _electron.launch({
      executablePath: binary!,
      // Chromium's sandbox refuses to start as root (CI containers); the renderer sandbox flag is still on.
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), ROOT],
      env: { ...process.env, KEYCAST_HOME: home },
    });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
  });

  afterAll(async () => {
    await app?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('opens one window on the app’s own origin', async () => {
    expect(app.windows()).toHaveLength(1);
    expect(page.url()).toBe('app://keycast/index.html');
    await page.getByRole('heading', { level: 1, name: 'Keys' }).waitFor();
  });

  it('runs the window with the security settings of SECURITY.md §19', async () => {
    const prefs = await app.evaluate(({ BrowserWindow }) => {
      // Not in Electron's type declarations, but present at run time: the preferences in force.
      const contents = BrowserWindow.getAllWindows()[0]!.webContents as unknown as {
        getLastWebPreferences(): Record<string, unknown> | null;
      };
      const p = contents.getLastWebPreferences();
      return {
        contextIsolation: p?.contextIsolation,
        sandbox: p?.sandbox,
        nodeIntegration: p?.nodeIntegration,
        webSecurity: p?.webSecurity,
        webviewTag: p?.webviewTag,
      };
    });
    expect(prefs).toEqual({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
    expect(await page.evaluate(() => typeof (window as { require?: unknown }).require)).toBe(
      'undefined',
    );
    expect(await page.evaluate(() => Object.keys(window.keycast).includes('invoke'))).toBe(false);
  });

  it('denies new windows and blocks navigation away from the app', async () => {
    expect(await page.evaluate(() => window.open('https://example.com') === null)).toBe(true);
    await page.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe('app://keycast/index.html');
    expect(app.windows()).toHaveLength(1);
  });

  it('denies permission requests', async () => {
    const state = await page.evaluate(async () =>
      navigator.permissions.query({ name: 'notifications' }).then((s) => s.state),
    );
    expect(state).not.toBe('granted');
  });

  it('generates a key through the real IPC', async () => {
    await page.getByRole('button', { name: 'Generate key' }).click();
    const form = page.getByRole('form', { name: 'Generate a key' });
    await form.getByLabel('Algorithm').selectOption('ES256');
    await form.getByLabel('Name').fill('from-electron');
    await form.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.getByText('Generated ES256 key "from-electron"').waitFor();
    await page.getByRole('row', { name: /from-electron/ }).waitFor();
  });

  it('keeps the vault in SQLite through the Node inside this Electron (node:sqlite, no flag)', async () => {
    const node = await app.evaluate(() => process.versions.node);
    const [major, minor] = node.split('.').map(Number) as [number, number];
    expect(major > 22 || (major === 22 && minor >= 13), `Electron's Node ${node}`).toBe(true);
    const db = new DatabaseSync(join(home, 'keycast.db'), { readOnly: true });
    expect(db.prepare('SELECT name FROM keys').all()).toEqual([{ name: 'from-electron' }]);
    db.close();
  });
});
