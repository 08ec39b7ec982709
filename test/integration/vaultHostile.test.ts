import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, createDispatch } from '../../main/core/ipc/dispatch.ts';
import { createAppCore } from '../../main/core/ipc/handlers.ts';
import { SettingsStore } from '../../main/core/ipc/settingsStore.ts';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { saveTemplate, storedTemplates } from '../../main/core/providers/custom.ts';
import { providerById } from '../../main/core/providers/index.ts';
import { mintForProvider } from '../../main/core/providers/mint.ts';
import { mintToken } from '../../main/core/tokens/mint.ts';
import { OsKeychain } from '../../main/core/vault/secretStore.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { runCli, tempHome } from '../helpers/cli.ts';
import { matching } from '../helpers/match.ts';
import { TestDesktop } from '../helpers/desktop.ts';

const keychain = new OsKeychain();

function dispatchFor(vault: Vault) {
  return createDispatch(
    createAppCore({
      vault,
      settings: new SettingsStore(vault.settings),
      ports: new TestDesktop(),
      version: 'test',
      progress: () => undefined,
    }).handlers,
  );
}

const template = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  alg: 'HS256',
  claims: { sub: '{user}' },
  ttl: { default: 60, max: 600 },
  ...extra,
});

describe('templates against hostile input', () => {
  it('fills placeholders from own values only: {constructor} and {toString} are never Object.prototype', async () => {
    const vault = new Vault({ dataDir: tempHome() });
    const key = await vault.add(await generateKeyMaterial('HS256'), { name: 'k' });
    saveTemplate(vault, template('proto', { claims: { a: '{constructor}', b: '{toString}' } }));
    const custom = providerById('custom', vault);
    await expect(
      mintForProvider(custom, vault, { kind: 'proto', key: 'k', params: {} }),
    ).rejects.toThrow(/needs --set constructor=…, --set toString=…/);
    const minted = await mintForProvider(custom, vault, {
      kind: 'proto',
      key: 'k',
      params: { set: ['constructor=x', 'toString=y'] },
    });
    expect(minted.claims).toMatchObject({ a: 'x', b: 'y' });
    expect(JSON.stringify(minted.claims)).not.toContain('native code');
    await vault.remove(key.id);
  });

  it('caps template lifetimes when the template is saved', () => {
    const vault = new Vault({ dataDir: tempHome() });
    expect(() =>
      saveTemplate(vault, template('forever', { ttl: { default: 60, max: 1e15 } })),
    ).toThrow(/ttl\.max must be at most 315360000 seconds \(10 years\)/);
    expect(vault.templateTable.all()).toEqual([]);
  });

  it('lists a broken stored template with its reason and keeps the others, the CLI and the app working', async () => {
    const home = tempHome();
    const vault = new Vault({ dataDir: home });
    saveTemplate(vault, template('good'));
    // As an older or damaged store could hold it: saved without validation.
    vault.templateTable.save('bad', {
      name: 'bad',
      alg: 'RS1',
      claims: {},
      ttl: { default: 1, max: 1 },
    });
    expect(storedTemplates(vault)).toMatchObject({
      templates: [{ name: 'good' }],
      broken: [{ name: 'bad', reason: matching(/^The template is not valid: alg/) }],
    });
    const providers = await call(dispatchFor(vault), 'listProviders', {});
    const custom = providers.providers.find((p) => p.id === 'custom')!;
    expect(custom.kinds.map((k) => k.id)).toEqual(['good']);

    const listed = await runCli(['templates', 'list'], { home });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/good\s+HS256/);
    expect(listed.stdout).toMatch(/bad\s+BROKEN/);
    expect(listed.stderr).toMatch(/Template "bad" cannot be used/);
    const key = await vault.add(await generateKeyMaterial('HS256'), { name: 'k' });
    const minted = await runCli(['mint', 'custom', 'good', '--key', 'k', '--set', 'user=u1'], {
      home,
    });
    expect(minted.code, minted.stderr).toBe(0);
    await vault.remove(key.id);
  });

  it('saves 8 templates from parallel processes without losing one', async () => {
    const home = tempHome();
    const files = Array.from({ length: 8 }, (_, i) => {
      const path = join(home, `t${i}.json`);
      writeFileSync(path, JSON.stringify(template(`t${i}`)));
      return path;
    });
    const results = await Promise.all(files.map((f) => runCli(['templates', 'add', f], { home })));
    expect(results.map((r) => r.code)).toEqual(Array(8).fill(0));
    const vault = new Vault({ dataDir: home });
    expect(vault.templateTable.all()).toHaveLength(8);
  });
});

