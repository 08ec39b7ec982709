import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJson, GENESIS_HASH } from '../../main/core/lifecycle/activityChain.ts';
import { activityCsv, parseSince } from '../../main/core/lifecycle/activityQuery.ts';
import { subjectsOf } from '../../main/core/lifecycle/activitySubjects.ts';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { importKeyMaterial } from '../../main/core/keys/import.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { tempHome } from '../helpers/cli.ts';

const vaults: Vault[] = [];

function newVault(source: 'cli' | 'app' | 'serve' = 'cli'): Vault {
  const vault = new Vault({ dataDir: tempHome(), source });
  vaults.push(vault);
  return vault;
}

afterEach(async () => {
  for (const vault of vaults.splice(0)) {
    for (const record of vault.list())
      await vault.remove(record.id, { evenIfUploaded: true }).catch(() => undefined);
    await vault.close();
  }
});

/** Opens the vault's database file beside Keycast, as someone editing it by hand would. */
function byHand(vault: Vault, change: (db: DatabaseSync) => void): void {
  const db = new DatabaseSync(vault.databasePath);
  try {
    change(db);
  } finally {
    db.close();
  }
}

async function logWith(count: number, at?: (i: number) => Date): Promise<Vault> {
  const vault = newVault();
  for (let i = 0; i < count; i += 1) {
    // append, not record: record may prune old records on its own, and these tests prune by hand.
    vault.activity.append(
      await vault.activity.entry({
        event: 'token-minted',
        provider: 'custom',
        kind: `k${i}`,
        jti: `jti-${i}`,
        ...(at ? { at: at(i) } : {}),
      }),
    );
  }
  return vault;
}

