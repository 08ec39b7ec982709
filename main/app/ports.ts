import { clipboard, dialog, shell, type BrowserWindow } from 'electron';
import type { DesktopPorts } from '../core/ipc/handlers.ts';

/** The native pieces the core asks for: dialogs, clipboard, the browser. */
export function desktopPorts(window: () => BrowserWindow | null): DesktopPorts {
  const openOne = async (options: Electron.OpenDialogOptions): Promise<string | null> => {
    const owner = window();
    const result = owner
      ? await dialog.showOpenDialog(owner, options)
      : await dialog.showOpenDialog(options);
    return result.canceled ? null : (result.filePaths[0] ?? null);
  };
  return {
    chooseKeyFile: () =>
      openOne({
        title: 'Import a key',
        properties: ['openFile'],
        filters: [
          { name: 'Keys', extensions: ['pem', 'key', 'json', 'jwk'] },
          { name: 'All files', extensions: ['*'] },
        ],
      }),
    chooseBackupFile: () =>
      openOne({
        title: 'Restore a Keycast backup',
        properties: ['openFile'],
        filters: [
          { name: 'Keycast backups', extensions: ['kcbackup'] },
          { name: 'All files', extensions: ['*'] },
        ],
      }),
    async chooseSavePath(suggestedName, title = 'Save public key') {
      const owner = window();
      const options: Electron.SaveDialogOptions = { title, defaultPath: suggestedName };
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
