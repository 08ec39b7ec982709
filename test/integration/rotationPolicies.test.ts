import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppCore } from '../../main/core/ipc/handlers.ts';
import { SettingsStore } from '../../main/core/ipc/settingsStore.ts';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { maintain } from '../../main/core/lifecycle/maintain.ts';
import { MAINTAIN_INTERVAL_MS, MaintainRunner } from '../../main/core/lifecycle/maintainRunner.ts';
import { isDue, policyFor, setPolicy } from '../../main/core/lifecycle/policies.ts';
import {
  continueRotation,
  findOpenRotation,
  startRotation,
  type RotationEnv,
} from '../../main/core/lifecycle/rotation.ts';
import { KEEP_FRESH_SETTING } from '../../main/core/lifecycle/rotationSwitch.ts';
import { SqliteLinkStore } from '../../main/core/links/sqliteLinks.ts';
import type { RedirectLink } from '../../main/core/links/types.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { runCli, tempHome } from '../helpers/cli.ts';
import { TestDesktop } from '../helpers/desktop.ts';
import { pem, rsaKey } from '../helpers/keys.ts';

const DAY = 86_400_000;

let vault: Vault;
let now: number;
beforeEach(() => {
  vault = new Vault({ dataDir: tempHome() });
  now = Date.now();
});
afterEach(async () => {
  for (const r of vault.list())
    await vault.remove(r.id, { evenIfUploaded: true, evenIfRetiring: true }).catch(() => undefined);
  await vault.close();
});

const env = (): RotationEnv => ({ vault, now: () => new Date(now) });

function link(id: string, keyId: string, provider = 'frameable', kind = 'attendee'): RedirectLink {
  return {
    id,
    hash: `hash-${id}`,
    provider,
    kind,
    keyId,
    params: {},
    tokenTtlSeconds: 300,
    validFrom: null,
    validUntil: null,
    maxUses: null,
    uses: 0,
    confirm: false,
    label: id,
    note: '',
    createdAt: new Date(now).toISOString(),
    revokedAt: null,
    lastClickAt: null,
  };
}

describe('policies: due at their boundary, started by maintain, moved to the successor', () => {
  it('is not due a millisecond before rotate-every has passed, due at it; maintain starts it then and retires after the overlap', async () => {
    const key = await vault.add(await generateKeyMaterial('ES256'), {
      name: 'cam',
      provider: 'mediamtx',
    });
    const created = Date.parse(key.createdAt);
    const policy = setPolicy(vault, 'cam', {
      rotateEverySeconds: 90 * 86400,
      overlapSeconds: 3600,
    });
    expect(policy).toMatchObject({ since: key.createdAt, overlapSeconds: 3600 });
    expect(policy.dueAt).toBe(new Date(created + 90 * DAY).toISOString());
    expect(isDue(policy, new Date(created + 90 * DAY - 1))).toBe(false);
    expect(isDue(policy, new Date(created + 90 * DAY))).toBe(true);

    now = created + 90 * DAY - 1;
    expect(await maintain(env())).toMatchObject({ actions: [], failed: 0 });
    expect(vault.list()).toHaveLength(1);

    now = created + 90 * DAY;
    const started = await maintain(env());
    expect(started.failed).toBe(0);
    expect(started.actions).toEqual([expect.objectContaining({ kind: 'started', key: 'cam' })]);
    expect(started.actions[0]!.message).toMatch(
      /^due since .*Created the successor.*Switched: "cam" now signs/,
    );
    const successor = vault.find('cam');
    expect(successor.id).not.toBe(key.id);
    // The policy went with the name: due again 90 days after the switch.
    const moved = policyFor(vault, 'cam')!;
    expect(moved.keyId).toBe(successor.id);
    expect(moved.since).toBe(new Date(now).toISOString());
    expect(policyFor(vault, key.id)).toBeNull();

    now += 3600_000 - 1;
    expect((await maintain(env())).actions).toEqual([]);
    now += 1;
    const retired = await maintain(env());
    expect(retired.actions).toEqual([expect.objectContaining({ kind: 'advanced', key: 'cam' })]);
    expect(vault.find(key.id).status).toBe('retired');
    // Nothing more to do until the next due date.
    expect((await maintain(env())).actions).toEqual([]);
  });

  it('is refused when it would overlap itself, or when the overlap cannot be known', async () => {
    await vault.add(await generateKeyMaterial('ES256'), { name: 'bare' });
    expect(() => setPolicy(vault, 'bare', { rotateEverySeconds: 90 * 86400 })).toThrow(
      'Key "bare" has no provider, so Keycast cannot know how long its tokens live: pass --overlap with the longest lifetime its tokens are given (e.g. --overlap 24h).',
    );
    await vault.add(await generateKeyMaterial('RS256'), { name: 'chat', provider: 'kinescope' });
    expect(() => setPolicy(vault, 'chat', { rotateEverySeconds: 7 * 86400 })).toThrow(
      /--rotate-every 7d is not longer than the overlap \(7d\)/,
    );
  });

  it('maintain reports a failure (and counts it) while the others carry on', async () => {
    const chat = await vault.add(await generateKeyMaterial('RS256'), {
      name: 'chat',
      provider: 'kinescope',
    });
    // Recorded as uploaded to a Kinescope nobody answers for.
    vault.recordUpload(chat.id, {
      provider: 'kinescope',
      remoteId: 'k-1',
      uploadedAt: new Date(now).toISOString(),
      expiresAt: null,
    });
    await vault.setCredential('kinescope', '3f0c6a52-8a1e-4c7b-9d51-2b7e0a9c4d11');
    setPolicy(vault, 'chat', {
      rotateEverySeconds: 30 * 86400,
      params: { apiUrl: 'http://127.0.0.1:9' },
    });
    await vault.add(await generateKeyMaterial('ES256'), { name: 'cam', provider: 'mediamtx' });
    setPolicy(vault, 'cam', { rotateEverySeconds: 30 * 86400, overlapSeconds: 60 });
    now += 31 * DAY;
    const report = await maintain(env());
    expect(report.failed).toBe(1);
    expect(report.actions.map((a) => [a.kind, a.key]).sort()).toEqual([
      ['failed', 'chat'],
      ['started', 'cam'],
    ]);
    expect(report.actions.find((a) => a.kind === 'failed')!.message).toMatch(/Kinescope/);
    // The failed start left a rotation to resume: the next run tries its step again.
    const again = await maintain(env());
    expect(again.actions.map((a) => [a.kind, a.key])).toEqual([['failed', 'chat']]);
    await vault.deleteCredential('kinescope');
  });
});

