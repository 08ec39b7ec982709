import { clipboard, dialog, shell, type BrowserWindow } from 'electron';
import type { DesktopPorts } from '../core/ipc/handlers.ts';

/** The native pieces the core asks for: dialogs, clipboard, the browser. */
export function desktopPorts(window: () => BrowserWindow | null): DesktopPorts {
  return {
    async chooseKeyFile() {
      const options: Electron.OpenDialogOptions = {
        title: 'Import a key',
        properties: ['openFile'],
        filters: [
          { name: 'Keys', extensions: ['pem', 'key', 'json', 'jwk'] },
          { name: 'All files', extensions: ['*'] },
        ],
      };
      const owner = window();
      const result = owner
        ? await dialog.showOpenDialog(owner, options)
        : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    async chooseSavePath(suggestedName) {
      const owner = window();
      const options: Electron.SaveDialogOptions = {
        title: 'Save public key',
        defaultPath: suggestedName,
      };
      const result = owner
        ? await dialog.showSaveDialog(owner, options)
        : await dialog.showSaveDialog(options);
      return result.canceled ? null : (result.filePath ?? null);
    },
    clipboard: {
      readText: () => clipboard.readText(),
      writeText: (text) => clipboard.writeText(text),
    },
    // The URL was checked against the allow-list by the core before it gets here.
    openExternal: (url) => shell.openExternal(url),
  };
}
