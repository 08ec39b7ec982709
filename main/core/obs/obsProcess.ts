import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdir, readFile } from 'node:fs/promises';

/** Process names OBS Studio runs under: Linux and macOS builds, and Windows' 64-bit one. */
const OBS_NAMES = new Set(['obs', 'obs64.exe', 'obs32.exe', 'OBS']);

/**
 * Whether an OBS Studio process runs on this machine, to tell "OBS is not running" from "its
 * WebSocket server is off" when nothing answers on the port. Null when this cannot be told.
 */
export async function obsProcessRunning(): Promise<boolean | null> {
  try {
    if (process.platform === 'linux') return await linuxHasObs();
    if (process.platform === 'win32') {
      const out = await run('tasklist', ['/FO', 'CSV', '/NH']);
      return out
        .split(/\r?\n/)
        .some((line) => OBS_NAMES.has(line.split('","')[0]!.replace(/^"/, '')));
    }
    const out = await run('ps', ['-A', '-o', 'comm=']);
    return out.split('\n').some((line) => OBS_NAMES.has(line.trim().split('/').pop() ?? ''));
  } catch {
    return null;
  }
}

async function linuxHasObs(): Promise<boolean> {
  const entries = await readdir('/proc');
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    if (OBS_NAMES.has(comm.trim())) return true;
  }
  return false;
}

async function run(command: string, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(command, args, {
    timeout: 3_000,
    windowsHide: true,
  });
  return stdout;
}
