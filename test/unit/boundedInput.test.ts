import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../main/core/errors.ts';
import {
  MAX_INPUT_BYTES,
  formatBytes,
  readRegularFile,
  readStreamCapped,
} from '../../main/core/input.ts';
import { createAppCore, type DesktopPorts } from '../../main/core/ipc/handlers.ts';
import type { SettingsStore } from '../../main/core/ipc/settingsStore.ts';
import type { Vault } from '../../main/core/vault/vault.ts';

const posix = process.platform !== 'win32';
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keycast-input-'));
});

function refusal(read: () => unknown): InputError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected a refusal');
}

describe('readRegularFile', () => {
  it('reads a regular file as UTF-8', () => {
    const path = join(dir, 'key.pem');
    writeFileSync(path, 'héllo\n');
    expect(readRegularFile(path, 'key')).toBe('héllo\n');
  });

  it('reads a file of exactly the limit', () => {
    const path = join(dir, 'exact');
    writeFileSync(path, Buffer.alloc(1000, 0x61));
    expect(readRegularFile(path, 'key', 1000)).toHaveLength(1000);
  });

  it('refuses a file over the limit, naming its size and the limit', () => {
    const path = join(dir, 'big');
    writeFileSync(path, Buffer.alloc(2 * MAX_INPUT_BYTES));
    expect(refusal(() => readRegularFile(path, 'key')).message).toBe(
      `Cannot read the key from ${path}: it is 2 MiB; Keycast reads at most 1 MiB from one file.`,
    );
  });

  it.runIf(posix)('refuses a symbolic link to /dev/zero without reading it', () => {
    const path = join(dir, 'zero');
    symlinkSync('/dev/zero', path);
    expect(refusal(() => readRegularFile(path, 'key')).message).toMatch(
      /it is a device, not a regular file/,
    );
  });

  it.runIf(posix)('refuses a FIFO at once, even with nobody writing to it', () => {
    const path = join(dir, 'fifo');
    execFileSync('mkfifo', [path]);
    const started = Date.now();
    expect(refusal(() => readRegularFile(path, 'claims JSON')).message).toMatch(
      /it is a named pipe \(FIFO\), not a regular file; give a file, or "-" for standard input\.$/,
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses a folder and a missing file with a reason', () => {
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    expect(refusal(() => readRegularFile(folder, 'template')).message).toMatch(/it is a folder/);
    expect(refusal(() => readRegularFile(join(dir, 'nope'), 'JWKS')).message).toBe(
      `Cannot read the JWKS from ${join(dir, 'nope')}: it does not exist.`,
    );
  });

  it.runIf(posix && process.getuid?.() !== 0)('says permission denied', () => {
    const path = join(dir, 'locked');
    writeFileSync(path, 'x');
    chmodSync(path, 0o000);
    expect(refusal(() => readRegularFile(path, 'key')).message).toMatch(/permission denied\.$/);
  });

  it.runIf(process.platform === 'linux')(
    'caps what it reads even when the size it was told is wrong (a file that grows)',
    () => {
      // procfs files report size 0 and then deliver more: the same as a file growing mid-read.
      expect(refusal(() => readRegularFile('/proc/self/maps', 'key', 16)).message).toMatch(
        /it grew past 16 bytes while being read; Keycast reads at most 16 bytes from one file\.$/,
      );
    },
  );
});

describe('readStreamCapped', () => {
  it('joins a stream under the limit', async () => {
    expect(await readStreamCapped(Readable.from([Buffer.from('ab'), Buffer.from('c')]), 'x')).toBe(
      'abc',
    );
  });

  it('stops an endless stream at the limit and closes it', async () => {
    let produced = 0;
    let closed = false;
    function* endless(): Generator<Buffer> {
      try {
        for (;;) {
          produced += 64 * 1024;
          yield Buffer.alloc(64 * 1024, 0x7b);
        }
      } finally {
        closed = true;
      }
    }
    await expect(readStreamCapped(Readable.from(endless()), 'claims JSON')).rejects.toThrow(
      'Cannot read the claims JSON from standard input: it is longer than 1 MiB; Keycast reads at most 1 MiB from standard input.',
    );
    expect(produced).toBeLessThan(3 * MAX_INPUT_BYTES); // stopped, give or take read-ahead
    expect(closed).toBe(true);
  });
});

describe('formatBytes', () => {
  it('uses binary units with one decimal when needed', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(64 * 1024)).toBe('64 KiB');
    expect(formatBytes(5.2 * 1024 * 1024)).toBe('5.2 MiB');
  });
});

describe("the app's key file import", () => {
  it.runIf(posix)('refuses a FIFO and a device through the same bounded reader', async () => {
    const core = createAppCore({
      // None of these is reached: the file is refused before anything else happens.
      vault: {} as Vault,
      settings: {} as SettingsStore,
      ports: {} as DesktopPorts,
      version: 'test',
      progress: () => undefined,
    });
    const fifo = join(dir, 'app-fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(core.handlers.importKeyFile({ path: fifo })).rejects.toThrow(
      /Cannot read the key file from .*app-fifo: it is a named pipe \(FIFO\)/,
    );
    const zero = join(dir, 'app-zero');
    symlinkSync('/dev/zero', zero);
    await expect(core.handlers.importKeyFile({ path: zero })).rejects.toThrow(/it is a device/);
  });
});
