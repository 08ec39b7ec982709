import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { readLedger } from '../../main/core/lifecycle/reminders.ts';
import type { SecretStore } from '../../main/core/vault/secretStore.ts';
import { Vault } from '../../main/core/vault/vault.ts';

/** Electron's Notification as the glue uses it: what was shown, and a click to fire. */
const electron = vi.hoisted(() => {
  const shown: { title: string; body: string; click: () => void }[] = [];
  let supported = true;
  class Notification {
    private readonly options: { title: string; body: string };
    private readonly handlers = new Map<string, () => void>();
    static isSupported(): boolean {
      return supported;
    }
    constructor(options: { title: string; body: string }) {
      this.options = options;
    }
    on(event: string, handler: () => void): this {
      this.handlers.set(event, handler);
      return this;
    }
    show(): void {
      shown.push({ ...this.options, click: () => this.handlers.get('click')?.() });
    }
  }
  return {
    shown,
    Notification,
    setSupported: (value: boolean) => {
      supported = value;
    },
  };
});
vi.mock('electron', () => ({ Notification: electron.Notification }));

const { startReminders } = await import('../../main/app/reminders.ts');

class MemorySecrets implements SecretStore {
  readonly items = new Map<string, Uint8Array>();
  read(account: string) {
    return Promise.resolve(this.items.get(account) ?? null);
  }
  write(account: string, secret: Uint8Array) {
    this.items.set(account, secret);
    return Promise.resolve();
  }
  remove(account: string) {
    return Promise.resolve(this.items.delete(account));
  }
}

describe('the app’s reminder glue (Electron Notification mocked)', () => {
  let dir: string;
  let vault: Vault;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keycast-app-reminders-'));
    vault = new Vault({ dataDir: dir, secrets: new MemorySecrets() });
    const inHalfADay = new Date(Date.now() + 12 * 3600_000).toISOString();
    await vault.add(await generateKeyMaterial('ES256'), { name: 'chat', expiresAt: inHalfADay });
    electron.shown.length = 0;
  });
  afterEach(async () => {
    electron.setSupported(true);
    await vault.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows what the core hands it as a notification, once, and a click brings the window forward', async () => {
    const showWindow = vi.fn();
    const runner = startReminders(vault, showWindow);
    expect(runner?.running).toBe(true);
    await vi.waitFor(() => expect(electron.shown).toHaveLength(1));
    expect(electron.shown[0]).toMatchObject({
      title: expect.stringMatching(/^Key "chat" expires in 1[12]h/) as string,
      body: expect.stringMatching(/^Key "chat" expires in /) as string,
    });
    electron.shown[0]!.click();
    expect(showWindow).toHaveBeenCalledOnce();
    runner!.stop();
    // A restart of the app shows nothing again.
    const again = startReminders(vault, showWindow);
    await new Promise((resolve) => setTimeout(resolve, 20));
    again!.stop();
    expect(electron.shown).toHaveLength(1);
  });

  it('starts nothing and marks nothing sent where the system cannot show notifications', () => {
    electron.setSupported(false);
    expect(startReminders(vault, () => undefined)).toBeNull();
    expect(readLedger(vault)).toEqual({});
  });
});
