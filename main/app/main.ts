import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, dialog, protocol, session, type BrowserWindow } from 'electron';
import { KeycastError } from '../core/errors.ts';
import { resolveDataDir } from '../core/vault/paths.ts';
import { Vault } from '../core/vault/vault.ts';
import { createAppCore } from '../core/ipc/handlers.ts';
import { createDispatch } from '../core/ipc/dispatch.ts';
import { SettingsStore } from '../core/ipc/settingsStore.ts';
import { APP_SCHEME } from './security.ts';
import { serveAppFiles } from './protocol.ts';
import { lockDownContents, denyPermissions } from './lockdown.ts';
import { desktopPorts } from './ports.ts';
import { registerIpc, sendProgress } from './ipc.ts';
import { MaintainRunner } from '../core/lifecycle/maintainRunner.ts';
import { startReminders } from './reminders.ts';
import { createMainWindow } from './window.ts';
import { buildMenu } from './menu.ts';

/** Electron glue only: every decision lives in main/core or in the pure modules beside this file. */
const here = dirname(fileURLToPath(import.meta.url));
const RENDERER_DIR = join(here, '../renderer');
const PRELOAD = join(here, '../preload/preload.cjs');

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false } },
]);
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let window: BrowserWindow | null = null;
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('web-contents-created', (_event, contents) => lockDownContents(contents));

  app
    .whenReady()
    .then(() => {
      const development = !app.isPackaged && process.env.KEYCAST_DEVTOOLS === '1';
      denyPermissions(session.defaultSession);
      serveAppFiles(session.defaultSession.protocol, RENDERER_DIR);
      const dataDir = resolveDataDir();
      // What the data folder says on opening (a migration, a restored snapshot) is shown in the window too.
      const notices: string[] = [];
      const vault = new Vault({
        dataDir,
        source: 'app',
        warn: (m) => {
          notices.push(m);
          console.error(`keycast: ${m}`);
        },
      });
      const settings = new SettingsStore(vault.settings);
      const version = (
        JSON.parse(readFileSync(join(app.getAppPath(), 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
      const core = createAppCore({
        vault,
        settings,
        version,
        notices,
        ports: desktopPorts(() => window),
        progress: (progress) => sendProgress(window, progress),
        apiBases: { kinescope: process.env.KEYCAST_KINESCOPE_API_URL },
        obs: { keepFresh: { log: (m) => console.error(m) } },
        links: {
          chooseAttendeeCsv: async () => {
            const options: Electron.OpenDialogOptions = {
              title: 'Import attendees',
              properties: ['openFile'],
              filters: [
                { name: 'CSV files', extensions: ['csv'] },
                { name: 'All files', extensions: ['*'] },
              ],
            };
            const result = window
              ? await dialog.showOpenDialog(window, options)
              : await dialog.showOpenDialog(options);
            return result.canceled ? null : (result.filePaths[0] ?? null);
          },
        },
      });
      registerIpc(
        createDispatch(core.handlers, (m) => console.error(m)),
        () => window,
      );
      // "Keep OBS's token fresh", when the person turned it on: one look at OBS every 30 s.
      core.keepFresh.resume();
      // Key rotations, as keycast maintain does: an interrupted one carries on now, retirements
      // after the overlap and rotations due by policy every hour while the app is open.
      const maintenance = new MaintainRunner({
        vault,
        onReport: (report) => {
          for (const a of report.actions.filter((x) => x.kind === 'failed'))
            console.error(`keycast: rotation of "${a.key}" failed: ${a.message}`);
        },
        log: (m) => console.error(m),
      });
      maintenance.start();
      // Expiry reminders (14, 7 and 1 days before): one look now, then every hour.
      const reminders = startReminders(vault, () => {
        if (!window) return;
        if (window.isMinimized()) window.restore();
        window.focus();
      });
      buildMenu();
      window = createMainWindow({ preload: PRELOAD, settings, development });
      window.on('closed', () => {
        window = null;
      });
      app.on('before-quit', () => void core.clipboard.flush());
      // The database takes the snapshot its last changes are owed before the app ends.
      let closed = false;
      app.on('will-quit', (event) => {
        if (closed) return;
        event.preventDefault();
        // The redirect-link server stops with the app (SECURITY.md §30), before the database closes;
        // so does keep-fresh, after any look at OBS under way.
        core.keepFresh.stop();
        reminders?.stop();
        maintenance.stop();
        void Promise.all([
          core.handlers.stopLinkServer({}),
          core.keepFresh.idle(),
          maintenance.idle(),
        ])
          .catch(() => undefined)
          .then(() => vault.close())
          .finally(() => {
            closed = true;
            app.quit();
          });
      });
      app.on('window-all-closed', () => app.quit());
    })
    .catch((error: unknown) => {
      // A person started the app: say why it cannot run (a newer database, a damaged one with no
      // snapshot, an unreadable keycast.json) in a window, not only on a console nobody sees.
      const message =
        error instanceof KeycastError ? error.message : 'Something unexpected went wrong.';
      console.error('keycast: the app could not start:', message);
      dialog.showErrorBox('Keycast cannot start', message);
      app.exit(1);
    });
}
