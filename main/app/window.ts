import { BrowserWindow, screen } from 'electron';
import type { SettingsStore } from '../core/ipc/settingsStore.ts';
import { APP_ENTRY } from './security.ts';
import { restoreBounds } from './windowState.ts';

export interface MainWindowOptions {
  preload: string;
  settings: SettingsStore;
  development: boolean;
}

/** The one window: placed where it was last time, saved again when it closes. */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const bounds = restoreBounds(
    options.settings.windowBounds(),
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const window = new BrowserWindow({
    ...bounds,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'Keycast',
    backgroundColor: '#111418',
    // Written out here, literally, so Electronegativity (npm test) can check every flag.
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      disableBlinkFeatures: 'Auxclick',
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: options.development,
    },
  });
  if (bounds.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());
  window.on('close', () => {
    const { x, y, width, height } = window.getNormalBounds();
    options.settings.saveWindowBounds({ x, y, width, height, maximized: window.isMaximized() });
  });
  void window.loadURL(APP_ENTRY);
  return window;
}
