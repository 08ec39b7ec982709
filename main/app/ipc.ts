import { ipcMain, type BrowserWindow } from 'electron';
import { ACTIONS, PROGRESS_CHANNEL, channelOf, type Progress } from '../../shared/ipc.ts';
import type { Dispatch } from '../core/ipc/dispatch.ts';
import { isTrustedSender } from './security.ts';

/**
 * One handler per action of the contract. The sender must be the app's own window and its top
 * frame on app://keycast; the payload is validated by the dispatcher.
 */
export function registerIpc(dispatch: Dispatch, window: () => BrowserWindow | null): void {
  for (const action of ACTIONS) {
    ipcMain.handle(channelOf(action), async (event, payload: unknown) => {
      const own = window();
      if (!own || event.sender !== own.webContents || !isTrustedSender(event.senderFrame)) {
        return { ok: false, error: { kind: 'input', message: 'Refused: not the Keycast window.' } };
      }
      return dispatch(action, payload);
    });
  }
}

export function sendProgress(window: BrowserWindow | null, progress: Progress): void {
  if (window && !window.isDestroyed()) window.webContents.send(PROGRESS_CHANNEL, progress);
}
