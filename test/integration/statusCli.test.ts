import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusReport } from '../../shared/status.ts';
import { quarantine } from '../../main/core/store/keyTable.ts';
import { OsKeychain } from '../../main/core/vault/secretStore.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { runCli, tempHome, type CliResult } from '../helpers/cli.ts';
import { KinescopeContract } from '../helpers/contractServers.ts';

const KINESCOPE_TOKEN = '7c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e';

/** `keycast status` in a vault of its own: the exit code, the parsed --json and the human lines. */
async function status(
  home: string,
): Promise<{ code: number; json: StatusReport; text: CliResult }> {
  const json = await runCli(['status', '--json'], { home });
  const text = await runCli(['status'], { home });
  expect(text.code, text.stderr).toBe(json.code);
  expect(json.stderr).toBe('');
  return { code: json.code, json: JSON.parse(json.stdout) as StatusReport, text };
}

async function generate(home: string, name: string, ...flags: string[]): Promise<string> {
  const result = await runCli(
    ['keys', 'generate', '--alg', 'ES256', '--name', name, '--json', ...flags],
    {
      home,
    },
  );
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { id: string }).id;
}

describe('keycast status (real keychain, spawned CLI)', () => {
  const homes: string[] = [];
  const home = (): string => {
    const dir = tempHome();
    homes.push(dir);
    return dir;
  };
  let kinescope: KinescopeContract;

  beforeAll(async () => {
    kinescope = await new KinescopeContract(KINESCOPE_TOKEN).start();
  });
  afterAll(async () => {
    await kinescope.stop();
    for (const dir of homes) rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 when nothing is due: an empty vault, a key without expiry, one expiring in 31 days', async () => {
    const dir = home();
    const empty = await status(dir);
    expect(empty.code).toBe(0);
    expect(empty.json).toMatchObject({ due: false, windowDays: 30, items: [] });
    expect(empty.text.stdout).toMatch(/^Nothing is due: no key or upload expires within 30 days/);

    await generate(dir, 'forever');
    await generate(dir, 'later', '--expires', '31d');
    const calm = await status(dir);
    expect(calm.code).toBe(0);
    expect(calm.json.items).toEqual([]);
  });

  it('exits 1 for a key expiring in 29 days, with the item in --json and one line for people', async () => {
    const dir = home();
    const id = await generate(dir, 'soon', '--expires', '29d');
    await generate(dir, 'later', '--expires', '31d');
    const { code, json, text } = await status(dir);
    expect(code).toBe(1);
    expect(json.due).toBe(true);
    expect(json.items).toHaveLength(1);
    const [item] = json.items;
    expect(item).toMatchObject({
      id: `key:${id}`,
      kind: 'key-expiring',
      key: { id, name: 'soon' },
    });
    const days = (Date.parse(item!.at!) - Date.parse(json.generatedAt)) / 86_400_000;
    expect(days).toBeGreaterThan(28.9);
    expect(days).toBeLessThanOrEqual(29);
    expect(item!.message).toMatch(
      /^Key "soon" expires in (29d|28d 23h): rotate it before then \(keycast keys rotate soon\)/,
    );
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    // A second run: its sentence may say "in 28d 23h" where the first said "in 29d".
    expect(lines[0]).toMatch(
      new RegExp(
        `^key-expiring  soon \\(${id}\\)  ${item!.at!.replace(/\./g, '\\.')}  Key "soon" expires in `,
      ),
    );
  });

  it('exits 1 when a key’s keychain item is missing', async () => {
    const dir = home();
    const id = await generate(dir, 'lost');
    const vault = new Vault({ dataDir: dir });
    await new OsKeychain().remove(vault.accountOf({ id }));
    await vault.close();
    const { code, json } = await status(dir);
    expect(code).toBe(1);
    expect(json.items).toEqual([
      {
        id: `secret:${id}`,
        kind: 'secret-missing',
        key: { id, name: 'lost' },
        at: null,
        message: expect.stringMatching(
          /^The private key of "lost" is missing from the system keychain: /,
        ) as string,
      },
    ]);
  });

  it('exits 1 for a key uploaded to Kinescope whose expires_at is 10 days off', async () => {
    const dir = home();
    expect(
      (
        await runCli(['credentials', 'set', 'kinescope'], {
          home: dir,
          input: `${KINESCOPE_TOKEN}\n`,
        })
      ).code,
    ).toBe(0);
    const made = await runCli(['keys', 'generate', '--alg', 'RS256', '--name', 'chat', '--json'], {
      home: dir,
    });
    const id = (JSON.parse(made.stdout) as { id: string }).id;
    // Far from its own expiry (none), the key is fine; its upload is what comes due.
    expect((await status(dir)).code).toBe(0);
    const uploaded = await runCli(
      [
        'upload',
        'kinescope',
        '--key',
        'chat',
        '--expires',
        '10d',
        '--api-url',
        kinescope.baseUrl,
        '--json',
      ],
      { home: dir },
    );
    expect(uploaded.code, uploaded.stderr).toBe(0);
    const { remoteId } = JSON.parse(uploaded.stdout) as { remoteId: string };
    const { code, json } = await status(dir);
    expect(code).toBe(1);
    expect(json.items).toEqual([
      expect.objectContaining({
        id: `upload:${id}:kinescope:${remoteId}`,
        kind: 'upload-expiring',
        key: { id, name: 'chat' },
        // 10d when the two commands ran within one second.
        message: expect.stringMatching(
          new RegExp(`at kinescope \\(${remoteId}\\) expires there in (10d|9d 23h): `),
        ) as string,
      }),
    ]);
  });

  it('exits 1 while a rotation waits for a confirmation and while a predecessor is retiring', async () => {
    const dir = home();
    const run = async (...args: string[]) => {
      const result = await runCli(args, { home: dir });
      expect(result.code, result.stderr).toBe(0);
    };
    await run(
      'keys',
      'generate',
      '--alg',
      'HS256',
      '--provider',
      'antmedia',
      '--name',
      'ams',
      '--secret-out',
      join(dir, 'first'),
    );
    await run('keys', 'rotate', 'ams', '--secret-out', join(dir, 'next'));
    const waiting = await status(dir);
    expect(waiting.code).toBe(1);
    expect(waiting.json.items).toEqual([
      expect.objectContaining({
        kind: 'rotation-waiting',
        key: expect.objectContaining({ name: 'ams' }) as unknown,
        message:
          'The rotation of "ams" waits for you: put the new key into Ant Media Server, then confirm the paste in the app\'s Rotate wizard or with keycast keys rotate "ams" --confirm-pasted.',
      }),
    ]);
    // Confirmed: a one-key platform has no overlap, so the rotation ends there.
    await run('keys', 'rotate', 'ams', '--confirm-pasted');
    expect((await status(dir)).code).toBe(0);

    await generate(dir, 'chat');
    await run('keys', 'rotate', 'chat', '--overlap', '2d');
    const retiring = await status(dir);
    expect(retiring.code).toBe(1);
    expect(retiring.json.items.map((i) => [i.kind, i.key?.name])).toEqual([
      ['retiring', 'chat (retiring)'],
    ]);
    const hours =
      (Date.parse(retiring.json.items[0]!.at!) - Date.parse(retiring.json.generatedAt)) / 3_600_000;
    expect(hours).toBeGreaterThan(47.9);
    expect(hours).toBeLessThanOrEqual(48);
  });

  it('exits 1 for a quarantined record, and names it without its body', async () => {
    const dir = home();
    const vault = new Vault({ dataDir: dir });
    vault.database.transaction(() =>
      quarantine(vault.database.db, {
        kind: 'key',
        body: { id: 'k-broken', name: 'broken', alg: 'none' },
        reason: 'alg: Invalid option',
        source: 'keycast.json',
      }),
    );
    await vault.close();
    const { code, json } = await status(dir);
    expect(code).toBe(1);
    expect(json.items).toEqual([
      expect.objectContaining({
        kind: 'quarantined',
        key: null,
        message: expect.stringMatching(
          /^Record #1 \(key "broken" \(k-broken\)\) from keycast\.json could not be read/,
        ) as string,
      }),
    ]);

    // Once a person decides it is not needed, doctor forgets it and status is clear again.
    const unknown = await runCli(['doctor', '--forget-quarantined', '7'], { home: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/There is no quarantined record #7: keycast doctor lists/);
    const bad = await runCli(['doctor', '--forget-quarantined', '1; DROP'], { home: dir });
    expect(bad.code).toBe(2);
    const forgot = await runCli(['doctor', '--forget-quarantined', '1'], { home: dir });
    expect(forgot.stdout).toBe(
      'Forgot quarantined record #1 (key "broken" (k-broken)) from keycast.json.\n',
    );
    expect((await status(dir)).code).toBe(0);
  });

  it('exits 1 when a record of the activity log was changed in the file, naming it', async () => {
    const dir = home();
    await generate(dir, 'a');
    await generate(dir, 'b');
    expect((await status(dir)).code).toBe(0);
    const db = new DatabaseSync(join(dir, 'keycast.db'));
    try {
      db.prepare("UPDATE activity SET kind = 'forged' WHERE id = 1").run();
    } finally {
      db.close();
    }
    const { code, json } = await status(dir);
    expect(code).toBe(1);
    expect(json.items).toEqual([
      expect.objectContaining({
        kind: 'activity-broken',
        key: null,
        message: expect.stringMatching(
          /^The activity log was changed outside Keycast: Record #1 was changed/,
        ) as string,
      }),
    ]);
  });
});