describe('names printed on the terminal', () => {
  it('escapes a bidi override in a key name in every line the CLI writes about it', async () => {
    const home = tempHome();
    const name = 'cam\u202egnp.exe';
    const made = await runCli(['keys', 'generate', '--alg', 'HS256', '--name', name], { home });
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain('cam\\u202egnp.exe');
    const deleted = await runCli(['keys', 'delete', name, '--yes'], { home });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stderr).toContain('Deleted key "cam\\u202egnp.exe"');
    expect(deleted.stderr).not.toContain('\u202e');
  });
});

describe('a missing keychain item in the app', () => {
  it('shows "secret missing" in the key list and still verifies tokens with the other keys', async () => {
    const vault = new Vault({ dataDir: tempHome() });
    const dispatch = dispatchFor(vault);
    const gone = await vault.add(await generateKeyMaterial('HS256'), { name: 'gone' });
    const hmac = await vault.add(await generateKeyMaterial('HS256'), { name: 'hmac' });
    const ec = await vault.add(await generateKeyMaterial('ES256'), { name: 'ec' });
    await keychain.remove(vault.accountOf(gone));
    const keys = (await call(dispatch, 'listKeys', {})).keys;
    expect(Object.fromEntries(keys.map((k) => [k.name, k.status]))).toEqual({
      gone: 'secret missing',
      hmac: 'active',
      ec: 'active',
    });
    for (const name of ['hmac', 'ec']) {
      const { token } = await mintToken(await vault.signer(vault.find(name)), { ttlSeconds: 60 });
      const result = await call(dispatch, 'inspectToken', { token, verifyWith: 'vault' });
      expect(result, name).toMatchObject({ valid: true, verified: true });
    }
    await vault.remove(hmac.id);
    await vault.remove(ec.id);
    await vault.remove(gone.id);
  });

  it('builds the key list from one wiped read per key, never from the keychain listing (which hands back every secret)', async () => {
    const spy = {
      read: (a: string) => keychain.read(a),
      write: (a: string, s: Uint8Array) => keychain.write(a, s),
      remove: (a: string) => keychain.remove(a),
      accounts: (): Promise<string[]> => Promise.reject(new Error('the listing must not be used')),
    };
    const vault = new Vault({ dataDir: tempHome(), secrets: spy });
    const record = await vault.add(await generateKeyMaterial('ES256'), { name: 'one' });
    const keys = (await call(dispatchFor(vault), 'listKeys', {})).keys;
    expect(keys).toMatchObject([{ name: 'one', status: 'active' }]);
    await vault.remove(record.id);
  });

  it('checks presence without keeping the secret: health() wipes what it read', async () => {
    const reads: Uint8Array[] = [];
    const spy = {
      read: async (a: string) => {
        const secret = await keychain.read(a);
        if (secret) reads.push(secret);
        return secret;
      },
      write: (a: string, s: Uint8Array) => keychain.write(a, s),
      remove: (a: string) => keychain.remove(a),
    };
    const vault = new Vault({ dataDir: tempHome(), secrets: spy });
    const record = await vault.add(await generateKeyMaterial('HS512'), { name: 'w' });
    expect(await vault.health(record)).toBe('active');
    expect(reads).toHaveLength(1);
    expect(reads[0]!.every((byte) => byte === 0)).toBe(true);
    await vault.remove(record.id);
  });
});
