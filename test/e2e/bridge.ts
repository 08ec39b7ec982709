import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ACTIONS, type KeycastApi, type Progress } from '../../shared/ipc.ts';
import { appFileHeaders, resolveAppFile } from '../../main/app/appFiles.ts';
import { APP_ORIGIN } from '../../main/app/security.ts';
import { createDispatch, type Dispatch } from '../../main/core/ipc/dispatch.ts';
import { createAppCore, type AppCore } from '../../main/core/ipc/handlers.ts';
import { SettingsStore } from '../../main/core/ipc/settingsStore.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { ROOT } from '../helpers/cli.ts';
import { TestDesktop } from '../helpers/desktop.ts';

export const RENDERER_DIR = join(ROOT, 'out', 'renderer');
export const CHROMIUM = process.env.KEYCAST_CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Chromium as these machines need it: headless, no background traffic to the internet. */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: install the Debian package "chromium".`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

/**
 * The page's origin stands in for app://keycast (Chromium cannot route a custom scheme); every
 * file is resolved and given its headers (the CSP among them) by the same code as the Electron
 * protocol handler.
 */
export const PAGE_ORIGIN = 'http://keycast.localhost';

export async function serveRenderer(context: BrowserContext): Promise<void> {
  if (!existsSync(join(RENDERER_DIR, 'index.html')))
    throw new Error('The UI is not built: run "npm run build:app" first (npm test does).');
  await context.route(`${PAGE_ORIGIN}/**`, async (route) => {
    const url = route.request().url().replace(PAGE_ORIGIN, APP_ORIGIN);
    const file = resolveAppFile(RENDERER_DIR, url);
    if (!file) return route.fulfill({ status: 404, body: 'Not found' });
    return route.fulfill({
      status: 200,
      headers: appFileHeaders(file),
      body: readFileSync(file.path),
    });
  });
  // Nothing else may load: a request anywhere else is a bug (the CSP should already stop it).
  await context.route(
    (url) => !url.href.startsWith(PAGE_ORIGIN),
    (route) => route.abort('blockedbyclient'),
  );
}

export interface Bridged {
  page: Page;
  core: AppCore;
  dispatch: Dispatch;
  desktop: TestDesktop;
  vault: Vault;
}

/**
 * Opens the built UI with `window.keycast` wired to the real handlers in this process — what the
 * preload and ipcMain do in the app, with `page.exposeBinding` as the wire. `pathForFile` gives a
 * dropped file's path inside `dropDir`, as Electron's webUtils gives the real path.
 */
export async function openApp(
  context: BrowserContext,
  options: { dataDir: string; dropDir: string; apiBases?: { kinescope?: string } },
): Promise<Bridged> {
  const page = await context.newPage();
  const desktop = new TestDesktop();
  const vault = new Vault({ dataDir: options.dataDir, source: 'app' });
  const progress = (p: Progress): void =>
    void page.evaluate((value) => window.__keycastProgress?.(value), p).catch(() => undefined);
  const core = createAppCore({
    vault,
    settings: new SettingsStore(vault.settings),
    ports: desktop,
    version: 'test',
    progress,
    apiBases: options.apiBases,
  });
  const dispatch = createDispatch(core.handlers);
  // Answers cross as one JSON string: Playwright serialises object graphs value by value, which
  // would make the bridge, not the app, the slow part (Electron's IPC uses structured clone).
  await page.exposeBinding('__keycastInvoke', async (_source, action: string, payload: unknown) =>
    JSON.stringify(await dispatch(action, payload)),
  );
  await page.addInitScript(
    ({ actions, dropDir }) => {
      const listeners = new Set<(p: unknown) => void>();
      const api: Record<string, unknown> = {};
      for (const action of actions) {
        api[action] = async (request: unknown) =>
          JSON.parse(await window.__keycastInvoke(action, request)) as unknown;
      }
      api.onProgress = (listener: (p: unknown) => void) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      };
      api.pathForFile = (file: File) => `${dropDir}/${file.name}`;
      window.__keycastProgress = (p: unknown) => listeners.forEach((l) => l(p));
      Object.defineProperty(window, 'keycast', { value: Object.freeze(api) });
    },
    { actions: ACTIONS, dropDir: options.dropDir },
  );
  await page.goto(`${PAGE_ORIGIN}/index.html`);
  return { page, core, dispatch, desktop, vault };
}

declare global {
  interface Window {
    keycast: KeycastApi;
    __keycastInvoke(action: string, request: unknown): Promise<string>;
    __keycastProgress?: (progress: unknown) => void;
  }
}
