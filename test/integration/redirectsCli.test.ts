import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { LinkService } from '../../main/core/links/service.ts';
import { openLinkStore } from '../../main/core/links/openLinkStore.ts';
import { SqliteLinkStore } from '../../main/core/links/sqliteLinks.ts';
import { DEFAULT_PUBLIC_URL } from '../../main/core/links/publicUrl.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { runCli, tempHome, type CliResult } from '../helpers/cli.ts';
import { TestPostgres, postgresMissing } from '../helpers/postgres.ts';

const EVENT = 'https://acme.frameable.com/events/launch';

function expectSentence(result: CliResult, code: number, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

async function homeWithKey(): Promise<string> {
  const home = tempHome();
  const made = await runCli(['keys', 'generate', '--alg', 'RS256', '--name', 'ev'], { home });
  expect(made.code, made.stderr).toBe(0);
  return home;
}

async function cleanup(home: string): Promise<void> {
  const vault = new Vault({ dataDir: home });
  const store = new SqliteLinkStore(vault.database);
  for (const l of await store.list()) await store.remove(l.id);
  for (const r of vault.list()) await vault.remove(r.id);
}

describe('keycast redirects', () => {
  it('creates, lists, shows, reissues, revokes and deletes a link; --json everywhere', async () => {
    const home = await homeWithKey();
    const saved = await runCli(['redirects', 'public-url', 'https://go.example.com/'], { home });
    expect(saved.code, saved.stderr).toBe(0);
    const created = await runCli(
      [
        'redirects',
        'create',
        'frameable',
        'attendee',
        '--key',
        'ev',
        '--display-name',
        'Ann',
        '--event-url',
        EVENT,
        '--uses',
        '3',
        '--confirm',
      ],
      { home },
    );
    expect(created.code, created.stderr).toBe(0);
    const url = created.stdout.trim();
    expect(url).toMatch(/^https:\/\/go\.example\.com\/l\/[A-Za-z0-9_-]{32}$/);
    expect(created.stderr).toMatch(/Created redirect link "Ann"/);

    const listed = JSON.parse((await runCli(['redirects', 'list', '--json'], { home })).stdout) as {
      id: string;
      label: string;
      maxUses: number;
      confirm: boolean;
      status: string;
      hash?: string;
    }[];
    expect(listed).toEqual([
      expect.objectContaining({ label: 'Ann', maxUses: 3, confirm: true, status: 'active' }),
    ]);
    expect(listed[0]!.hash).toBeUndefined();
    const id = listed[0]!.id;
    expect((await runCli(['redirects', 'show', 'Ann'], { home })).stdout).toMatch(/uses {5}0 of 3/);

    const reissued = await runCli(['redirects', 'reissue', id], { home });
    expect(reissued.code, reissued.stderr).toBe(0);
    const fresh = reissued.stdout.trim();
    expect(fresh).not.toBe(url);
    const vault = new Vault({ dataDir: home });
    const links = new LinkService(vault, new SqliteLinkStore(vault.database), {
      publicUrl: 'https://go.example.com',
    });
    expect(await links.peek(url.slice(-32))).toEqual({ ok: false, outcome: 'unknown' });
    expect(await links.peek(fresh.slice(-32))).toMatchObject({ ok: true });

    expect((await runCli(['redirects', 'revoke', id], { home })).code).toBe(0);
    expectSentence(await runCli(['redirects', 'revoke', id], { home }), 2, /was revoked already/);
    expect(
      JSON.parse((await runCli(['redirects', 'show', id, '--json'], { home })).stdout),
    ).toMatchObject({ status: 'revoked' });
    expectSentence(
      await runCli(['keys', 'delete', 'ev', '--yes'], { home }),
      2,
      /signs 1 redirect link\(s\)/,
    );
    expectSentence(
      await runCli(['redirects', 'delete', id], { home }),
      2,
      /was not deleted: confirm on a terminal, or pass --yes/,
    );
    expect((await runCli(['redirects', 'delete', id, '--yes'], { home })).code).toBe(0);
    expectSentence(await runCli(['redirects', 'show', id], { home }), 2, /No redirect link/);
    await cleanup(home);
  });

  it('refuses in one sentence, exit 2: a kind without a browser address, a bad --uses, a bad public URL', async () => {
    const home = await homeWithKey();
    await runCli(
      [
        'keys',
        'generate',
        '--alg',
        'HS256',
        '--provider',
        'antmedia',
        '--name',
        'ams',
        '--secret-out',
        join(home, 's'),
      ],
      { home },
    );
    expectSentence(
      await runCli(
        [
          'redirects',
          'create',
          'antmedia',
          'publish',
          '--key',
          'ams',
          '--host',
          'm.example.com',
          '--stream',
          's',
        ],
        { home },
      ),
      2,
      /^keycast: Ant Media Server publish tokens have no address a browser opens .* cannot be a redirect link\.\n$/,
    );
    expectSentence(
      await runCli(
        [
          'redirects',
          'create',
          'frameable',
          'attendee',
          '--key',
          'ev',
          '--display-name',
          'A',
          '--event-url',
          EVENT,
          '--uses',
          'lots',
        ],
        { home },
      ),
      2,
      /--uses takes a whole number/,
    );
    expectSentence(
      await runCli(['redirects', 'public-url', 'ftp://x'], { home }),
      2,
      /must start with https:\/\//,
    );
    expect(JSON.parse((await runCli(['redirects', 'list', '--json'], { home })).stdout)).toEqual(
      [],
    );
    await cleanup(home);
  });

  it('imports an attendee CSV all or none and writes it back with a link column, mode 0600', async () => {
    const home = await homeWithKey();
    const csv = join(home, 'attendees.csv');
    writeFileSync(csv, '\ufeffName,Email\r\n"Lee, Ann",ann@example.com\r\nBo,bo@example.com\r\n');
    const out = join(home, 'links.csv');
    const args = [
      'redirects',
      'import',
      csv,
      '--provider',
      'frameable',
      '--kind',
      'attendee',
      '--key',
      'ev',
      '--map',
      'displayName=Name,email=Email',
      '--event-url',
      EVENT,
      '--uses',
      '2',
      '--out',
      out,
    ];
    const imported = await runCli(args, { home });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toMatch(/Created 2 redirect link\(s\)/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const rows = parse(readFileSync(out, 'utf8'));
    expect(rows[0]).toEqual(['Name', 'Email', 'link']);
    expect(rows[1]![0]).toBe('Lee, Ann');
    expect(rows[1]![2]).toMatch(/^http:\/\/127\.0\.0\.1:8080\/l\/[A-Za-z0-9_-]{32}$/);
    // The same --out again: never overwritten, and the links made for it are removed again.
    expectSentence(await runCli(args, { home }), 2, /already exists: choose a new file/);
    expect(
      JSON.parse((await runCli(['redirects', 'list', '--json'], { home })).stdout),
    ).toHaveLength(2);

    const bad = join(home, 'bad.csv');
    writeFileSync(bad, 'Name,Email\nCy,cy@example.com\nDi,not-an-email\n');
    const refused = await runCli(
      [...args.slice(0, 2), bad, ...args.slice(3, -1), join(home, 'bad-out.csv')],
      { home },
    );
    expectSentence(
      refused,
      2,
      /^keycast: Nothing was created: 1 row\(s\) have problems — line 3: /,
    );
    expect(existsSync(join(home, 'bad-out.csv'))).toBe(false);
    expect(
      JSON.parse((await runCli(['redirects', 'list', '--json'], { home })).stdout),
    ).toHaveLength(2);

    const clicks = await runCli(['redirects', 'clicks', '--json'], { home });
    expect(JSON.parse(clicks.stdout)).toEqual([]);
    await cleanup(home);
  });

  it('keeps links in PostgreSQL with --db: a second data folder restored from a backup sees and serves them', async () => {
    const missing = postgresMissing();
    if (missing && !process.env.CI) {
      console.log(`skipped: ${missing}`);
      return;
    }
    const server = await TestPostgres.start();
    try {
      const db = await server.createDatabase('redirects_cli');
      const home = await homeWithKey();
      const created = await runCli(
        [
          'redirects',
          'create',
          'frameable',
          'attendee',
          '--key',
          'ev',
          '--display-name',
          'Pat',
          '--event-url',
          EVENT,
          '--db',
          db,
        ],
        { home },
      );
      expect(created.code, created.stderr).toBe(0);
      const backup = join(home, 'b.kcbackup');
      const passphrase = 'correct horse battery staple\n';
      expect((await runCli(['backup', '--out', backup], { home, input: passphrase })).code).toBe(0);
      const second = tempHome();
      expect((await runCli(['restore', backup], { home: second, input: passphrase })).code).toBe(0);
      const listed = JSON.parse(
        (await runCli(['redirects', 'list', '--json'], { home: second, env: { KEYCAST_DB: db } }))
          .stdout,
      ) as { label: string }[];
      expect(listed.map((l) => l.label)).toEqual(['Pat']);
      // The local database of either folder holds no link: they are in PostgreSQL.
      expect(JSON.parse((await runCli(['redirects', 'list', '--json'], { home })).stdout)).toEqual(
        [],
      );
      const vault = new Vault({ dataDir: second });
      const store = await openLinkStore(vault, db);
      const links = new LinkService(vault, store, { publicUrl: DEFAULT_PUBLIC_URL });
      expect(await links.follow(created.stdout.trim().slice(-32))).toMatchObject({ ok: true });
      expectSentence(
        await runCli(['redirects', 'list', '--db', 'mysql://x'], { home }),
        2,
        /must be a postgres:\/\/ or postgresql:\/\/ URL/,
      );
      for (const l of await store.list()) await store.remove(l.id);
      await store.close();
      for (const dir of [home, second]) {
        const v = new Vault({ dataDir: dir });
        for (const r of v.list()) await v.remove(r.id);
      }
    } finally {
      await server.stop();
    }
  });
});
