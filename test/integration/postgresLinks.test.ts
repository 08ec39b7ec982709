import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES, KeycastError } from '../../main/core/errors.ts';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { openLinkStore } from '../../main/core/links/openLinkStore.ts';
import { PostgresLinkStore } from '../../main/core/links/postgresLinks.ts';
import { SqliteLinkStore } from '../../main/core/links/sqliteLinks.ts';
import type {
  ClickRecord,
  LinkStore,
  RedirectLink,
  Refusal,
  UseResult,
} from '../../main/core/links/types.ts';
import type { SecretStore } from '../../main/core/vault/secretStore.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { tempHome } from '../helpers/cli.ts';
import { postgresMissing, TestPostgres } from '../helpers/postgres.ts';
import { isAlive } from '../helpers/processes.ts';

/**
 * PostgresLinkStore against a real PostgreSQL (test/helpers/postgres.ts), and SqliteLinkStore on
 * the same behaviours: the two stores must not differ in anything a link's user can see.
 */

const missing = postgresMissing();
// Only a machine without the binaries skips; CI installs them (scripts/dev.sh), so there it fails.
const skipPostgres = missing !== null && !process.env.CI;
if (skipPostgres) console.log(`skipped: PostgreSQL link store tests: ${missing}`);

/** Private material for the vault's one key, in memory: these tests are about links, not keychains. */
class MemorySecrets implements SecretStore {
  private readonly items = new Map<string, Uint8Array>();
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

let server: TestPostgres | null = null;
let vault: Vault;
let keyId: string;
let databases = 0;
const opened: LinkStore[] = [];

beforeAll(async () => {
  vault = new Vault({ dataDir: tempHome(), secrets: new MemorySecrets() });
  keyId = (await vault.add(await generateKeyMaterial('HS256'), { name: 'links' })).id;
  if (!skipPostgres) server = await TestPostgres.start();
});

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

afterAll(async () => {
  const pid = server?.serverPid ?? null;
  await server?.stop();
  if (pid !== null) expect(isAlive(pid), 'the server is stopped by its pid').toBe(false);
  await vault.close();
});

function pgServer(): TestPostgres {
  if (!server) throw new Error('no PostgreSQL server');
  return server;
}

/** A fresh database whose text sorts as en-US does ("a" before "B"), unlike SQLite's bytes. */
async function freshDatabase(): Promise<string> {
  databases += 1;
  return pgServer().createDatabase(`links_${databases}`, { icuLocale: 'en-US' });
}

async function track<S extends LinkStore>(store: Promise<S>): Promise<S> {
  const s = await store;
  opened.push(s);
  return s;
}

type StoreKind = 'sqlite' | 'postgres';

/** An empty store of that kind: SQLite in a vault of its own, PostgreSQL in a database of its own. */
async function emptyStore(kind: StoreKind): Promise<LinkStore> {
  if (kind === 'postgres') return track(openLinkStore(vault, await freshDatabase()));
  const own = new Vault({ dataDir: tempHome(), secrets: new MemorySecrets() });
  const ownKey = await own.add(await generateKeyMaterial('HS256'), { name: 'links' });
  // The SQLite store checks key_id against its vault: give every link this vault's key id.
  const store = await openLinkStore(own, '');
  const wrapped: LinkStore = Object.assign(Object.create(store) as LinkStore, {
    create: (link: RedirectLink) => store.create({ ...link, keyId: ownKey.id }),
    close: async () => {
      await store.close();
      await own.close();
    },
  });
  opened.push(wrapped);
  return wrapped;
}

const T0 = '2030-06-01T12:00:00.000Z';
const at = (iso: string, ms = 0) => new Date(Date.parse(iso) + ms);

let serial = 0;
function link(fields: Partial<RedirectLink> = {}): RedirectLink {
  serial += 1;
  return {
    id: `link-${serial}`,
    hash: `hash-${serial}`,
    provider: 'frameable',
    kind: 'viewer',
    keyId,
    params: { room: 'main', name: `Guest ${serial}`, seats: [String(serial)], moderator: false },
    tokenTtlSeconds: 300,
    validFrom: null,
    validUntil: null,
    maxUses: null,
    uses: 0,
    confirm: false,
    label: `guest-${serial}`,
    note: '',
    createdAt: '2030-01-01T00:00:00.000Z',
    revokedAt: null,
    lastClickAt: null,
    ...fields,
  };
}

/** Without the vault-specific key id, which differs between the two kinds of store. */
function comparable(value: RedirectLink | null): Omit<RedirectLink, 'keyId'> | null {
  if (!value) return null;
  const rest: Partial<RedirectLink> = { ...value };
  delete rest.keyId;
  return rest as Omit<RedirectLink, 'keyId'>;
}

function click(linkId: string | null, n: number, outcome: ClickRecord['outcome']): ClickRecord {
  return {
    linkId,
    at: at(T0, n).toISOString(),
    outcome,
    kid: outcome === 'redirected' ? 'kid-1' : null,
    jti: outcome === 'redirected' ? `jti-${n}` : null,
    client: '203.0.113.0/24',
    agent: 'Firefox',
  };
}

const kinds: StoreKind[] = skipPostgres ? ['sqlite'] : ['sqlite', 'postgres'];

describe('openLinkStore', () => {
  it('keeps links in the vault database without a URL, and with KEYCAST_DB unset or empty', async () => {
    const before = process.env.KEYCAST_DB;
    try {
      delete process.env.KEYCAST_DB;
      expect(await openLinkStore(vault)).toBeInstanceOf(SqliteLinkStore);
      process.env.KEYCAST_DB = '  ';
      expect(await openLinkStore(vault)).toBeInstanceOf(SqliteLinkStore);
      expect(await openLinkStore(vault, '')).toBeInstanceOf(SqliteLinkStore);
    } finally {
      if (before === undefined) delete process.env.KEYCAST_DB;
      else process.env.KEYCAST_DB = before;
    }
  });

  it.each([
    ['mysql://keycast:hunter2@db.example/links', /starts with "mysql:"/],
    ['sqlite:///var/lib/keycast.db', /starts with "sqlite:"/],
    ['/var/lib/keycast/keycast.db', /must be a postgres:\/\/ or postgresql:\/\/ URL;/],
    ['db.example:5432', /starts with "db.example:"/],
  ])('refuses %s in one sentence (exit 2), without repeating the rest of it', async (url, said) => {
    const error = await openLinkStore(vault, url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeycastError);
    const { kind, message } = error as KeycastError;
    expect(EXIT_CODES[kind]).toBe(2);
    expect(message).toMatch(said);
    expect(message).toMatch(/^--db \(or KEYCAST_DB\) must be .*local database\.$/);
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('/links');
  });

  it.each([
    'postgres://keycast:hunter2@db.example:99999/links',
    'postgres://keycast:hunter2%zz@db.example/links',
    'postgresql://keycast:hunter2@[::1/links',
  ])('refuses the malformed PostgreSQL URL %s in one sentence (exit 2)', async (url) => {
    const error = await openLinkStore(vault, url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeycastError);
    expect(EXIT_CODES[(error as KeycastError).kind]).toBe(2);
    expect((error as Error).message).toMatch(
      /^The --db URL \(or KEYCAST_DB\) is not a PostgreSQL URL Keycast can read: write it as postgres:\/\/USER:PASSWORD@HOST:PORT\/DATABASE, .*\.$/,
    );
    expect((error as Error).message).not.toContain('hunter2');
  });

  it.skipIf(skipPostgres)(
    'opens PostgreSQL for postgres:// and postgresql://, from KEYCAST_DB too',
    async () => {
      const url = await freshDatabase();
      expect(await track(openLinkStore(vault, url))).toBeInstanceOf(PostgresLinkStore);
      const upper = url.replace(/^postgresql:/, 'POSTGRES:');
      expect(await track(openLinkStore(vault, upper))).toBeInstanceOf(PostgresLinkStore);
      const before = process.env.KEYCAST_DB;
      try {
        process.env.KEYCAST_DB = url;
        expect(await track(openLinkStore(vault))).toBeInstanceOf(PostgresLinkStore);
      } finally {
        if (before === undefined) delete process.env.KEYCAST_DB;
        else process.env.KEYCAST_DB = before;
      }
    },
  );
});

describe.each(kinds)('the %s link store', (kind) => {
  it('creates, finds (by id, by a label naming one link), lists, revokes, rehashes and removes', async () => {
    const store = await emptyStore(kind);
    const a = link({
      id: 'link-B',
      label: 'Ann',
      note: 'row 2 — “quoted”',
      params: { name: 'Zoë', tags: ['a', 'b'], moderator: true },
      validFrom: T0,
      validUntil: '2030-06-02T12:00:00.000Z',
      maxUses: 3,
      confirm: true,
    });
    // Same creation time: the id decides the order, byte by byte ("B" before "a").
    const b = link({ id: 'link-a', label: 'twin' });
    const c = link({ label: 'twin', createdAt: '2029-12-31T23:59:59.999Z' });
    for (const l of [a, b, c]) await store.create(l);

    expect(comparable(await store.find(a.id))).toEqual(comparable(a));
    expect(comparable(await store.find('Ann'))).toEqual(comparable(a));
    expect(await store.find('twin'), 'a label two links share names neither').toBeNull();
    expect(await store.find('nobody')).toBeNull();
    // A label that is another link's id: the id wins.
    await store.create(link({ label: a.id, createdAt: '2030-01-02T00:00:00.000Z' }));
    expect((await store.find(a.id))?.id).toBe(a.id);
    expect(comparable(await store.byHash(a.hash))).toEqual(comparable(a));
    expect(await store.byHash('nope')).toBeNull();

    const listed = await store.list();
    expect(listed.slice(0, 3).map((l) => l.id)).toEqual([c.id, 'link-B', 'link-a']);
    expect(listed).toHaveLength(4);

    const revokedAt = at(T0, 5);
    expect(await store.revoke(a.id, revokedAt)).toBe(true);
    expect(await store.revoke(a.id, at(T0, 9)), 'revoked once').toBe(false);
    expect((await store.find(a.id))?.revokedAt).toBe(revokedAt.toISOString());
    expect(await store.revoke('missing', revokedAt)).toBe(false);

    expect(await store.rehash(b.id, 'hash-new')).toBe(true);
    expect(await store.byHash(b.hash), 'the old hash opens nothing').toBeNull();
    expect((await store.byHash('hash-new'))?.id).toBe(b.id);
    expect(await store.rehash('missing', 'x')).toBe(false);

    // (SqliteLinkStore throws before it returns a promise; the await covers both.)
    await expect(
      (async () => store.create(link({ hash: 'hash-new' })))(),
      'hashes are unique',
    ).rejects.toThrow(/unique/i);

    expect(await store.remove(c.id)).toBe(true);
    expect(await store.remove(c.id)).toBe(false);
    expect(await store.find(c.id)).toBeNull();
  });

  it('records clicks, newest first, for all links or one; a removed link leaves its clicks', async () => {
    const store = await emptyStore(kind);
    const a = link();
    const b = link();
    await store.create(a);
    await store.create(b);
    const recorded = [
      click(a.id, 1, 'redirected'),
      click(b.id, 2, 'confirm-page'),
      click(null, 3, 'unknown'),
      click(a.id, 4, 'used-up'),
      click(a.id, 5, 'redirected'),
    ];
    for (const c of recorded) await store.recordClick(c);

    expect(await store.clicks()).toEqual([...recorded].reverse());
    expect(await store.clicks({ limit: 2 })).toEqual([recorded[4], recorded[3]]);
    expect(await store.clicks({ linkId: a.id })).toEqual([recorded[4], recorded[3], recorded[0]]);
    expect(await store.clicks({ linkId: a.id, limit: 1 })).toEqual([recorded[4]]);

    await store.remove(a.id);
    const after = await store.clicks();
    expect(after).toHaveLength(5);
    expect(after.filter((c) => c.linkId === a.id)).toEqual([]);
    expect(after[0]).toEqual({ ...recorded[4], linkId: null });
  });
});

/**
 * One table of windows, maximums and revocations; each step is a use at a time and what it must
 * give. Both stores run every row, and must agree with the table and with each other.
 */
interface Case {
  name: string;
  link: Partial<RedirectLink>;
  /** Revoked (at T0) before the steps. */
  revoked?: boolean;
  steps: [now: Date, expected: 'ok' | Refusal][];
}

const CASES: Case[] = [
  {
    name: 'no window, no maximum',
    link: {},
    steps: [
      [at(T0), 'ok'],
      [at(T0, 1e12), 'ok'],
    ],
  },
  {
    name: 'opens at valid_from, to the millisecond',
    link: { validFrom: T0 },
    steps: [
      [at(T0, -1), 'not-yet-valid'],
      [at(T0), 'ok'],
      [at(T0, 1), 'ok'],
    ],
  },
  {
    name: 'closes at valid_until, to the millisecond',
    link: { validUntil: T0 },
    steps: [
      [at(T0, -1), 'ok'],
      [at(T0), 'expired'],
      [at(T0, 1), 'expired'],
    ],
  },
  {
    name: 'a window of one millisecond',
    link: { validFrom: T0, validUntil: at(T0, 1).toISOString() },
    steps: [
      [at(T0, -1), 'not-yet-valid'],
      [at(T0), 'ok'],
      [at(T0, 1), 'expired'],
    ],
  },
  {
    name: 'a maximum of two',
    link: { maxUses: 2 },
    steps: [
      [at(T0), 'ok'],
      [at(T0), 'ok'],
      [at(T0), 'used-up'],
      [at(T0, 1), 'used-up'],
    ],
  },
  {
    name: 'used up, then outside its window: the window is the reason',
    link: { maxUses: 1, validFrom: T0, validUntil: at(T0, 1000).toISOString() },
    steps: [
      [at(T0), 'ok'],
      [at(T0, 1), 'used-up'],
      [at(T0, -1), 'not-yet-valid'],
      [at(T0, 1000), 'expired'],
    ],
  },
  {
    name: 'revoked comes before every other reason',
    link: { maxUses: 1, uses: 1, validUntil: T0 },
    revoked: true,
    steps: [
      [at(T0, -1), 'revoked'],
      [at(T0, 1), 'revoked'],
    ],
  },
  {
    name: 'a revoked link with uses left',
    link: { maxUses: 10 },
    revoked: true,
    steps: [[at(T0), 'revoked']],
  },
  {
    name: 'created with its maximum already reached',
    link: { maxUses: 3, uses: 3 },
    steps: [[at(T0), 'used-up']],
  },
  {
    // Times are compared as text, byte by byte, in both stores: a valid_from written without
    // milliseconds sorts after the same instant with them ("." before "Z").
    name: 'a valid_from without milliseconds',
    link: { validFrom: '2030-06-01T12:00:00Z' },
    steps: [
      [at(T0), 'not-yet-valid'],
      [at(T0, 1000), 'ok'],
    ],
  },
];

async function runCase(store: LinkStore, c: Case, l: RedirectLink): Promise<UseResult[]> {
  await store.create(l);
  if (c.revoked) await store.revoke(l.id, at(T0));
  const results: UseResult[] = [];
  for (const [now] of c.steps) results.push(await store.use(l.id, now));
  return results;
}

describe('windows and refusal reasons: one table, both stores', () => {
  it('every row gives the same outcomes, counts and returned link in SQLite and PostgreSQL', async () => {
    const outcomes: Record<string, unknown[]> = {};
    // The same links (ids, hashes, labels) in both stores.
    const links = CASES.map((c) => link(c.link));
    for (const kind of kinds) {
      const store = await emptyStore(kind);
      const all: unknown[] = [];
      for (const [i, c] of CASES.entries()) {
        const results = await runCase(store, c, links[i]!);
        const expected = c.steps.map(([, outcome]) => outcome);
        expect(
          results.map((r) => (r.ok ? 'ok' : r.outcome)),
          `${kind}: ${c.name}`,
        ).toEqual(expected);
        all.push(results.map((r) => (r.ok ? { ok: true, link: comparable(r.link) } : r)));
      }
      expect(await store.use('no-such-link', at(T0)), `${kind}: an unknown id`).toEqual({
        ok: false,
        outcome: 'revoked',
      });
      outcomes[kind] = all;
    }
    if (!skipPostgres) expect(outcomes.postgres).toEqual(outcomes.sqlite);
  });

  it('a counted use returns the link with its new count and last click', async () => {
    for (const kind of kinds) {
      const store = await emptyStore(kind);
      const l = link({ maxUses: 5, uses: 2 });
      await store.create(l);
      const result = await store.use(l.id, at(T0, 42));
      expect(result.ok && comparable(result.link), kind).toEqual(
        comparable({ ...l, uses: 3, lastClickAt: at(T0, 42).toISOString() }),
      );
      expect((await store.find(l.id))?.uses).toBe(3);
    }
  });

  it('runs `counted` (the activity record of a click) once per counted use: inside the SQLite transaction, after the PostgreSQL commit', async () => {
    for (const kind of kinds) {
      const store = await emptyStore(kind);
      const l = link({ maxUses: 1 });
      await store.create(l);
      let calls = 0;
      const draft = { kid: 'kid-1', jti: 'j', client: null, agent: null };
      expect((await store.use(l.id, at(T0, 1), draft, () => void calls++)).ok, kind).toBe(true);
      expect((await store.use(l.id, at(T0, 2), draft, () => void calls++)).ok, kind).toBe(false);
      expect(calls, kind).toBe(1);
      // When it fails, SQLite counts nothing (one transaction); PostgreSQL has committed the use.
      const other = link({ maxUses: 1 });
      await store.create(other);
      const failing = (): void => {
        throw new Error('no record, no token');
      };
      await expect(store.use(other.id, at(T0, 3), draft, failing), kind).rejects.toThrow(
        'no record, no token',
      );
      expect((await store.find(other.id))?.uses, kind).toBe(kind === 'sqlite' ? 0 : 1);
    }
  });
});

describe.skipIf(skipPostgres)('PostgreSQL shared by several instances', () => {
  it('two instances starting at once on an empty database create the tables once', async () => {
    const url = await freshDatabase();
    const stores = await Promise.all(
      Array.from({ length: 6 }, () => track(PostgresLinkStore.open(url))),
    );
    await stores[0]!.create(link());
    expect(await stores[5]!.list()).toHaveLength(1);
  });

  it('a maximum of 50 holds exactly under 200 concurrent uses from two instances; no use is lost without one', async () => {
    const url = await freshDatabase();
    const one = await track(PostgresLinkStore.open(url));
    const two = await track(PostgresLinkStore.open(url));
    const limited = link({ maxUses: 50 });
    const open = link();
    await one.create(limited);
    await one.create(open);

    const now = at(T0);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? one : two).use(limited.id, now)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(50);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.outcome)).toEqual(
      Array(150).fill('used-up'),
    );
    // Each counted use saw its own count: 1 to 50, each once.
    const counts = results.flatMap((r) => (r.ok ? [r.link.uses] : [])).sort((a, b) => a - b);
    expect(counts).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect((await two.find(limited.id))?.uses).toBe(50);

    const unlimited = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? two : one).use(open.id, now)),
    );
    expect(unlimited.every((r) => r.ok)).toBe(true);
    expect((await one.find(open.id))?.uses).toBe(200);
  });

  it('counts survive a new pool and a server restart; while the server is down a use fails in one sentence', async () => {
    const url = await freshDatabase();
    const first = await track(PostgresLinkStore.open(url));
    const l = link({ maxUses: 3 });
    await first.create(l);
    expect((await first.use(l.id, at(T0))).ok).toBe(true);
    await first.close();

    const second = await track(PostgresLinkStore.open(url));
    expect((await second.find(l.id))?.uses, 'a new pool sees the count').toBe(1);
    expect((await second.use(l.id, at(T0))).ok).toBe(true);

    const pg = pgServer();
    const pid = pg.serverPid!;
    await pg.stop({ keepFiles: true });
    expect(isAlive(pid), 'stopped by its pid').toBe(false);
    const down = await second.use(l.id, at(T0)).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(KeycastError);
    expect(EXIT_CODES[(down as KeycastError).kind]).toBe(3);
    expect((down as Error).message).toMatch(
      new RegExp(
        `^Keycast could not connect to the PostgreSQL server keycast@127\\.0\\.0\\.1:${pg.port}/links_\\d+ \\([^)]+\\): check that the server is running`,
      ),
    );

    await pg.run();
    const third = await track(PostgresLinkStore.open(url));
    expect((await third.find(l.id))?.uses, 'the restarted server kept the count').toBe(2);
    // The pool that lived through the restart drops its dead connections and carries on.
    expect((await second.use(l.id, at(T0))).ok).toBe(true);
    expect(await third.use(l.id, at(T0))).toEqual({ ok: false, outcome: 'used-up' });
  });

  it('a server that is not there, or a database that does not exist: one sentence naming the server, never the password (exit 3)', async () => {
    const pg = pgServer();
    // Port 1: nothing listens there. Then the right server, but a database it does not have.
    const closed = `postgresql://keycast:hunter2-secret@127.0.0.1:1/links`;
    const noDatabase = `postgresql://keycast:hunter2-secret@127.0.0.1:${pg.port}/no_such_db?application_name=x`;
    for (const [url, server, reason] of [
      [closed, 'keycast@127.0.0.1:1/links', 'connection refused'],
      [noDatabase, `keycast@127.0.0.1:${pg.port}/no_such_db`, 'the database does not exist'],
    ] as const) {
      const error = await openLinkStore(vault, url).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeycastError);
      const { kind, message } = error as KeycastError;
      expect(EXIT_CODES[kind]).toBe(3);
      expect(message).toBe(
        `Keycast could not connect to the PostgreSQL server ${server} (${reason}): check that the server is running and that --db or KEYCAST_DB names it, with the right user and password.`,
      );
      expect(message).not.toContain('hunter2');
    }
  });
});
