import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { inspectToken } from '../../main/core/tokens/inspect.ts';
import { keysFromJwks, type VerificationKey } from '../../main/core/tokens/verify.ts';
import { runCli, tempHome } from '../helpers/cli.ts';
import { TestPostgres, postgresMissing } from '../helpers/postgres.ts';
import { httpRequest, spawnServe, type ServeProcess } from '../helpers/serverHarness.ts';

const EVENT = 'https://acme.frameable.com/events/launch';
const ATTENDEES = 500;
const PASSPHRASE = 'correct horse battery staple\n';
/** One load generator on loopback is one client to the rate limit: it is raised for this run. */
const OPEN_RATE = ['--rate', '100000/s', '--burst', '100000', '--quiet'];

/** A host's attendee list: quoted names with commas, as spreadsheets write them. */
function attendeesCsv(home: string): string {
  const path = join(home, 'attendees.csv');
  const rows = Array.from(
    { length: ATTENDEES },
    (_, i) => `"Guest ${i}, Team ${i % 7}",guest${i}@example.com`,
  );
  writeFileSync(path, `\ufeffName,Email\r\n${rows.join('\r\n')}\r\n`);
  return path;
}

async function importFor(
  home: string,
  extra: string[] = [],
): Promise<{ name: string; link: string }[]> {
  expect(
    (await runCli(['keys', 'generate', '--alg', 'RS256', '--name', 'ev'], { home })).code,
  ).toBe(0);
  const out = join(home, 'links.csv');
  const imported = await runCli(
    [
      'redirects',
      'import',
      attendeesCsv(home),
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
      '--out',
      out,
      ...extra,
    ],
    { home },
  );
  expect(imported.code, imported.stderr).toBe(0);
  const [, ...rows] = parse(readFileSync(out, 'utf8'), { bom: true });
  expect(rows).toHaveLength(ATTENDEES);
  return rows.map(([name, , link]) => ({ name: name!, link: link! }));
}

/** Every attendee clicks twice, 25 at a time, spread over the given servers. */
async function clickAll(
  servers: ServeProcess[],
  attendees: { name: string; link: string }[],
  keys: VerificationKey[],
): Promise<string[]> {
  const tokens: string[] = [];
  const clicks = attendees.flatMap((a, i) => [
    { ...a, n: i * 2 },
    { ...a, n: i * 2 + 1 },
  ]);
  for (let start = 0; start < clicks.length; start += 25) {
    await Promise.all(
      clicks.slice(start, start + 25).map(async ({ name, link, n }) => {
        const server = servers[n % servers.length]!;
        const answer = await httpRequest(server.port, { path: new URL(link).pathname });
        expect(answer.status, answer.body).toBe(302);
        const location = new URL(answer.headers.location!);
        expect(`${location.origin}${location.pathname}`).toBe(EVENT);
        const token = location.searchParams.get('token')!;
        const checked = await inspectToken(token, { keys });
        expect(checked.valid).toBe(true);
        expect(checked.claims?.displayName).toBe(name);
        tokens.push(token);
      }),
    );
  }
  return tokens;
}

function expectNowhereOnDisk(dirs: string[], tokens: string[]): void {
  const files = dirs.flatMap((dir) =>
    readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString('latin1')),
  );
  for (const token of tokens) {
    const signature = token.split('.')[2]!;
    for (const file of files) expect(file.includes(signature)).toBe(false);
  }
}

async function exportedKeys(home: string): Promise<VerificationKey[]> {
  return keysFromJwks(
    JSON.parse((await runCli(['keys', 'export', 'ev', '--format', 'jwks'], { home })).stdout),
  );
}

describe('an event of 500 attendees, each clicking twice', () => {
  it('one keycast serve: 1,000 fresh tokens that verify, 1,000 clicks listed, no token on disk', async () => {
    const home = tempHome();
    const attendees = await importFor(home);
    const keys = await exportedKeys(home);
    const server = await spawnServe(home, OPEN_RATE);
    try {
      const tokens = await clickAll([server], attendees, keys);
      // Each attendee's own tokens (Frameable's format has no jti: two clicks in one second match).
      expect(new Set(tokens.map((t) => t.split('.')[2])).size).toBeGreaterThanOrEqual(ATTENDEES);
      const clicks = JSON.parse(
        (await runCli(['redirects', 'clicks', '--limit', '5000', '--json'], { home })).stdout,
      ) as { outcome: string }[];
      expect(clicks.filter((c) => c.outcome === 'redirected')).toHaveLength(2 * ATTENDEES);
      expect(await server.stop()).toBe(0);
      expectNowhereOnDisk([home], tokens);
    } finally {
      await server.stop();
    }
  });

  it('two keycast serve instances on one PostgreSQL, the second restored from the first one’s backup', async () => {
    const missing = postgresMissing();
    if (missing && !process.env.CI) {
      console.log(`skipped: ${missing}`);
      return;
    }
    const postgres = await TestPostgres.start();
    const servers: ServeProcess[] = [];
    try {
      const db = await postgres.createDatabase('event');
      const first = tempHome();
      const attendees = await importFor(first, ['--db', db, '--uses', '2']);
      const backup = join(first, 'keys.kcbackup');
      expect(
        (await runCli(['backup', '--out', backup], { home: first, input: PASSPHRASE })).code,
      ).toBe(0);
      const second = tempHome();
      expect((await runCli(['restore', backup], { home: second, input: PASSPHRASE })).code).toBe(0);
      servers.push(await spawnServe(first, [...OPEN_RATE, '--db', db]));
      servers.push(await spawnServe(second, [...OPEN_RATE, '--db', db]));
      const tokens = await clickAll(servers, attendees, await exportedKeys(first));
      // A third click of anyone's link is refused: the maximum of 2 held across both servers.
      const again = await httpRequest(servers[1]!.port, {
        path: new URL(attendees[0]!.link).pathname,
      });
      expect(again.status).toBe(410);
      // 200 clicks at once on one link with a maximum of 50, split over both servers: exactly 50 win.
      const limited = await runCli(
        [
          'redirects',
          'create',
          'frameable',
          'attendee',
          '--key',
          'ev',
          '--display-name',
          'Crowd',
          '--event-url',
          EVENT,
          '--uses',
          '50',
          '--db',
          db,
        ],
        { home: first },
      );
      const path = new URL(limited.stdout.trim()).pathname;
      const statuses = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          httpRequest(servers[i % 2]!.port, { path }).then((a) => a.status),
        ),
      );
      expect(statuses.filter((s) => s === 302)).toHaveLength(50);
      expect(statuses.filter((s) => s === 410)).toHaveLength(150);
      const clicks = JSON.parse(
        (
          await runCli(['redirects', 'clicks', '--limit', '5000', '--json', '--db', db], {
            home: second,
          })
        ).stdout,
      ) as { outcome: string }[];
      expect(clicks.filter((c) => c.outcome === 'redirected')).toHaveLength(2 * ATTENDEES + 50);
      for (const server of servers) expect(await server.stop()).toBe(0);
      expectNowhereOnDisk([first, second], tokens);
    } finally {
      for (const server of servers) await server.stop();
      await postgres.stop();
    }
  });
});
