import { contextBridge, ipcRenderer, webUtils } from 'electron';
import {
  ACTIONS,
  PROGRESS_CHANNEL,
  ProgressSchema,
  channelOf,
  type Progress,
} from '../shared/ipc.ts';

/**
 * `window.keycast`: one named function per action of the contract, plus the progress listener
 * and the path of a dropped file. `ipcRenderer` itself never reaches the page.
 */
const api: Record<string, unknown> = {};
for (const action of ACTIONS) {
  api[action] = (request: unknown) => ipcRenderer.invoke(channelOf(action), request);
}
api.onProgress = (listener: (progress: Progress) => void): (() => void) => {
  const forward = (_event: unknown, payload: unknown): void => {
    const parsed = ProgressSchema.safeParse(payload);
    if (parsed.success) listener(parsed.data);
  };
  ipcRenderer.on(PROGRESS_CHANNEL, forward);
  return () => ipcRenderer.removeListener(PROGRESS_CHANNEL, forward);
};
api.pathForFile = (file: File): string => webUtils.getPathForFile(file);

contextBridge.exposeInMainWorld('keycast', api);
