import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StatusItem } from '../../shared/status.ts';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { ReminderRunner } from '../../main/core/lifecycle/reminderRunner.ts';
import {
  planReminders,
  readLedger,
  REMINDER_SETTING,
  takeDueReminders,
  type Reminder,
} from '../../main/core/lifecycle/reminders.ts';
import { datedItems } from '../../main/core/lifecycle/status.ts';
import type { RotationView } from '../../main/core/lifecycle/statusSources.ts';
import type { RunnerClock } from '../../main/core/obs/keepFreshRunner.ts';
import type { SecretStore } from '../../main/core/vault/secretStore.ts';
import { Vault } from '../../main/core/vault/vault.ts';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;
/** The expiry every test counts down to. */
const T = Date.parse('2031-03-15T12:00:00.000Z');
const EXPIRY = new Date(T).toISOString();

/** Private material in memory: these tests are about dates, not the keychain. */
class MemorySecrets implements SecretStore {
  readonly items = new Map<string, Uint8Array>();
  read(account: string) {
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

/** Timers fired by hand; `now` moves only when told. */
class FakeClock implements RunnerClock {
  at: number;
  constructor(at: number) {
    this.at = at;
  }
  timers: { at: number; fn: () => void }[] = [];
  now(): number {
    return this.at;
  }
  schedule(fn: () => void, ms: number): () => void {
    const timer = { at: this.at + ms, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }
  /** Moves time on, firing each timer at its own moment (a timer may set the next one). */
  advanceTo(at: number): void {
    for (;;) {
      const next = this.timers.filter((t) => t.at <= at).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.at = next.at;
      next.fn();
    }
    this.at = at;
  }
}

const none: RotationView = { retiring: [], waiting: [] };

function keyItem(at: string | null, id = 'key:k1'): StatusItem {
  return {
    id,
    kind: 'key-expiring',
    key: { id: 'k1', name: 'chat' },
    at,
    message: 'Key "chat" expires soon: rotate it.',
  };
}

/** The reminder days sent over a walk through the given moments, carrying the ledger along. */
function walk(moments: number[], item = keyItem(EXPIRY)): (number | null)[] {
  let ledger = {};
  return moments.map((now) => {
    const plan = planReminders([item], ledger, new Date(now));
    ledger = plan.ledger;
    expect(plan.due.length).toBeLessThanOrEqual(1);
    return plan.due[0]?.days ?? null;
  });
}

describe('planReminders at the exact boundaries (pure)', () => {
  // With nothing sent yet: a second before N days the farther reminder (if any) is due, at N
  // days and a second after it the N-day one.
  it.each([
    [14, []],
    [7, [14]],
    [1, [7]],
  ])('%i days before: a second earlier %j, then that reminder', (days, before) => {
    const at = (offset: number) =>
      planReminders([keyItem(EXPIRY)], {}, new Date(T - days * DAY + offset)).due.map(
        (r) => r.days,
      );
    expect(at(-SECOND)).toEqual(before);
    expect(at(0)).toEqual([days]);
    expect(at(SECOND)).toEqual([days]);
  });

  it('sends 14, 7 and 1 days before, each once, and nothing after the expiry', () => {
    expect(
      walk([
        T - 14 * DAY - SECOND,
        T - 14 * DAY,
        T - 14 * DAY + SECOND,
        T - 10 * DAY,
        T - 7 * DAY - SECOND,
        T - 7 * DAY,
        T - 7 * DAY + HOUR,
        T - DAY - SECOND,
        T - DAY,
        T - DAY + SECOND,
        T - SECOND,
        T,
        T + DAY,
      ]),
    ).toEqual([null, 14, null, null, null, 7, null, null, 1, null, null, null, null]);
  });

  it('sends only the nearest reminder for days passed unseen, then the next ones', () => {
    // The app was closed until five days before: one "7 days" reminder, not a 14 and a 7.
    expect(walk([T - 5 * DAY, T - 5 * DAY + HOUR, T - DAY, T - HOUR])).toEqual([7, null, 1, null]);
    expect(walk([T - 2 * HOUR, T - HOUR])).toEqual([1, null]);
  });

  it('re-arms a thing whose expiry changed, and forgets what is no longer coming', () => {
    const first = planReminders([keyItem(EXPIRY)], {}, new Date(T - 7 * DAY));
    expect(first.due.map((r) => r.days)).toEqual([7]);
    expect(first.ledger).toEqual({ 'key:k1': { at: EXPIRY, sent: [14, 7] } });
    const later = new Date(T + 10 * DAY).toISOString();
    // Moved ten days later: 17 days off, nothing yet; 14 days before the new date, again.
    const moved = planReminders([keyItem(later)], first.ledger, new Date(T - 7 * DAY + HOUR));
    expect(moved).toEqual({ due: [], ledger: { 'key:k1': { at: later, sent: [] } } });
    const again = planReminders([keyItem(later)], moved.ledger, new Date(T - 4 * DAY));
    expect(again.due.map((r) => r.days)).toEqual([14]);
    // Gone from the items (deleted, expired, moved beyond the window): dropped from the ledger.
    expect(planReminders([], again.ledger, new Date(T - 4 * DAY)).ledger).toEqual({});
  });

  it('reminds nothing without an expiry, nor for kinds that are not expiries', () => {
    const now = new Date(T - DAY);
    expect(planReminders([keyItem(null)], {}, now)).toEqual({ due: [], ledger: {} });
    for (const kind of ['key-expired', 'retiring', 'secret-missing', 'quarantined'] as const) {
      expect(planReminders([{ ...keyItem(EXPIRY), kind }], {}, now).due).toEqual([]);
    }
  });

  it('words a reminder with how far off it is and the item’s sentence', () => {
    const [reminder] = planReminders([keyItem(EXPIRY)], {}, new Date(T - 7 * DAY)).due;
    expect(reminder).toMatchObject({
      id: 'key:k1',
      days: 7,
      title: 'Key "chat" expires in 7d',
      body: 'Key "chat" expires soon: rotate it.',
    });
  });
});

describe('reminders of a real vault (SQLite, fake clock)', () => {
  let dir: string;
  let secrets: MemorySecrets;
  let vault: Vault;
  const open = () => new Vault({ dataDir: dir, secrets });
  const take = (at: number): Reminder[] => takeDueReminders(vault, new Date(at), () => none);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keycast-reminders-'));
    secrets = new MemorySecrets();
    vault = open();
  });
  afterEach(async () => {
    await vault.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const addKey = async (name: string, expiresAt: string | null) =>
    vault.add(await generateKeyMaterial('ES256'), { name, expiresAt });

  it('remembers what was sent across a restart, and re-arms a key whose expiry changed', async () => {
    const key = await addKey('chat', EXPIRY);
    expect(take(T - 14 * DAY - SECOND)).toEqual([]);
    expect(take(T - 14 * DAY).map((r) => [r.id, r.days])).toEqual([[`key:${key.id}`, 14]]);
    expect(take(T - 14 * DAY)).toEqual([]);
    await vault.close();
    vault = open();
    expect(take(T - 8 * DAY)).toEqual([]);
    expect(readLedger(vault)).toEqual({ [`key:${key.id}`]: { at: EXPIRY, sent: [14] } });

    const later = new Date(T + 30 * DAY).toISOString();
    vault.database.transaction(() =>
      vault.database.db.prepare('UPDATE keys SET expires_at = ? WHERE id = ?').run(later, key.id),
    );
    expect(take(T - 7 * DAY)).toEqual([]); // 37 days off: beyond the window, forgotten
    expect(readLedger(vault)).toEqual({});
    expect(take(T + 16 * DAY).map((r) => r.days)).toEqual([14]);
  });

  it('reminds nothing for keys without expiry or retired ones; uploads have their own', async () => {
    const forever = await addKey('forever', null);
    const retired = await addKey('old', EXPIRY);
    vault.database.transaction(() =>
      vault.database.db.prepare("UPDATE keys SET status = 'retired' WHERE id = ?").run(retired.id),
    );
    for (const at of [T - 14 * DAY, T - 7 * DAY, T - DAY]) expect(take(at)).toEqual([]);
    expect(readLedger(vault)).toEqual({});

    vault.recordUpload(forever.id, {
      provider: 'kinescope',
      remoteId: 'r-1',
      uploadedAt: new Date(T - 300 * DAY).toISOString(),
      expiresAt: EXPIRY,
    });
    const [upload] = take(T - 7 * DAY);
    expect(upload).toMatchObject({
      id: `upload:${forever.id}:kinescope:r-1`,
      days: 7,
      title: 'The uploaded key "forever" expires in 7d',
    });
    expect(upload!.body).toMatch(/^The public key of "forever" at kinescope \(r-1\) expires there/);
  });

  it('treats a damaged ledger as nothing sent', async () => {
    await addKey('chat', EXPIRY);
    vault.settings.set(REMINDER_SETTING, ['not', 'a', 'ledger']);
    expect(take(T - DAY).map((r) => r.days)).toEqual([1]);
  });

  it('the runner looks at start and every hour, hands each reminder to notify once, and stops', async () => {
    await addKey('chat', EXPIRY);
    const clock = new FakeClock(T - 14 * DAY - 30 * 60 * SECOND);
    const shown: { at: number; days: number }[] = [];
    const runner = new ReminderRunner({
      vault,
      clock,
      rotations: () => none,
      notify: (r) => shown.push({ at: clock.now(), days: r.days }),
    });
    runner.start();
    expect(clock.timers.map((t) => t.at)).toEqual([clock.at]);
    clock.advanceTo(T + DAY);
    // The first look after each boundary: within the hour, never twice.
    expect(shown).toEqual([
      { at: T - 14 * DAY + 30 * 60 * SECOND, days: 14 },
      { at: T - 7 * DAY + 30 * 60 * SECOND, days: 7 },
      { at: T - DAY + 30 * 60 * SECOND, days: 1 },
    ]);
    expect(runner.running).toBe(true);
    runner.stop();
    expect(runner.running).toBe(false);
    expect(clock.timers).toEqual([]);
  });

  it('keeps going when notify throws, and logs a database it cannot read without marking anything', async () => {
    await addKey('chat', EXPIRY);
    const clock = new FakeClock(T - DAY);
    const logged: string[] = [];
    const runner = new ReminderRunner({
      vault,
      clock,
      rotations: () => none,
      notify: () => {
        throw new Error('no notification server');
      },
      log: (m) => logged.push(m),
    });
    expect(runner.tick().map((r) => r.days)).toEqual([1]);
    expect(logged).toEqual(['keycast: an expiry reminder could not be shown']);
    vault.database.db.exec('DROP TABLE settings');
    expect(runner.tick()).toEqual([]);
    expect(logged[1]).toMatch(
      /^keycast: the expiry reminders could not be read: Keycast could not use its database/,
    );
  });
});

describe('datedItems feeds the reminders only what expires', () => {
  it('leaves out a retiring key’s own expiry but reports its overlap end', () => {
    const record = {
      id: 'k1',
      name: 'chat',
      alg: 'ES256' as const,
      kid: 'kid-1',
      publicJwk: null,
      createdAt: new Date(T - 100 * DAY).toISOString(),
      expiresAt: EXPIRY,
      provider: null,
      notes: '',
      status: 'active' as const,
    };
    const ends = new Date(T - 2 * DAY).toISOString();
    const items = datedItems(
      [record],
      { retiring: [{ keyId: 'k1', overlapEndsAt: ends }], waiting: [] },
      new Date(T - 5 * DAY),
    );
    expect(items.map((i) => [i.kind, i.at])).toEqual([['retiring', ends]]);
  });
});