describe('one-key platforms: no switch without confirmation', () => {
  it('Frameable: the PEM to paste, nothing moves until the paste is confirmed; then links and keep-fresh move and the old key is retired at once', async () => {
    const predecessor = await vault.add(await generateKeyMaterial('RS256'), {
      name: 'frame',
      provider: 'frameable',
    });
    const store = new SqliteLinkStore(vault.database);
    await store.create(link('attendee-1', predecessor.id));
    vault.settings.set(KEEP_FRESH_SETTING, {
      enabled: false,
      key: predecessor.id,
      marginSeconds: 600,
    });
    const started = await startRotation(env(), 'frame');
    expect(started.waiting).toMatchObject({ reason: 'confirmation', until: null });
    expect(started.instructions.map((s) => s.title)).toEqual([
      'Frameable holds one key: there is no overlap',
      "Open the event's sign-in settings",
      'Paste the public key',
      'Confirm the paste',
    ]);
    expect(started.instructions[0]!.detail).toBe(
      'Tokens minted with the old key stop working as soon as Frameable holds the new one. Redirect links are unaffected: they mint a fresh token at each click.',
    );
    expect(started.instructions[2]!.value).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(JSON.stringify(started)).not.toMatch(/PRIVATE/);

    // Neither maintain nor a plain resume switches, however late it is.
    now += 365 * DAY;
    const waiting = await maintain(env());
    expect(waiting.actions).toEqual([expect.objectContaining({ kind: 'waiting', key: 'frame' })]);
    expect(waiting.failed).toBe(0);
    const resumed = await continueRotation(env(), findOpenRotation(vault, 'frame').id);
    expect(resumed.waiting?.reason).toBe('confirmation');
    expect(vault.find('frame').id).toBe(predecessor.id);
    expect((await store.find('attendee-1'))?.keyId).toBe(predecessor.id);

    const confirmed = await continueRotation(env(), findOpenRotation(vault, 'frame').id, {
      confirm: true,
    });
    expect(confirmed.waiting).toBeNull();
    expect(confirmed.rotation.completedAt).not.toBeNull();
    const successor = vault.find('frame');
    expect(successor.id).not.toBe(predecessor.id);
    expect((await store.find('attendee-1'))?.keyId).toBe(successor.id);
    expect(vault.settings.get(KEEP_FRESH_SETTING)).toMatchObject({ key: successor.id });
    expect(vault.find(predecessor.id).status).toBe('retired');
    // Retired: no link names it any more, and it may be deleted.
    await vault.remove(predecessor.id);
  });

  it('Vonage: a private.key from the dashboard comes in with keys import --replaces; the switch waits for --confirm-pasted', async () => {
    const home = tempHome();
    const app = '0b7d4c5e-1111-4222-8333-944455556666';
    const file = (name: string, text: string) => {
      const path = `${home}/${name}`;
      writeFileSync(path, text);
      return path;
    };
    const first = file('first.key', pem(rsaKey(), 'pkcs8'));
    const second = file('private.key', pem(rsaKey(), 'pkcs8'));
    const cli = (args: string[]) => runCli(args, { home });
    expect(
      (
        await cli([
          'keys',
          'import',
          first,
          '--provider',
          'vonage',
          '--app-id',
          app,
          '--name',
          'video',
        ])
      ).code,
    ).toBe(0);
    const wrong = await cli(['keys', 'import', second, '--replaces', 'video', '--name', 'x']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--replaces takes the name, provider and attributes/);
    const imported = await cli(['keys', 'import', second, '--replaces', 'video']);
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toMatch(/^Imported "video \(next\)" \(kid .*\) to replace "video"\./);
    expect(imported.stdout).toContain('keycast keys rotate "video" --confirm-pasted');
    const list = async () =>
      JSON.parse((await cli(['keys', 'list', '--json'])).stdout) as {
        name: string;
        status: string;
        attributes?: Record<string, string>;
      }[];
    expect((await list()).map((k) => [k.name, k.status])).toEqual([
      ['video', 'active'],
      ['video (next)', 'active'],
    ]);
    const shown = await cli(['keys', 'rotate', 'video', '--resume']);
    expect(shown.stdout).toContain('Vonage Video holds one key: there is no overlap');
    expect(shown.stdout).not.toContain('Replace its public key');
    expect((await cli(['keys', 'rotate', 'video', '--confirm-pasted'])).code).toBe(0);
    const after = await list();
    expect(after.find((k) => k.name === 'video')?.attributes).toEqual({ applicationId: app });
    expect(after.map((k) => k.status).sort()).toEqual(['active', 'retired']);
  });
});

