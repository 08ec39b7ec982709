import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeychainUnavailableError } from '../../main/core/errors.ts';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { collectStatus } from '../../main/core/lifecycle/status.ts';
import { insertRotation, type RotationRow } from '../../main/core/lifecycle/rotationStore.ts';
import { fromRotations, type RotationView } from '../../main/core/lifecycle/statusSources.ts';
import type { SecretStore } from '../../main/core/vault/secretStore.ts';
import { Vault } from '../../main/core/vault/vault.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2031-03-01T00:00:00.000Z');
const inDays = (days: number) => new Date(NOW + days * DAY).toISOString();

class MemorySecrets implements SecretStore {
  readonly items = new Map<string, Uint8Array>();
  down = false;
  read(account: string) {
    if (this.down) return Promise.reject(new KeychainUnavailableError('The keychain is locked.'));
    return Promise.resolve(this.items.get(account) ?? null);
  }
  write(account: string, secret: Uint8Array) {
    this.items.set(account, new Uint8Array(secret));
    return Promise.resolve();
  }
  remove(account: string) {
    return Promise.resolve(this.items.delete(account));
  }
}

describe('collectStatus', () => {
  let dir: string;
  let secrets: MemorySecrets;
  let vault: Vault;
  const none: RotationView = { retiring: [], waiting: [] };
  const report = (rotations: RotationView = none) =>
    collectStatus(vault, { now: new Date(NOW), rotations: () => rotations });
  const add = async (name: string, expiresAt: string | null) =>
    vault.add(await generateKeyMaterial('ES256'), { name, expiresAt });
  const setStatus = (id: string, status: string) =>
    vault.database.transaction(() =>
      vault.database.db.prepare('UPDATE keys SET status = ? WHERE id = ?').run(status, id),
    );

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keycast-status-'));
    secrets = new MemorySecrets();
    vault = new Vault({ dataDir: dir, secrets });
  });
  afterEach(async () => {
    await vault.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports expiries up to exactly 30 days ahead, expired keys first, and nothing for retired ones', async () => {
    await add('forever', null);
    await add('edge', inDays(30));
    await add('beyond', new Date(NOW + 30 * DAY + 1000).toISOString());
    const gone = await add('gone', inDays(-3));
    const retired = await add('old', inDays(-10));
    setStatus(retired.id, 'retired');
    const { due, items, windowDays, generatedAt } = await report();
    expect({ due, windowDays, generatedAt }).toEqual({
      due: true,
      windowDays: 30,
      generatedAt: new Date(NOW).toISOString(),
    });
    expect(items.map((i) => [i.kind, i.key?.name, i.at])).toEqual([
      ['key-expired', 'gone', inDays(-3)],
      ['key-expiring', 'edge', inDays(30)],
    ]);
    expect(items[0]!.message).toBe(
      `Key "gone" expired 3d ago and signs nothing: replace it (keycast keys rotate gone) and delete it once nothing refers to it.`,
    );
    expect(items[0]!.id).toBe(`key:${gone.id}`);
  });

  it('reports an upload expiring before its key, not one the key’s own item covers', async () => {
    const early = await add('early', inDays(20));
    const plain = await add('plain', null);
    const upload = (keyId: string, remoteId: string, expiresAt: string) =>
      vault.recordUpload(keyId, {
        provider: 'kinescope',
        remoteId,
        uploadedAt: inDays(-300),
        expiresAt,
      });
    upload(early.id, 'same', inDays(20)); // the default: the key's own expiry
    upload(plain.id, 'soon', inDays(5));
    upload(plain.id, 'lapsed', inDays(-1));
    upload(plain.id, 'far', inDays(90));
    const { items } = await report();
    expect(items.map((i) => [i.kind, i.id])).toEqual([
      ['upload-expired', `upload:${plain.id}:kinescope:lapsed`],
      ['upload-expiring', `upload:${plain.id}:kinescope:soon`],
      ['key-expiring', `key:${early.id}`],
    ]);
    expect(items[0]!.message).toMatch(/so kinescope refuses its tokens/);
  });

  it('reports retiring keys from the rotations, and confirmations waited for', async () => {
    const a = await add('chat', inDays(3));
    const b = await add('ams', null);
    const c = await add('vonage app', null);
    // chat's own expiry (3 days) is not reported: a retiring key signs nothing.
    const { items } = await report({
      retiring: [
        { keyId: a.id, overlapEndsAt: inDays(2) },
        { keyId: b.id, overlapEndsAt: inDays(-1) },
        { keyId: c.id, overlapEndsAt: inDays(45) },
      ],
      waiting: [
        {
          keyId: c.id,
          since: inDays(-1),
          what: 'put the new key into vonage, then confirm the paste',
        },
      ],
    });
    expect(items.map((i) => [i.kind, i.key?.name, i.at])).toEqual([
      ['retiring', 'ams', inDays(-1)],
      ['rotation-waiting', 'vonage app', inDays(-1)],
      ['retiring', 'chat', inDays(2)],
    ]);
    expect(items.map((i) => i.message)).toEqual([
      'Key "ams" was due to retire 1d ago: run keycast maintain to unpublish and retire it.',
      'The rotation of "vonage app" waits for you: put the new key into vonage, then confirm the paste.',
      'Key "chat" is retiring and its overlap ends in 2d: keycast maintain retires it then (run it from cron or keep the app open).',
    ]);
  });

  it('reads retiring keys and waiting confirmations from the rotations table', async () => {
    const chat = await add('chat', null);
    const chat2 = await add('chat-2', null);
    const ams = await add('ams', null);
    const ams2 = await add('ams-2', null);
    const done = await add('done', null);
    const done2 = await add('done-2', null);
    const row = (over: Partial<RotationRow>): RotationRow => ({
      id: 'r',
      name: 'chat',
      predecessorId: chat.id,
      successorId: chat2.id,
      mode: 'overlap',
      platforms: ['kinescope'],
      params: {},
      overlapSeconds: 3 * 86_400,
      createdAt: inDays(-2),
      switchAt: inDays(-2),
      switchedAt: null,
      retireAfter: null,
      completedAt: null,
      lastError: null,
      updatedAt: inDays(-1),
      ...over,
    });
    vault.database.transaction(() => {
      const db = vault.database.db;
      insertRotation(db, row({ id: 'r1', switchedAt: inDays(-2), retireAfter: inDays(1) }));
      insertRotation(
        db,
        row({
          id: 'r2',
          name: 'ams',
          predecessorId: ams.id,
          successorId: ams2.id,
          mode: 'confirm',
          platforms: ['antmedia'],
        }),
      );
      insertRotation(
        db,
        row({
          id: 'r3',
          name: 'done',
          predecessorId: done.id,
          successorId: done2.id,
          switchedAt: inDays(-9),
          retireAfter: inDays(-6),
          completedAt: inDays(-6),
        }),
      );
    });
    expect(fromRotations(vault)).toEqual({
      retiring: [{ keyId: chat.id, overlapEndsAt: inDays(1) }],
      waiting: [
        {
          keyId: ams.id,
          since: inDays(-2),
          what: `put the new key into Ant Media Server, then confirm the paste in the app's Rotate wizard or with keycast keys rotate "ams" --confirm-pasted`,
        },
      ],
    });
    const items = (await collectStatus(vault, { now: new Date(NOW), rotations: fromRotations }))
      .items;
    expect(items.map((i) => [i.kind, i.key?.name])).toEqual([
      ['rotation-waiting', 'ams'],
      ['retiring', 'chat'],
    ]);
  });

  it('reports missing keychain items of live keys, or the keychain itself when it is down', async () => {
    const lost = await add('lost', null);
    const retired = await add('old', null);
    setStatus(retired.id, 'retired');
    secrets.items.clear();
    expect((await report()).items.map((i) => [i.kind, i.id, i.at])).toEqual([
      ['secret-missing', `secret:${lost.id}`, null],
    ]);
    secrets.down = true;
    expect((await report()).items).toEqual([
      {
        id: 'keychain',
        kind: 'keychain-unavailable',
        key: null,
        at: null,
        message: 'The keychain is locked.',
      },
    ]);
  });

  it('says nothing is due for a sound vault', async () => {
    await add('forever', null);
    await add('later', inDays(31));
    expect(await report()).toEqual({
      generatedAt: new Date(NOW).toISOString(),
      windowDays: 30,
      due: false,
      items: [],
    });
  });
});
