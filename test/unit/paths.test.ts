import { describe, expect, it } from 'vitest';
import { defaultDataDir, resolveDataDir } from '../../main/core/vault/paths.ts';

describe('data folder', () => {
  it("matches Electron's userData for the app name Keycast on each OS", () => {
    expect(defaultDataDir({}, 'linux', '/home/ann')).toBe('/home/ann/.config/Keycast');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/cfg' }, 'linux', '/home/ann')).toBe('/cfg/Keycast');
    expect(defaultDataDir({}, 'darwin', '/Users/ann')).toBe(
      '/Users/ann/Library/Application Support/Keycast',
    );
    expect(
      defaultDataDir({ APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ann'),
    ).toMatch(/AppData[\\/]Roaming[\\/]Keycast$/);
  });
  it('lets --home win over KEYCAST_HOME, and KEYCAST_HOME over the default', () => {
    expect(resolveDataDir('/explicit', { KEYCAST_HOME: '/env' })).toBe('/explicit');
    expect(resolveDataDir(undefined, { KEYCAST_HOME: '/env' })).toBe('/env');
    expect(resolveDataDir(undefined, { XDG_CONFIG_HOME: '/cfg' })).toMatch(/Keycast$/);
  });
});
