import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityRecord } from '../../shared/activity.ts';
import { call, createDispatch } from '../../main/core/ipc/dispatch.ts';
import { createAppCore } from '../../main/core/ipc/handlers.ts';
import { SettingsStore } from '../../main/core/ipc/settingsStore.ts';
import { LinkService } from '../../main/core/links/service.ts';
import { SqliteLinkStore } from '../../main/core/links/sqliteLinks.ts';
import { withObs } from '../../main/core/obs/connection.ts';
import { mintForObs } from '../../main/core/obs/mintForObs.ts';
import { pushService } from '../../main/core/obs/push.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { runCli, tempHome, type CliResult } from '../helpers/cli.ts';
import { KinescopeContract } from '../helpers/contractServers.ts';
import { TestDesktop } from '../helpers/desktop.ts';
import { startFakeObs } from '../helpers/fakeObs.ts';

const API_TOKEN = '0b6f1f7e-2a64-4f0e-9d37-5b1c2d3e4f50';
const EVENT_URL = 'https://acme.frameable.com/events/launch';
const PASSPHRASE = 'a long backup passphrase for the activity test';
const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;

async function cli(home: string, args: string[], input?: string): Promise<CliResult> {
  const result = await runCli(args, { home, input });
  expect(result, `keycast ${args.join(' ')}`).toMatchObject({ code: 0 });
  return result;
}

async function activity(home: string, ...args: string[]): Promise<ActivityRecord[]> {
  const records = JSON.parse(
    (await cli(home, ['activity', '--json', '--limit', '1000', ...args])).stdout,
  ) as ActivityRecord[];
  return records.reverse();
}

/** Every file under a folder, at any depth. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Every row of every table of a database file, as text. */
function everyTable(path: string): Record<string, string> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
      name: string;
    }[];
    return Object.fromEntries(
      tables.map(({ name }) => [name, JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all())]),
    );
  } finally {
    db.close();
  }
}