describe('the app deletes a retiring key only when told to', () => {
  it('deleteKey refuses with the end of the overlap, and deletes with evenIfRetiring', async () => {
    await vault.add(await generateKeyMaterial('ES256'), { name: 'cam', provider: 'mediamtx' });
    const outcome = await startRotation(env(), 'cam', { overlapSeconds: 3600 });
    const core = createAppCore({
      vault,
      settings: new SettingsStore(vault.settings),
      ports: new TestDesktop(),
      version: 'test',
      progress: () => undefined,
    });
    const retiringId = outcome.rotation.predecessor!.id;
    await expect(core.handlers.deleteKey({ id: retiringId, evenIfUploaded: true })).rejects.toThrow(
      `Key "cam (retiring)" is retiring until ${outcome.rotation.retireAfter}`,
    );
    const details = (await core.handlers.keyDetails({ id: 'cam' })) as { jwks: string };
    expect((JSON.parse(details.jwks) as { keys: unknown[] }).keys).toHaveLength(2);
    expect(
      await core.handlers.deleteKey({
        id: retiringId,
        evenIfUploaded: false,
        evenIfRetiring: true,
      }),
    ).toEqual({ deleted: retiringId });
    core.keepFresh.stop();
  });
});

describe("the app's hourly maintenance (MaintainRunner)", () => {
  it('runs at start and every hour on its clock: a rotation is retired at the first run after its overlap', async () => {
    const timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
    const clock = {
      now: () => now,
      schedule(fn: () => void, ms: number) {
        const timer = { at: now + ms, fn, cancelled: false };
        timers.push(timer);
        return () => (timer.cancelled = true);
      },
    };
    const fire = async (runner: MaintainRunner) => {
      for (const timer of timers.filter((t) => !t.cancelled && t.at <= now)) {
        timer.cancelled = true;
        timer.fn();
        await runner.idle();
        await Promise.resolve();
      }
    };
    await vault.add(await generateKeyMaterial('ES256'), { name: 'cam', provider: 'mediamtx' });
    const started = await startRotation(env(), 'cam', { overlapSeconds: 5400 });
    const reports: string[][] = [];
    const runner = new MaintainRunner({
      vault,
      clock,
      onReport: (r) => reports.push(r.actions.map((a) => `${a.kind} ${a.key}`)),
    });
    runner.start();
    await fire(runner);
    expect(reports).toEqual([[]]);
    now += MAINTAIN_INTERVAL_MS;
    await fire(runner);
    expect(reports).toEqual([[], []]);
    now += MAINTAIN_INTERVAL_MS;
    await fire(runner);
    expect(reports).toEqual([[], [], ['advanced cam']]);
    expect(vault.find(started.rotation.predecessor!.id).status).toBe('retired');
    runner.stop();
    now += MAINTAIN_INTERVAL_MS;
    await fire(runner);
    expect(reports).toHaveLength(3);
  });
});
