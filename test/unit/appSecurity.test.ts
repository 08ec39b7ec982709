import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appFileHeaders, resolveAppFile } from '../../main/app/appFiles.ts';
import {
  APP_ENTRY,
  CONTENT_SECURITY_POLICY,
  isAppUrl,
  isTrustedSender,
} from '../../main/app/security.ts';
import { DEFAULT_BOUNDS, restoreBounds } from '../../main/app/windowState.ts';
import { isAllowedExternal } from '../../main/core/ipc/externalUrls.ts';

describe('the content security policy (SECURITY.md §20)', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values.join(' ')];
    }),
  );
  it('has at least the required directives', () => {
    expect(directives.get('default-src')).toBe("'none'");
    expect(directives.get('script-src')).toBe("'self'");
    expect(directives.get('style-src')).toBe("'self'");
    expect(directives.get('img-src')).toBe("'self' data:");
    expect(directives.get('connect-src')).toBe("'none'");
  });
  it('allows no inline script, eval or remote origin anywhere', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
  });
  it('is sent with every file of the UI', () => {
    expect(appFileHeaders({ path: '/x.js', mime: 'text/javascript' })).toMatchObject({
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
    });
  });
});

describe('navigation and senders (SECURITY.md §21, §22)', () => {
  it('accepts only the app origin', () => {
    expect(isAppUrl(APP_ENTRY)).toBe(true);
    for (const url of [
      'https://keycast',
      'app://evil/index.html',
      'file:///etc/passwd',
      'app://keycast.evil/x',
      'javascript:alert(1)',
      'not a url',
    ])
      expect(isAppUrl(url), url).toBe(false);
  });
  it('trusts only the top frame of the app', () => {
    expect(isTrustedSender({ url: APP_ENTRY, parent: null })).toBe(true);
    expect(isTrustedSender({ url: APP_ENTRY, parent: {} })).toBe(false);
    expect(isTrustedSender({ url: 'https://kinescope.io/', parent: null })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
  });
  it('opens only https links on the providers’ own sites', () => {
    expect(isAllowedExternal('https://kinescope.io/chat/e1?token=x')).toBe(true);
    expect(isAllowedExternal('https://acme.frameable.com/events/launch')).toBe(true);
    for (const url of [
      'http://kinescope.io/chat',
      'https://kinescope.io.evil.com/',
      'https://evilkinescope.io/',
      'https://user:pw@kinescope.io/',
      'https://kinescope.io:8443/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'https://example.com/',
    ])
      expect(isAllowedExternal(url), url).toBe(false);
  });
});

describe('serving the built UI from app://keycast', () => {
  const root = mkdtempSync(join(tmpdir(), 'keycast-ui-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html>');
  writeFileSync(join(root, 'assets', 'app.js'), '');
  writeFileSync(join(root, 'secret.key'), 'outside the allowed types');
  const outside = mkdtempSync(join(tmpdir(), 'keycast-outside-'));
  writeFileSync(join(outside, 'x.js'), '');

  it('maps paths inside the folder to files with their type', () => {
    expect(resolveAppFile(root, 'app://keycast/')?.path).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://keycast/assets/app.js')).toEqual({
      path: join(root, 'assets', 'app.js'),
      mime: 'text/javascript; charset=utf-8',
    });
  });
  it('refuses traversal, other hosts, unknown types and missing files', () => {
    const rel = `../${outside.split('/').pop()}/x.js`;
    for (const url of [
      `app://keycast/${rel}`,
      `app://keycast/${encodeURIComponent(rel)}`,
      'app://keycast/%2e%2e/%2e%2e/etc/passwd',
      'app://keycast/..%2f..%2fetc%2fpasswd',
      'app://other/index.html',
      'app://keycast/secret.key',
      'app://keycast/missing.js',
      'app://keycast/assets',
      'app://keycast/%E0%A4%A',
      'app://keycast/index.html%00.js',
    ])
      expect(resolveAppFile(root, url), url).toBeNull();
  });
});

describe('window placement', () => {
  const screen = { x: 0, y: 0, width: 1920, height: 1080 };
  it('restores a saved placement that is still on a screen', () => {
    const saved = { x: 100, y: 50, width: 1000, height: 700, maximized: true };
    expect(restoreBounds(saved, [screen])).toEqual(saved);
  });
  it('drops a position on a screen that is gone, keeping the size', () => {
    expect(
      restoreBounds({ x: 3000, y: 50, width: 1000, height: 700, maximized: false }, [screen]),
    ).toEqual({ width: 1000, height: 700, maximized: false });
  });
  it('never restores a window smaller than usable, and defaults without a saved one', () => {
    expect(restoreBounds({ width: 10, height: 10, maximized: false }, [screen])).toMatchObject({
      width: 800,
      height: 560,
    });
    expect(restoreBounds(undefined, [screen])).toBe(DEFAULT_BOUNDS);
  });
});