describe('the activity log records every action, from the CLI, the app and a server', () => {
  let home: string;
  let kinescope: KinescopeContract;
  const tokens: string[] = [];
  let records: ActivityRecord[];
  let restoredHome: string;

  beforeAll(async () => {
    home = tempHome();
    kinescope = await new KinescopeContract(API_TOKEN).start();
    const api = ['--api-url', kinescope.baseUrl];

    // The CLI: a key generated and one imported, a credential, an upload, two mints.
    await cli(home, [
      'keys',
      'generate',
      '--alg',
      'RS256',
      '--name',
      'chat',
      '--provider',
      'kinescope',
    ]);
    const secretFile = join(home, '..', `ams-secret-${process.pid}.txt`);
    writeFileSync(secretFile, 'an-imported-ant-media-secret-0123456789\n', { mode: 0o600 });
    await cli(home, [
      'keys',
      'import',
      secretFile,
      '--alg',
      'HS256',
      '--name',
      'ams',
      '--provider',
      'antmedia',
    ]);
    await cli(home, ['credentials', 'set', 'kinescope'], API_TOKEN);
    await cli(home, ['upload', 'kinescope', '--key', 'chat', ...api]);
    const chat = JSON.parse(
      (
        await cli(home, [
          'mint',
          'kinescope',
          'chat',
          '--key',
          'chat',
          '--event',
          'evt-1',
          '--user-id',
          'u-1001',
          '--username',
          'Ann',
          '--json',
        ])
      ).stdout,
    ) as { token: string };
    tokens.push(chat.token);
    const generic = JSON.parse(
      (await cli(home, ['token', 'mint', 'chat', '--sub', 'alice', '--json'])).stdout,
    ) as { token: string };
    tokens.push(generic.token);

    // The app: Mint through its IPC handler.
    const appVault = new Vault({ dataDir: home, source: 'app' });
    const core = createAppCore({
      vault: appVault,
      settings: new SettingsStore(appVault.settings),
      ports: new TestDesktop(),
      version: 'test',
      progress: () => undefined,
    });
    const dispatch = createDispatch(core.handlers);
    const minted = await call(dispatch, 'mintToken', {
      provider: 'frameable',
      kind: 'attendee',
      key: 'chat',
      params: { displayName: 'Ann Lee', email: 'ann@example.com', eventUrl: EVENT_URL },
    });
    tokens.push(minted.token);

    // An OBS push: the token minted for OBS, put into the loopback obs-websocket.
    const obs = await startFakeObs({ password: 'pw-activity' });
    try {
      const forObs = await mintForObs(appVault, {
        provider: 'antmedia',
        kind: 'publish',
        key: 'ams',
        params: { host: 'media.example.com', stream: 'cam1' },
      });
      await withObs({ url: obs.url, password: 'pw-activity' }, (c) =>
        pushService(c, forObs.service),
      );
      const pushed = JWT.exec(JSON.stringify(obs.service.settings))?.[0];
      expect(pushed).toBeDefined();
      tokens.push(pushed!);
    } finally {
      await obs.close();
    }
    await appVault.close();

    // keycast serve: a redirect click through the link service.
    const serveVault = new Vault({ dataDir: home, source: 'serve' });
    const links = new LinkService(serveVault, new SqliteLinkStore(serveVault.database), {
      publicUrl: 'https://go.example.com',
    });
    const issued = await links.create({
      provider: 'frameable',
      kind: 'attendee',
      key: 'chat',
      params: { displayName: 'Bo', email: 'bo@example.com', eventUrl: EVENT_URL },
    });
    const secretId = issued.url.slice(issued.url.lastIndexOf('/') + 1);
    const followed = await links.follow(secretId);
    expect(followed.ok).toBe(true);
    tokens.push(new URL((followed as { location: string }).location).searchParams.get('token')!);
    await serveVault.close();

    // The CLI again: the upload deleted, a backup, a key deleted; the backup restored elsewhere.
    const remoteId = [...kinescope.keys.keys()][0]!;
    await cli(home, ['upload', 'kinescope', '--delete', remoteId, ...api]);
    const backupFile = join(home, '..', `activity-${process.pid}.kcbackup`);
    await cli(home, ['backup', '--out', backupFile], `${PASSPHRASE}\n`);
    await cli(home, ['keys', 'delete', 'ams', '--yes']);
    restoredHome = tempHome();
    await cli(restoredHome, ['restore', backupFile], `${PASSPHRASE}\n`);
    // The restored vault's keys are the same keychain items' twins: delete them again.
    await cli(restoredHome, ['keys', 'delete', 'chat', '--yes', '--force']);
    await cli(restoredHome, ['keys', 'delete', 'ams', '--yes', '--force']);

    records = await activity(home);
  });

  afterAll(async () => {
    await runCli(['keys', 'delete', 'chat', '--yes', '--force'], { home });
    await kinescope.stop();
  });

  it('has one record per action, in order, each naming its program', () => {
    expect(records.map((r) => [r.source, r.event, r.detail.via ?? null])).toEqual([
      ['cli', 'key-generated', null],
      ['cli', 'key-imported', null],
      ['cli', 'key-uploaded', null],
      ['cli', 'token-minted', 'mint'],
      ['cli', 'token-minted', 'token'],
      ['app', 'token-minted', 'mint'],
      ['app', 'token-minted', 'obs'],
      ['serve', 'token-minted', 'redirect'],
      ['cli', 'key-upload-deleted', null],
      ['cli', 'backup', null],
      ['cli', 'key-deleted', null],
    ]);
    expect(records.map((r) => r.id)).toEqual(records.map((_, i) => i + 1));
  });

  it('names the key, provider, kind, subjects, expiry and destination host of each token', () => {
    const [chatKey, amsKey] = [records[0]!, records[1]!];
    expect(chatKey).toMatchObject({
      provider: 'kinescope',
      detail: { name: 'chat', alg: 'RS256' },
    });
    expect(amsKey).toMatchObject({ provider: 'antmedia' });
    const minted = records.filter((r) => r.event === 'token-minted');
    expect(minted[0]).toMatchObject({
      keyId: chatKey.keyId,
      kid: chatKey.kid,
      provider: 'kinescope',
      kind: 'chat',
      subjects: { user_id: 'u-1001', username: 'Ann' },
      destination: 'kinescope.io',
    });
    expect(minted[1]).toMatchObject({
      keyId: chatKey.keyId,
      provider: null,
      kind: null,
      subjects: { sub: 'alice' },
      destination: null,
    });
    expect(minted[1]!.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(minted[2]).toMatchObject({
      provider: 'frameable',
      kind: 'attendee',
      subjects: { email: 'ann@example.com', displayName: 'Ann Lee' },
      destination: 'acme.frameable.com',
    });
    expect(minted[3]).toMatchObject({
      keyId: amsKey.keyId,
      provider: 'antmedia',
      kind: 'publish',
      subjects: null,
    });
    expect(minted[3]!.destination).toMatch(/^media\.example\.com(:\d+)?$/);
    expect(minted[4]).toMatchObject({
      provider: 'frameable',
      subjects: { email: 'bo@example.com', displayName: 'Bo' },
      destination: 'acme.frameable.com',
    });
    for (const record of minted) {
      expect(record.expiresAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(new Date(record.expiresAt!).getTime()).toBeGreaterThan(Date.now());
    }
  });

  it('names the upload, its deletion, the backup, the deletion and the restore', () => {
    const byEvent = (event: string): ActivityRecord => records.find((r) => r.event === event)!;
    const remoteId = byEvent('key-uploaded').detail.remoteId;
    expect(remoteId).toEqual(expect.any(String));
    expect(byEvent('key-uploaded')).toMatchObject({ provider: 'kinescope', kid: records[0]!.kid });
    expect(byEvent('key-upload-deleted')).toMatchObject({
      provider: 'kinescope',
      keyId: records[0]!.keyId,
      detail: { remoteId, known: true },
    });
    expect(byEvent('backup').detail).toMatchObject({ keys: 2, credentials: 1, linksKey: true });
    expect(byEvent('key-deleted')).toMatchObject({
      keyId: records[1]!.keyId,
      detail: { name: 'ams', alg: 'HS256', stillUploaded: false },
    });
  });

  it('records the restore in the vault restored into', async () => {
    const restored = await activity(restoredHome);
    expect(restored.map((r) => r.event)).toEqual(['restore', 'key-deleted', 'key-deleted']);
    expect(restored[0]!.detail).toMatchObject({ keys: 2, credentials: 1 });
  });

  it('filters on the command line as in the app', async () => {
    expect((await activity(home, '--provider', 'frameable')).map((r) => r.source)).toEqual([
      'app',
      'serve',
    ]);
    expect((await activity(home, '--kind', 'chat')).length).toBe(1);
    expect((await activity(home, '--key', 'ams')).map((r) => r.event)).toEqual([
      'key-imported',
      'token-minted',
      'key-deleted',
    ]);
    expect((await activity(home, '--subject', 'bo@example.com')).length).toBe(1);
    expect((await activity(home, '--source', 'serve', '--since', '1h')).length).toBe(1);
    const csv = (await cli(home, ['activity', '--csv', '--event', 'token-minted'])).stdout;
    const lines = csv.trim().split('\n');
    expect(lines[0]).toMatch(/^id,at,source,event,/);
    expect(lines).toHaveLength(6);
    const human = (await cli(home, ['activity', '--limit', '3'])).stdout;
    expect(human.split('\n')[0]).toMatch(/^#\s+TIME\s+FROM\s+EVENT\s+KEY/);
    expect(human).toContain('key-deleted');
  });

  it('keeps no token and no signature in any table or any file of the data folder', () => {
    expect(tokens).toHaveLength(5);
    const needles = tokens.flatMap((t) => [t, t.split('.')[2]!]);
    for (const needle of needles) expect(needle.length).toBeGreaterThan(20);
    for (const [table, rows] of Object.entries(everyTable(join(home, 'keycast.db')))) {
      for (const needle of needles) expect(rows.includes(needle), `table ${table}`).toBe(false);
    }
    const files = filesUnder(home);
    expect(files.some((f) => f.endsWith('keycast.db'))).toBe(true);
    for (const file of files) {
      const text = readFileSync(file).toString('latin1');
      for (const needle of needles) expect(text.includes(needle), file).toBe(false);
    }
  });

  it('verifies the chain', async () => {
    const verified = await cli(home, ['activity', 'verify']);
    expect(verified.stdout).toMatch(
      /^Activity log intact: 11 record\(s\) verified\.\nNewest: #11, hash [0-9a-f]{64}/,
    );
  });
});

describe('keycast activity verify', () => {
  async function minted(count: number): Promise<string> {
    const home = tempHome();
    await cli(home, ['keys', 'generate', '--alg', 'ES256', '--name', 'k']);
    for (let i = 0; i < count; i += 1)
      await cli(home, ['token', 'mint', 'k', '--sub', `user-${i}`]);
    return home;
  }

  function byHand(home: string, sql: string, ...values: (string | number)[]): void {
    const db = new DatabaseSync(join(home, 'keycast.db'));
    try {
      db.prepare(sql).run(...values);
    } finally {
      db.close();
    }
  }

  const cleanUp = (home: string): Promise<unknown> =>
    runCli(['keys', 'delete', 'k', '--yes'], { home });

  it('exits 0 when intact, 1 naming a record edited in the file', async () => {
    const home = await minted(3);
    try {
      expect((await runCli(['activity', 'verify'], { home })).code).toBe(0);
      expect((await cli(home, ['doctor'])).stdout).toContain(
        'Activity    4 record(s), chain intact',
      );
      byHand(home, 'UPDATE activity SET subjects = \'{"sub":"mallory"}\' WHERE id = 3');
      const result = await runCli(['activity', 'verify'], { home });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(
        'Activity log BROKEN: Record #3 was changed: its content no longer matches its hash.',
      );
      expect(result.stdout).toContain('2 record(s) verified before it');
      const json = JSON.parse(
        (await runCli(['activity', 'verify', '--json'], { home })).stdout,
      ) as {
        intact: boolean;
        problem: { kind: string; id: number };
      };
      expect(json).toMatchObject({ intact: false, problem: { kind: 'changed', id: 3 } });
      // keycast doctor checks the chain too.
      const doctor = await runCli(['doctor'], { home });
      expect(doctor.code).toBe(1);
      expect(doctor.stdout).toContain(
        'Activity    BROKEN — Record #3 was changed: its content no longer matches its hash. (keycast activity verify)',
      );
    } finally {
      await cleanUp(home);
    }
  });

  it('exits 1 naming a record deleted from the file', async () => {
    const home = await minted(3);
    try {
      byHand(home, 'DELETE FROM activity WHERE id = 2');
      const result = await runCli(['activity', 'verify'], { home });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('Activity log BROKEN: Record #2 was removed.');
      // So does the newest record removed: the id sequence still knows it.
      const tail = await minted(2);
      byHand(tail, 'DELETE FROM activity WHERE id = 3');
      const last = await runCli(['activity', 'verify'], { home: tail });
      expect(last.code).toBe(1);
      expect(last.stdout).toContain('Record #3 was removed.');
      await cleanUp(tail);
    } finally {
      await cleanUp(home);
    }
  });

  it('prunes old records keeping the chain verifiable; a change after pruning is still found', async () => {
    const home = tempHome();
    const vault = new Vault({ dataDir: home });
    const old = new Date(Date.now() - 200 * 86_400_000);
    for (let i = 0; i < 4; i += 1)
      vault.activity.append(await vault.activity.entry({ event: 'backup', at: old }));
    for (let i = 0; i < 2; i += 1)
      vault.activity.append(await vault.activity.entry({ event: 'backup' }));
    await vault.close();
    const pruned = await cli(home, ['activity', 'prune']);
    expect(pruned.stdout).toContain('Pruned 4 record(s) older than 180 days (up to #4)');
    expect((await cli(home, ['activity', 'verify'])).stdout).toContain(
      'Activity log intact: 3 record(s) verified; records up to #4 were pruned.',
    );
    expect((await runCli(['activity', 'prune', '--older-than', 'soon'], { home })).stderr).toMatch(
      /--older-than takes a number of days from 1 to 3650, such as 90d; got "soon"/,
    );
    byHand(home, 'UPDATE activity SET detail = \'{"keys":9}\' WHERE id = 5');
    const broken = await runCli(['activity', 'verify'], { home });
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('Record #5 was changed');
  });

  it('refuses to prune a changed record: pruning would hide the change', async () => {
    const home = tempHome();
    const vault = new Vault({ dataDir: home });
    const old = new Date(Date.now() - 200 * 86_400_000);
    for (let i = 0; i < 3; i += 1)
      vault.activity.append(await vault.activity.entry({ event: 'backup', at: old }));
    await vault.close();
    byHand(home, "UPDATE activity SET event = 'restore' WHERE id = 2");
    const refused = await runCli(['activity', 'prune'], { home });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'The activity log does not verify (Record #2 was changed: its content no longer matches its hash.) — pruning would hide that',
    );
    expect((await runCli(['activity', 'verify'], { home })).code).toBe(1);
  });

  it('keeps one linear chain when 10 processes mint at once', async () => {
    const home = await minted(0);
    try {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          runCli(['token', 'mint', 'k', '--sub', `parallel-${i}`], { home }),
        ),
      );
      expect(results.map((r) => r.code)).toEqual(Array(10).fill(0));
      const report = JSON.parse((await cli(home, ['activity', 'verify', '--json'])).stdout) as {
        intact: boolean;
        records: number;
      };
      expect(report).toMatchObject({ intact: true, records: 11 });
      const minted10 = await activity(home, '--event', 'token-minted');
      expect(minted10).toHaveLength(10);
      expect(new Set(minted10.map((r) => r.subjects!.sub)).size).toBe(10);
    } finally {
      await cleanUp(home);
    }
  });

  it('stores subjects as keyed hashes when asked, and still finds them by value', async () => {
    const home = await minted(0);
    try {
      await cli(home, ['activity', 'hash-subjects', 'on']);
      await cli(home, ['token', 'mint', 'k', '--sub', 'carol.unique@example.org']);
      const [record] = await activity(home, '--event', 'token-minted');
      expect(record!.subjects!.sub).toMatch(/^hmac:[A-Za-z0-9_-]{22}$/);
      expect(await activity(home, '--subject', 'carol.unique@example.org')).toHaveLength(1);
      for (const file of filesUnder(home))
        expect(readFileSync(file).toString('latin1')).not.toContain('carol.unique');
      expect((await cli(home, ['activity', 'retention', '--json'])).stdout).toContain(
        '"hashSubjects": true',
      );
    } finally {
      await cleanUp(home);
    }
  });
});