describe('canonical JSON', () => {
  it('sorts members at every depth and leaves out undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });
});

describe('the activity chain', () => {
  it('links each record to the one before, from the genesis hash', async () => {
    const vault = await logWith(3);
    const rows = vault.database.db
      .prepare('SELECT id, prev_hash, hash FROM activity ORDER BY id')
      .all() as { id: number; prev_hash: string; hash: string }[];
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(rows[0]!.prev_hash).toBe(GENESIS_HASH);
    expect(rows[1]!.prev_hash).toBe(rows[0]!.hash);
    expect(rows[2]!.prev_hash).toBe(rows[1]!.hash);
    const report = vault.activity.verify();
    expect(report).toMatchObject({ intact: true, records: 3, problem: null });
    expect(report.head).toEqual({ id: 3, hash: rows[2]!.hash });
  });

  it('finds a changed record', async () => {
    const vault = await logWith(5);
    byHand(vault, (db) => db.prepare("UPDATE activity SET kind = 'forged' WHERE id = 3").run());
    expect(vault.activity.verify()).toMatchObject({
      intact: false,
      problem: { kind: 'changed', id: 3 },
    });
  });

  it('finds a changed record whose hash was rewritten to match (the next one still links to the old hash)', async () => {
    const vault = await logWith(5);
    // Recompute record 2's hash the way Keycast does, after changing it.
    const { hashOf } = await import('../../main/core/lifecycle/activityChain.ts');
    byHand(vault, (db) => {
      db.prepare("UPDATE activity SET jti = 'other' WHERE id = 2").run();
      const row = db.prepare('SELECT * FROM activity WHERE id = 2').get() as never;
      db.prepare('UPDATE activity SET hash = ? WHERE id = 2').run(hashOf(row));
    });
    expect(vault.activity.verify().problem).toMatchObject({ kind: 'changed', id: 2 });
  });

  it('finds a removed record in the middle, at the start and at the end', async () => {
    for (const [id, expected] of [
      [3, /^Record #3 was removed\.$/],
      [1, /^Record #1 was removed\.$/],
      [5, /^Record #5 was removed\.$/],
    ] as const) {
      const vault = await logWith(5);
      byHand(vault, (db) => db.prepare('DELETE FROM activity WHERE id = ?').run(id));
      const report = vault.activity.verify();
      expect(report.intact).toBe(false);
      expect(report.problem).toMatchObject({ kind: 'removed', id });
      expect(report.problem!.message).toMatch(expected);
    }
  });

  it('names every record removed from the end, and appends after a gap without hiding it', async () => {
    const vault = await logWith(6);
    byHand(vault, (db) => db.prepare('DELETE FROM activity WHERE id >= 4').run());
    expect(vault.activity.verify().problem).toMatchObject({ kind: 'removed', id: 4, through: 6 });
    await vault.activity.record({ event: 'backup' });
    expect(vault.activity.verify().problem).toMatchObject({ kind: 'removed', id: 4, through: 6 });
  });

  it('finds unreadable JSON in a record', async () => {
    const vault = await logWith(2);
    byHand(vault, (db) => db.prepare("UPDATE activity SET detail = '{' WHERE id = 1").run());
    expect(vault.activity.verify().problem).toMatchObject({ kind: 'changed', id: 1 });
  });
});

describe('pruning', () => {
  const DAY = 86_400_000;
  const now = new Date();
  const daysAgo = (days: number): Date => new Date(now.getTime() - days * DAY);

  it('removes records past the retention, keeps the chain verifiable, and records itself', async () => {
    // Records 1–4 are 200 to 197 days old, 5–6 ten days old.
    const vault = await logWith(6, (i) => (i < 4 ? daysAgo(200 - i) : daysAgo(10)));
    const result = vault.activity.prune({ now });
    expect(result).toEqual({ pruned: 4, through: 4, olderThanDays: 180 });
    const ids = vault.activity.query({ limit: 10 }).map((r) => r.id);
    expect(ids).toEqual([7, 6, 5]);
    const pruneRecord = vault.activity.query({ event: 'activity-pruned' })[0]!;
    expect(pruneRecord.detail).toMatchObject({ through: 4, records: 4, olderThanDays: 180 });
    expect(vault.activity.verify()).toMatchObject({ intact: true, records: 3, prunedThrough: 4 });
    // A second prune later: the anchor moves on, the count adds up.
    const again = vault.activity.prune({ now: new Date(now.getTime() + 200 * DAY) });
    expect(again.pruned).toBe(3);
    expect(vault.activity.verify()).toMatchObject({ intact: true, records: 1, prunedThrough: 7 });
    const anchor = vault.database.db.prepare('SELECT pruned FROM activity_anchor').get() as {
      pruned: number;
    };
    expect(anchor.pruned).toBe(7);
  });

  it('prunes nothing when nothing is old enough', async () => {
    const vault = await logWith(3);
    expect(vault.activity.prune()).toEqual({ pruned: 0, through: null, olderThanDays: 180 });
    expect(vault.activity.verify().intact).toBe(true);
  });

  it('still finds a change, a removal or a forged anchor after pruning', async () => {
    const make = async (): Promise<Vault> => {
      const vault = await logWith(6, (i) => (i < 3 ? daysAgo(200) : daysAgo(1)));
      vault.activity.prune({ now });
      return vault;
    };
    const changed = await make();
    byHand(changed, (db) => db.prepare("UPDATE activity SET jti = 'x' WHERE id = 5").run());
    expect(changed.activity.verify().problem).toMatchObject({ kind: 'changed', id: 5 });

    const removed = await make();
    byHand(removed, (db) => db.prepare('DELETE FROM activity WHERE id = 4').run());
    expect(removed.activity.verify().problem).toMatchObject({ kind: 'removed', id: 4 });

    // Records removed right after the anchor, with the anchor moved over them by hand.
    const forged = await make();
    byHand(forged, (db) => {
      const row = db.prepare('SELECT hash FROM activity WHERE id = 5').get() as { hash: string };
      db.prepare('DELETE FROM activity WHERE id IN (4, 5)').run();
      db.prepare('UPDATE activity_anchor SET last_id = 5, last_hash = ?').run(row.hash);
    });
    expect(forged.activity.verify().problem).toMatchObject({ kind: 'anchor' });

    // The anchor removed: the records pruned show as removed.
    const unanchored = await make();
    byHand(unanchored, (db) => db.prepare('DELETE FROM activity_anchor').run());
    expect(unanchored.activity.verify().problem).toMatchObject({
      kind: 'removed',
      id: 1,
      through: 3,
    });
  });

  it('refuses to prune records that do not verify, rather than hide the change', async () => {
    const vault = await logWith(4, (i) => (i < 2 ? daysAgo(200) : daysAgo(1)));
    byHand(vault, (db) => db.prepare("UPDATE activity SET kind = 'x' WHERE id = 1").run());
    expect(() => vault.activity.prune({ now })).toThrow(
      /^The activity log does not verify \(Record #1 was changed: .*\) — pruning would hide that/,
    );
    expect(vault.activity.query().length).toBe(4);
    // Automatic pruning leaves it alone, silently: verify is where it is reported.
    expect(vault.activity.pruneIfDue(now)).toBeNull();
  });

  it('prunes by the retention setting, at most every 12 hours per process', async () => {
    const vault = await logWith(3, (i) => (i < 2 ? daysAgo(100) : daysAgo(1)));
    vault.activity.setRetention(90);
    expect(vault.activity.pruneIfDue(now)).toMatchObject({ pruned: 2, olderThanDays: 90 });
    expect(vault.activity.pruneIfDue(now)).toBeNull();
    expect(vault.activity.verify().intact).toBe(true);
    expect(() => vault.activity.setRetention(0)).toThrow(/whole number of days from 1 to 3650/);
  });
});

describe('what a record holds', () => {
  it('keeps the host of a destination, never its address, and removes token-shaped text', async () => {
    const vault = newVault();
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl';
    await vault.activity.record({
      event: 'token-minted',
      destination: `https://kinescope.io/chat/ev?token=${token}`,
      detail: { note: token, link: `https://example.com/x?token=${token}`, count: 2 },
    });
    const [record] = vault.activity.query();
    expect(record!.destination).toBe('kinescope.io');
    expect(record!.detail).toEqual({
      note: '[removed: looks like a token]',
      link: '[removed: looks like a token]',
      count: 2,
    });
    const file = JSON.stringify(vault.database.db.prepare('SELECT * FROM activity').all());
    expect(file).not.toContain(token.split('.')[2]);
  });

  it('picks subject identifiers in one place, by provider', () => {
    expect(
      subjectsOf('kinescope', { aud: 'chat', user_id: 'u1', username: 'Ann', event_id: 'e' }),
    ).toEqual({ user_id: 'u1', username: 'Ann' });
    expect(subjectsOf('frameable', { displayName: 'Bo', email: 'bo@example.com' })).toEqual({
      email: 'bo@example.com',
      displayName: 'Bo',
    });
    expect(subjectsOf('nativeframe', { sub: 'nf-7', data: { displayName: 'Cy' } })).toEqual({
      sub: 'nf-7',
      'data.displayName': 'Cy',
    });
    expect(subjectsOf('vonage', { sub: 'video', application_id: 'a' })).toBeNull();
    expect(subjectsOf('antmedia', { streamId: 's', type: 'publish' })).toBeNull();
    expect(subjectsOf(null, { sub: 'svc', role: 'x' })).toEqual({ sub: 'svc' });
  });

  it('stores subjects as keyed hashes when the vault asks, with the key in the keychain', async () => {
    const vault = newVault();
    await vault.activity.record({ event: 'token-minted', subjects: { email: 'ann@example.com' } });
    expect(vault.activity.query()[0]!.subjects).toEqual({ email: 'ann@example.com' });
    await vault.activity.setHashSubjects(true);
    expect(vault.activityKeyAccount()).toMatch(new RegExp(`^${vault.vaultId}:activity-key:`));
    await vault.activity.record({ event: 'token-minted', subjects: { email: 'ann@example.com' } });
    await vault.activity.record({ event: 'token-minted', subjects: { sub: 'ann@example.com' } });
    const [bySub, byEmail] = vault.activity.query({ event: 'token-minted' });
    expect(byEmail!.subjects!.email).toMatch(/^hmac:[A-Za-z0-9_-]{22}$/);
    // The same person hashes alike under any claim name; nothing plain is left in the database.
    expect(bySub!.subjects!.sub).toBe(byEmail!.subjects!.email);
    expect(vault.activity.query({ subjects: [byEmail!.subjects!.email!] }).length).toBe(2);
    const forms = await vault.activity.subjectForms('ann@example.com');
    expect(forms).toEqual(['ann@example.com', byEmail!.subjects!.email]);
    expect(vault.activity.query({ subjects: forms }).length).toBe(3);
    // Another vault has another key: the same address hashes differently there.
    const other = newVault();
    await other.activity.setHashSubjects(true);
    await other.activity.record({ event: 'token-minted', subjects: { email: 'ann@example.com' } });
    expect(other.activity.query()[0]!.subjects!.email).not.toBe(byEmail!.subjects!.email);
    const settings = vault.activity.query({ event: 'activity-settings' });
    expect(settings[0]!.detail).toEqual({ hashSubjects: true });
    expect(vault.activity.verify().intact).toBe(true);
  });

  it('records key events in the change itself: generated, imported, deleted', async () => {
    const vault = newVault('app');
    const generated = await vault.add(await generateKeyMaterial('ES256'), { name: 'gen' });
    const imported = await vault.add(
      importKeyMaterial('a'.repeat(32), { alg: 'HS256', secretEncoding: 'text' }),
      { name: 'imp', provider: 'antmedia' },
    );
    await vault.remove(generated.id);
    const records = vault.activity.query();
    expect(records.map((r) => [r.event, r.keyId, r.source])).toEqual([
      ['key-deleted', generated.id, 'app'],
      ['key-imported', imported.id, 'app'],
      ['key-generated', generated.id, 'app'],
    ]);
    expect(records[1]).toMatchObject({ kid: imported.kid, provider: 'antmedia' });
    expect(records[0]!.detail).toEqual({ name: 'gen', alg: 'ES256', stillUploaded: false });
    expect(records[2]!.detail).toEqual({ name: 'gen', alg: 'ES256' });
    expect(vault.activity.keyIdsNamed('gen')).toEqual([generated.id]);
    // A refused change leaves no record: the key row and its record commit together.
    await expect(vault.add(await generateKeyMaterial('ES256'), { name: 'imp' })).rejects.toThrow();
    expect(vault.activity.query().length).toBe(3);
  });
});

describe('filters and CSV', () => {
  it('filters by time, key, provider, kind, event and source', async () => {
    const vault = newVault();
    const day = (n: number): Date => new Date(Date.now() - n * 86_400_000);
    await vault.activity.record({
      event: 'token-minted',
      keyId: 'k1',
      kid: 'kid1',
      provider: 'kinescope',
      kind: 'chat',
      at: day(30),
    });
    await vault.activity.record({
      event: 'token-minted',
      keyId: 'k2',
      kid: 'kid2',
      provider: 'frameable',
      kind: 'attendee',
      at: day(10),
    });
    await vault.activity.record({ event: 'backup', at: day(9) });
    const ids = (filter: Parameters<typeof vault.activity.query>[0]): number[] =>
      vault.activity.query(filter).map((r) => r.id);
    expect(ids({})).toEqual([3, 2, 1]);
    expect(ids({ since: day(20).toISOString() })).toEqual([3, 2]);
    expect(ids({ keys: ['kid1'] })).toEqual([1]);
    expect(ids({ keys: ['k2'] })).toEqual([2]);
    expect(ids({ provider: 'kinescope' })).toEqual([1]);
    expect(ids({ kind: 'attendee' })).toEqual([2]);
    expect(ids({ event: 'backup' })).toEqual([3]);
    expect(ids({ source: 'app' })).toEqual([]);
    expect(ids({ limit: 1 })).toEqual([3]);
    expect(ids({ beforeId: 3, limit: 1 })).toEqual([2]);
  });

  it('reads --since as a date, a date-time or a duration back from now', () => {
    const now = new Date('2026-06-10T12:00:00Z');
    expect(parseSince('2026-06-01', now)).toBe('2026-06-01T00:00:00.000Z');
    expect(parseSince('2026-06-01T08:00:00Z', now)).toBe('2026-06-01T08:00:00.000Z');
    expect(parseSince('7d', now)).toBe('2026-06-03T12:00:00.000Z');
    expect(() => parseSince('last week', now)).toThrow(/is not a time to start from/);
  });

  it('writes CSV with a header, pairs for subjects and detail, formulas kept as text', () => {
    const csv = activityCsv([
      {
        id: 1,
        at: '2026-01-01T00:00:00.000Z',
        source: 'cli',
        event: 'token-minted',
        keyId: 'k',
        kid: 'kid',
        provider: 'kinescope',
        kind: '=HYPERLINK("x")',
        jti: null,
        subjects: { user_id: 'u1', username: 'Ann' },
        expiresAt: null,
        destination: 'kinescope.io',
        detail: { via: 'mint' },
      },
    ]);
    const [header, line] = csv.trim().split('\n');
    expect(header).toBe(
      'id,at,source,event,key_id,kid,provider,kind,jti,subjects,expires_at,destination,detail',
    );
    expect(line).toContain('kinescope.io,via=mint');
    expect(line).toContain(`kinescope,"'=HYPERLINK(""x"")",,user_id=u1; username=Ann,`);
  });
});

describe('the hashed text', () => {
  it('is the canonical JSON of the whole record', async () => {
    const { hashOf } = await import('../../main/core/lifecycle/activityChain.ts');
    const { createHash } = await import('node:crypto');
    const row = {
      id: 7,
      at: '2026-01-01T00:00:00.000Z',
      source: 'cli',
      event: 'token-minted',
      key_id: 'k',
      kid: 'kid "quoted"',
      provider: null,
      kind: null,
      jti: 'j',
      subjects: canonicalJson({ sub: 'ann', email: 'a@b' }),
      expires_at: null,
      destination: 'kinescope.io',
      detail: canonicalJson({ via: 'token', n: 2 }),
      prev_hash: GENESIS_HASH,
    };
    const whole = canonicalJson({
      v: 1,
      id: 7,
      at: row.at,
      source: row.source,
      event: row.event,
      keyId: row.key_id,
      kid: row.kid,
      provider: null,
      kind: null,
      jti: 'j',
      subjects: { sub: 'ann', email: 'a@b' },
      expiresAt: null,
      destination: row.destination,
      detail: { via: 'token', n: 2 },
      prev: GENESIS_HASH,
    });
    expect(hashOf(row)).toBe(createHash('sha256').update(whole).digest('hex'));
  });
});
