import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  POSTGRES_MIGRATIONS,
  POSTGRES_SCHEMA_VERSION,
  PostgresLinkStore,
} from '../../main/core/links/postgresLinks.ts';
import { SqliteLinkStore } from '../../main/core/links/sqliteLinks.ts';
import type { HookDecision, LinkStore } from '../../main/core/links/types.ts';
import { SCHEMA_VERSION } from '../../main/core/store/schema.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { runCli, tempHome } from '../helpers/cli.ts';
import { postgresMissing, TestPostgres } from '../helpers/postgres.ts';

/**
 * Verify-hook decisions in both link stores (SQLite migration 3, PostgreSQL schema version 2), the
 * PostgreSQL schema versions themselves, and the serve flags for hooks and the JWKS.
 */

const missing = postgresMissing();
const skipPostgres = missing !== null && !process.env.CI;
if (skipPostgres) console.log(`skipped: PostgreSQL hook decision tests: ${missing}`);

const decision = (n: number, extra: Partial<HookDecision> = {}): HookDecision => ({
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  hook: 'srs',
  reason: n % 2 ? 'allowed' : 'expired',
  action: 'publish',
  app: 'live',
  stream: `cam${n}`,
  caller: '10.0.0.5',
  client: '192.0.2.0/24',
  kid: `kid${n}`,
  jti: null,
  ...extra,
});

async function roundTrip(store: LinkStore): Promise<void> {
  const recorded = [1, 2, 3].map((n) => decision(n));
  for (const d of recorded) await store.recordDecision(d);
  expect(await store.decisions()).toEqual([...recorded].reverse());
  expect(await store.decisions({ limit: 1 })).toEqual([recorded[2]]);
}

describe('hook decisions in the local database', () => {
  it('are kept since schema 3, newest first', async () => {
    const vault = new Vault({ dataDir: tempHome() });
    try {
      expect(vault.database.schemaVersion).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(3);
      await roundTrip(new SqliteLinkStore(vault.database));
    } finally {
      await vault.close();
    }
  });
});

describe.skipIf(skipPostgres)('hook decisions and schema versions in PostgreSQL', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await TestPostgres.start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function version(url: string): Promise<number[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (
        await client.query<{ version: number }>('SELECT version FROM keycast_schema')
      ).rows.map((r) => r.version);
    } finally {
      await client.end();
    }
  }

  it('creates a fresh database at the current version and keeps decisions, newest first', async () => {
    const url = await server.createDatabase('fresh');
    const store = await PostgresLinkStore.open(url);
    try {
      expect(await version(url)).toEqual([POSTGRES_SCHEMA_VERSION]);
      await roundTrip(store);
    } finally {
      await store.close();
    }
    // Opened again: nothing to do, still one version row.
    await (await PostgresLinkStore.open(url)).close();
    expect(await version(url)).toEqual([POSTGRES_SCHEMA_VERSION]);
  });

  it('adopts a database made before versions were kept, keeping its links, and migrates it', async () => {
    const url = await server.createDatabase('unversioned');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(POSTGRES_MIGRATIONS[0]!);
    await client.query(
      `INSERT INTO clicks (link_id, at, outcome) VALUES (NULL, '2026-01-01T00:00:00.000Z', 'unknown')`,
    );
    await client.end();
    const store = await PostgresLinkStore.open(url);
    try {
      expect(await version(url)).toEqual([POSTGRES_SCHEMA_VERSION]);
      expect((await store.clicks()).map((c) => c.outcome)).toEqual(['unknown']);
      await roundTrip(store);
    } finally {
      await store.close();
    }
  });

  it('refuses a database a newer Keycast wrote, in one sentence, changing nothing', async () => {
    const url = await server.createDatabase('newer');
    await (await PostgresLinkStore.open(url)).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('UPDATE keycast_schema SET version = 99');
    await client.end();
    await expect(PostgresLinkStore.open(url)).rejects.toThrow(
      `was written by a newer Keycast (schema 99; this version knows up to ${POSTGRES_SCHEMA_VERSION}): update Keycast`,
    );
    expect(await version(url)).toEqual([99]);
  });
});

describe('keycast serve flags for hooks and the JWKS', () => {
  let home: string;
  beforeAll(async () => {
    home = tempHome();
    for (const [alg, name] of [
      ['HS256', 'ams'],
      ['ES256', 'mtx'],
    ]) {
      const made = await runCli(['keys', 'generate', '--alg', alg!, '--name', name!], { home });
      expect(made.code).toBe(0);
    }
  });

  it('refuses an HMAC or unknown --jwks-key and a bad --hook-allow, each in one sentence, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--jwks-key', 'ams'], /"ams" is an HS256 shared secret: a JWKS is public/],
      [['--jwks-key', 'nope'], /No key "nope"/],
      [['--hook-allow', 'media.example'], /--hook-allow takes the address of a media server/],
    ];
    for (const [flags, sentence] of cases) {
      const result = await runCli(['serve', '--listen', '127.0.0.1:0', ...flags], { home });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(sentence);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('names the hooks in its help', async () => {
    const help = await runCli(['serve', '--help'], { home });
    expect(help.stdout).toMatch(/--hooks/);
    expect(help.stdout).toMatch(/--hook-allow <ADDR>/);
    expect(help.stdout).toMatch(/--jwks-key <KEY>/);
    const decisions = await runCli(['redirects', 'decisions', '--help'], { home });
    expect(decisions.stdout).toMatch(/verify-hook decisions/);
    expect((await runCli(['redirects', 'decisions'], { home })).stdout).toMatch(
      /No verify-hook decisions yet/,
    );
  });
});
