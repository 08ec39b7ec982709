import { describe, expect, it } from 'vitest';
import { ObsError } from '../../main/core/obs/errors.ts';
import type {
  FreshenOptions,
  FreshenOutcome,
  PushedStream,
} from '../../main/core/obs/keepFresh.ts';
import {
  KEEP_FRESH_PUSHED_SETTING,
  KEEP_FRESH_SETTING,
  KeepFreshRunner,
  type RunnerClock,
} from '../../main/core/obs/keepFreshRunner.ts';
import type { Vault } from '../../main/core/vault/vault.ts';

/** Timers fired by hand; `now` moves only when told. */
class FakeClock implements RunnerClock {
  at = 1_700_000_000_000;
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
  advance(ms: number): void {
    this.at += ms;
    const due = this.timers.filter((t) => t.at <= this.at);
    this.timers = this.timers.filter((t) => !due.includes(t));
    for (const timer of due) timer.fn();
  }
}

/** Just what the runner reads of a vault: its settings table and the key's kid. */
function fakeVault(): Vault & { table: Map<string, unknown> } {
  const table = new Map<string, unknown>();
  return {
    table,
    settings: {
      get: (name: string) => table.get(name),
      set: (n: string, v: unknown) => table.set(n, v),
    },
    find: () => ({ kid: 'kid-1', name: 'ams' }),
  } as unknown as Vault & { table: Map<string, unknown> };
}

const CONFIG = {
  enabled: true,
  provider: 'antmedia',
  kind: 'publish',
  key: 'k1',
  params: { host: 'media.example.com', stream: 'stream1' },
  marginSeconds: 600,
};
const PUSHED: PushedStream = {
  type: 'rtmp_custom',
  server: 'rtmp://media.example.com/LiveApp',
  streamName: 'stream1',
};

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(
  look: (options: FreshenOptions, last: PushedStream | null) => Promise<FreshenOutcome>,
) {
  const clock = new FakeClock();
  const vault = fakeVault();
  const logged: string[] = [];
  const runner = new KeepFreshRunner({
    vault,
    clock,
    look,
    target: () => Promise.resolve({ url: 'ws://127.0.0.1:4455' }),
    log: (m) => logged.push(m),
  });
  return { clock, vault, runner, logged };
}

describe('the keep-fresh runner', () => {
  it('stays off without enabled settings', () => {
    const { runner, clock, vault } = setup(() => Promise.reject(new Error('not expected')));
    runner.resume();
    expect(runner.running).toBe(false);
    vault.table.set(KEEP_FRESH_SETTING, { ...CONFIG, enabled: false });
    runner.resume();
    expect(runner.running).toBe(false);
    expect(clock.timers).toEqual([]);
    expect(runner.snapshot()).toMatchObject({ running: false, last: null, nextCheckAt: null });
  });

  it('looks at once, then every 30 s with its own clock and what it pushed last; stop ends it', async () => {
    const seen: { now: number; last: PushedStream | null; kid: string; margin: number }[] = [];
    const { runner, clock, vault } = setup((options, last) => {
      seen.push({ now: options.now!(), last, kid: options.kid, margin: options.marginSeconds });
      return Promise.resolve(
        seen.length === 1
          ? {
              decision: { action: 'push', reason: 'OBS holds no token signed with this key.' },
              pushed: PUSHED,
            }
          : { decision: { action: 'wait', reason: "OBS's token is good for 9m." }, pushed: null },
      );
    });
    vault.table.set(KEEP_FRESH_SETTING, CONFIG);
    runner.resume();
    expect(runner.running).toBe(true);
    expect(runner.snapshot().nextCheckAt).toBe(new Date(clock.at).toISOString());
    clock.advance(0);
    await runner.idle();
    await settle();
    expect(seen).toEqual([{ now: clock.at, last: null, kid: 'kid-1', margin: 600 }]);
    expect(runner.snapshot().last).toEqual({
      at: new Date(clock.at).toISOString(),
      message: 'OBS holds no token signed with this key. Pushed a fresh token.',
      pushed: true,
      problem: false,
    });
    // Where it pointed OBS is kept (no key in it), for the next look and the next start.
    expect(vault.table.get(KEEP_FRESH_PUSHED_SETTING)).toEqual(PUSHED);
    expect(runner.snapshot().nextCheckAt).toBe(new Date(clock.at + 30_000).toISOString());

    clock.advance(29_999);
    await settle();
    expect(seen).toHaveLength(1);
    clock.advance(1);
    await runner.idle();
    await settle();
    expect(seen).toHaveLength(2);
    expect(seen[1]!.last).toEqual(PUSHED);
    expect(runner.snapshot().last?.message).toBe("OBS's token is good for 9m.");

    runner.stop();
    expect(clock.timers).toEqual([]);
    clock.advance(120_000);
    await settle();
    expect(seen).toHaveLength(2);
    expect(runner.snapshot()).toMatchObject({ running: false, nextCheckAt: null });
  });

  it('never runs two looks at once', async () => {
    let release: () => void = () => undefined;
    let calls = 0;
    const { runner, vault } = setup(() => {
      calls += 1;
      return new Promise((resolve) => {
        release = () => resolve({ decision: { action: 'wait', reason: 'later' }, pushed: null });
      });
    });
    vault.table.set(KEEP_FRESH_SETTING, CONFIG);
    const first = runner.tick();
    const second = runner.tick();
    await settle();
    expect(calls).toBe(1);
    release();
    expect(await first).toBe(await second);
  });

  it('reports OBS problems and Keycast’s own mistakes as problems, and keeps looking', async () => {
    let fail: Error = new ObsError(
      'not-running',
      'OBS is not running (nothing answers at ws://127.0.0.1:4455): start OBS.',
    );
    const { runner, clock, vault, logged } = setup(() => Promise.reject(fail));
    vault.table.set(KEEP_FRESH_SETTING, CONFIG);
    runner.resume();
    clock.advance(0);
    await runner.idle();
    await settle();
    expect(runner.snapshot().last).toMatchObject({
      problem: true,
      pushed: false,
      message: 'OBS is not running (nothing answers at ws://127.0.0.1:4455): start OBS.',
    });
    expect(runner.running).toBe(true);
    expect(clock.timers).toHaveLength(1);

    fail = new TypeError('secret-looking detail');
    clock.advance(30_000);
    await runner.idle();
    await settle();
    expect(runner.snapshot().last?.message).toBe(
      'Something unexpected went wrong; Keycast tries again shortly.',
    );
    // The log names the error's kind only, never its message.
    expect(logged).toEqual(['keycast: keep-fresh failed: TypeError']);
    expect(clock.timers).toHaveLength(1);
    runner.stop();
  });
});
