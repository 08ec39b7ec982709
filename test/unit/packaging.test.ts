import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';

const require = createRequire(import.meta.url);
const afterPack = require('../../scripts/afterPack.cjs') as ((
  context: unknown,
) => Promise<void>) & {
  binaryPath(context: unknown): string;
};

/**
 * A stand-in for the Electron binary: the fuse wire exactly as Electron embeds it (the sentinel,
 * version 1, the wire length, one byte per fuse) between random bytes. No Electron binary can be
 * downloaded here; the real @electron/fuses does the flipping.
 */
function fakeElectron(dir: string, name: string): string {
  const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
  const wire = Buffer.from([1, 9, 49, 48, 49, 49, 48, 48, 49, 48, 49]);
  const path = join(dir, name);
  writeFileSync(
    path,
    Buffer.concat([randomBytes(4096), Buffer.from(SENTINEL), wire, randomBytes(4096)]),
  );
  return path;
}

describe('packaging', () => {
  it('flips the fuses in afterPack (SECURITY.md §23)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'keycast-pack-'));
    const context = {
      appOutDir: out,
      electronPlatformName: 'linux',
      arch: 1,
      packager: { appInfo: { productFilename: 'Keycast' }, executableName: 'keycast' },
    };
    const binary = fakeElectron(out, 'keycast');
    expect(afterPack.binaryPath(context)).toBe(binary);
    const before = await getCurrentFuseWire(binary);
    expect(before[FuseV1Options.RunAsNode]).toBe(FuseState.ENABLE);

    await afterPack(context);
    const fuses = await getCurrentFuseWire(binary);
    expect(fuses[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
    expect(fuses[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
    expect(fuses[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
    expect(fuses[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE);
    expect(fuses[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
  });

  it('names the binary per platform', () => {
    const base = {
      appOutDir: '/o',
      arch: 1,
      packager: { appInfo: { productFilename: 'Keycast' }, executableName: 'keycast' },
    };
    expect(afterPack.binaryPath({ ...base, electronPlatformName: 'win32' })).toBe('/o/Keycast.exe');
    expect(afterPack.binaryPath({ ...base, electronPlatformName: 'darwin' })).toBe(
      '/o/Keycast.app',
    );
  });

  it('configures every installer the issue names and the hook', () => {
    const yml = readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8');
    for (const line of [
      'appId: io.keycast.app',
      'productName: Keycast',
      'afterPack: scripts/afterPack.cjs',
      'target: [AppImage, deb]',
      'target: dmg',
      'target: nsis',
      'icon: assets/icon.png',
    ])
      expect(yml).toContain(line);
  });

  it('electronegativity fails a window without context isolation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keycast-unsafe-'));
    mkdirSync(join(dir, 'unsafe'));
    writeFileSync(
      join(dir, 'unsafe', 'main.js'),
      "const { BrowserWindow } = require('electron');\nnew BrowserWindow({ webPreferences: { contextIsolation: false, nodeIntegration: true } });\n",
    );
    const result = spawnSync(
      process.execPath,
      [join(ROOT, 'scripts/electronegativity.js'), join(dir, 'unsafe')],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(result.stdout).toMatch(/HIGH\s+\S+\s+CONTEXT_ISOLATION_JS_CHECK/);
    expect(result.status).toBe(1);
  });
});
