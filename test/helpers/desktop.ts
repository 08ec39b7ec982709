import type { DesktopPorts } from '../../main/core/ipc/handlers.ts';

/** What the test plays for the desktop: the dialogs' answers, a clipboard, the browser. */
/** Native dialogs, the system clipboard and the browser cannot run in a test: these stand in. */
export class TestDesktop implements DesktopPorts {
  nextKeyFile: string | null = null;
  nextSavePath: string | null = null;
  nextBackupFile: string | null = null;
  clipboardText = '';
  readonly opened: string[] = [];
  readonly clipboard = {
    readText: (): Promise<string> => Promise.resolve(this.clipboardText),
    writeText: (text: string): Promise<void> => {
      this.clipboardText = text;
      return Promise.resolve();
    },
  };
  chooseKeyFile(): Promise<string | null> {
    return Promise.resolve(this.nextKeyFile);
  }
  chooseBackupFile(): Promise<string | null> {
    return Promise.resolve(this.nextBackupFile);
  }
  chooseSavePath(): Promise<string | null> {
    return Promise.resolve(this.nextSavePath);
  }
  openExternal(url: string): Promise<void> {
    this.opened.push(url);
    return Promise.resolve();
  }
}
