import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action, Envelope, RequestOf, ResponseOf } from '../../shared/ipc.ts';
import { createDispatch, type Dispatch } from '../../main/core/ipc/dispatch.ts';
import { createAppCore, type AppCore } from '../../main/core/ipc/handlers.ts';
import { SettingsStore } from '../../main/core/ipc/settingsStore.ts';
import type { RunnerClock } from '../../main/core/obs/keepFreshRunner.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { TestDesktop } from '../helpers/desktop.ts';
import {
  liveStreams,
  nginxRtmpMissing,
  startNginxRtmp,
  type NginxRtmp,
} from '../helpers/nginxRtmp.ts';
import {
  obsLabMissing,
  obsStreamSettings,
  setObsOutput,
  startObsLab,
  withObsSocket,
  type ObsLab,
} from '../helpers/obsLab.ts';

/**
 * The app's OBS actions over the real core, against real OBS Studio (under Xvfb) streaming to a
 * real nginx-rtmp that lets every publish in: what the Mint screen's "Send to OBS" and Settings →
 * OBS do, checked from OBS's side with obs-websocket-js directly. No answer may carry the
 * obs-websocket password, the stream key or the token in it.
 */
const missing = obsLabMissing() ?? nginxRtmpMissing();

/** Time for the keep-fresh runner: real time plus an offset, timers fired by hand. */
class FakeClock implements RunnerClock {
  offset = 0;
  timers: { at: number; fn: () => void }[] = [];
  now(): number {
    return Date.now() + this.offset;
  }
  schedule(fn: () => void, ms: number): () => void {
    const timer = { at: this.now() + ms, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }
  /** Moves time on and runs the timers now due. */
  advance(ms: number): void {
    this.offset += ms;
    const due = this.timers.filter((t) => t.at <= this.now());
    this.timers = this.timers.filter((t) => !due.includes(t));
    for (const timer of due) timer.fn();
  }
}

const setObsSettings = (lab: ObsLab, server: string, key: string): Promise<void> =>
  withObsSocket(lab, async (obs) => {
    await obs.call('SetStreamServiceSettings', {
      streamServiceType: 'rtmp_custom',
      streamServiceSettings: { server, key },
    });
  });

const tokenIn = (key: unknown): string =>
  new URLSearchParams(String(key).split('?')[1] ?? '').get('token') ?? '';

describe.skipIf(missing)('the app’s OBS actions against real OBS Studio', () => {
  let lab: ObsLab;
  let nginx: NginxRtmp;
  let home: string;
  let vault: Vault;
  let core: AppCore;
  let dispatch: Dispatch;
  let keyId: string;
  let params: Record<string, string | boolean>;
  const clock = new FakeClock();
  /** Every answer of an OBS action, checked at the end for the password, keys and tokens. */
  const answers: { action: Action; text: string }[] = [];
  /** Every stream key OBS held and every token in one. */
  const secrets = new Set<string>();

  async function act<A extends Action>(
    action: A,
    request: RequestOf<A>,
  ): Promise<Envelope<ResponseOf<A>>> {
    const envelope = (await dispatch(action, request)) as Envelope<ResponseOf<A>>;
    answers.push({ action, text: JSON.stringify(envelope) });
    return envelope;
  }
  async function ok<A extends Action>(action: A, request: RequestOf<A>): Promise<ResponseOf<A>> {
    const envelope = await act(action, request);
    if (!envelope.ok) throw new Error(`${action}: ${envelope.error.message}`);
    return envelope.value;
  }
  async function refused<A extends Action>(action: A, request: RequestOf<A>): Promise<string> {
    const envelope = await act(action, request);
    expect(envelope.ok, JSON.stringify(envelope)).toBe(false);
    return envelope.ok ? '' : envelope.error.message;
  }
  /** Notes what OBS holds now as a secret no answer may show. */
  async function remember(): Promise<Record<string, unknown>> {
    const { settings } = await obsStreamSettings(lab);
    if (typeof settings.key === 'string') {
      secrets.add(settings.key);
      const token = tokenIn(settings.key);
      if (token) secrets.add(token).add(token.split('.')[2]!);
    }
    return settings;
  }
  async function look(): Promise<ResponseOf<'obsKeepFreshState'>> {
    clock.advance(30_000);
    await core.keepFresh.idle();
    // The next look is scheduled once the one under way has reported.
    await new Promise((resolve) => setImmediate(resolve));
    return ok('obsKeepFreshState', {});
  }

  beforeAll(async () => {
    [lab, nginx] = await Promise.all([startObsLab(), startNginxRtmp()]);
    home = mkdtempSync(join(tmpdir(), 'keycast-obs-ipc-'));
    vault = new Vault({ dataDir: home });
    core = createAppCore({
      vault,
      settings: new SettingsStore(vault.settings),
      ports: new TestDesktop(),
      version: 'test',
      progress: () => undefined,
      obs: { keepFresh: { clock }, startTimeoutMs: 20_000 },
    });
    dispatch = createDispatch(core.handlers);
    keyId = (
      await ok('generateKey', { jobId: 'ams', alg: 'HS256', name: 'ams', provider: 'antmedia' })
    ).key.id;
    const rtmp = new URL(nginx.rtmpUrl);
    params = { host: '127.0.0.1', tls: false, rtmpPort: rtmp.port, stream: 'stream1' };
  }, 90_000);

  afterAll(async () => {
    core?.keepFresh.stop();
    await core?.keepFresh.idle();
    await vault?.close();
    await Promise.all([lab?.stop(), nginx?.stop()]);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('tests the connection: no password, a wrong one, the typed one; saves it write-only', async () => {
    expect(await ok('getObsConnection', {})).toEqual({
      url: 'ws://127.0.0.1:4455',
      defaultUrl: 'ws://127.0.0.1:4455',
      passwordStored: false,
    });
    const none = await ok('testObsConnection', { url: lab.url });
    expect(none).toMatchObject({ state: 'problem', problem: 'password-missing', status: null });
    expect(none.message).toMatch(/^OBS asks for an obs-websocket password and none is stored/);
    expect(none.message).toContain('save it in Keycast under Settings → OBS');

    await ok('saveObsConnection', { url: lab.url, password: 'not-the-password' });
    const wrong = await ok('testObsConnection', {});
    expect(wrong).toMatchObject({ state: 'problem', problem: 'password-wrong', url: lab.url });
    expect(wrong.message).toBe(
      'OBS refused the obs-websocket password: copy it from OBS (Tools → WebSocket Server Settings → Show Connect Info) and save it in Keycast under Settings → OBS.',
    );
    // The typed password is tried without being saved.
    const typed = await ok('testObsConnection', { password: lab.password });
    expect(typed).toMatchObject({ state: 'ready', problem: null, message: null });
    expect(typed.status?.websocketVersion).toMatch(/^5\./);
    expect((await ok('obsState', {})).problem).toBe('password-wrong');

    expect(await ok('saveObsConnection', { url: lab.url, password: lab.password })).toEqual({
      url: lab.url,
      defaultUrl: 'ws://127.0.0.1:4455',
      passwordStored: true,
    });
    expect(await vault.credential('obs')).toBe(lab.password);
    const state = await ok('obsState', {});
    expect(state).toMatchObject({ state: 'ready', url: lab.url });
    expect(state.status).toMatchObject({ streaming: false, whip: false });
    expect(state.status!.obsVersion).toMatch(/^\d+\.\d+/);
  });

  it('sends a fresh Ant Media publish token into OBS: read back directly, it verifies with the vault key', async () => {
    const before = Math.floor(Date.now() / 1000);
    const sent = await ok('sendToObs', {
      provider: 'antmedia',
      kind: 'publish',
      key: keyId,
      params,
      ttlSeconds: 600,
    });
    expect(sent.started).toBe(false);
    expect(sent.status).toMatchObject({ streaming: false, serviceType: 'rtmp_custom' });

    const { type } = await obsStreamSettings(lab);
    const settings = await remember();
    expect(type).toBe('rtmp_custom');
    expect(settings.server).toBe(nginx.rtmpUrl);
    expect(sent.status.server).toBe(nginx.rtmpUrl);
    const [stream] = String(settings.key).split('?');
    expect(stream).toBe('stream1');
    const { payload } = await jwtVerify(
      tokenIn(settings.key),
      (await vault.verifier(vault.find(keyId))).key,
    );
    expect(payload).toMatchObject({ streamId: 'stream1', type: 'publish' });
    expect(payload.exp! - before).toBeGreaterThanOrEqual(599);
    expect(payload.exp! - before).toBeLessThanOrEqual(602);
    expect(Date.parse(sent.expiresAt!) / 1000).toBe(payload.exp);
  });

  it('sends and starts the stream; while live, a send is refused and OBS keeps its settings', async () => {
    const started = await ok('sendToObs', {
      provider: 'antmedia',
      kind: 'publish',
      key: keyId,
      params,
      start: true,
    });
    expect(started.started).toBe(true);
    expect(started.status.streaming).toBe(true);
    expect(await liveStreams(nginx.statUrl)).toContain('stream1');
    expect((await ok('obsState', {})).state).toBe('live');

    const held = await remember();
    const message = await refused('sendToObs', {
      provider: 'antmedia',
      kind: 'publish',
      key: keyId,
      params: { ...params, stream: 'stream2' },
    });
    expect(message).toMatch(
      /^OBS is streaming: Keycast leaves the stream settings of a live stream alone/,
    );
    expect(await obsStreamSettings(lab)).toEqual({ type: 'rtmp_custom', settings: held });
    await setObsOutput(lab, false);
    expect((await ok('obsState', {})).state).toBe('ready');
  });

  it('refuses a kind without OBS settings with one sentence, and leaves OBS alone', async () => {
    const held = await remember();
    expect(
      await refused('sendToObs', { provider: 'antmedia', kind: 'play', key: keyId, params }),
    ).toMatch(/play tokens have no OBS settings: choose a publish kind/);
    expect((await obsStreamSettings(lab)).settings).toEqual(held);
  });

  it('keeps OBS’s token fresh on a fake clock: pushes within the margin, never while live, leaves another server alone', async () => {
    const foreign = 'rtmp://127.0.0.1:1/elsewhere';
    await setObsSettings(lab, foreign, 'somebody-else');
    const config = {
      enabled: true,
      provider: 'antmedia',
      kind: 'publish',
      key: keyId,
      params,
      ttlSeconds: 600,
      marginSeconds: 120,
    };
    // A margin as long as the token's lifetime would push at every look.
    expect(await refused('saveObsKeepFresh', { ...config, marginSeconds: 600 })).toMatch(
      /must be shorter than the token's lifetime/,
    );
    expect((await ok('obsKeepFreshState', {})).running).toBe(false);

    const saved = await ok('saveObsKeepFresh', config);
    expect(saved).toMatchObject({
      running: true,
      keyName: 'ams',
      settings: { ...config, whip: false },
    });
    expect(clock.timers).toHaveLength(1);

    // First look (due at once): OBS holds no token of this key, and keep-fresh has never pushed.
    let state = await look();
    expect(state.last).toMatchObject({ pushed: true, problem: false });
    expect(state.last!.message).toMatch(
      /^OBS holds no token signed with this key\. Pushed a fresh token\.$/,
    );
    const first = await remember();
    expect(first.server).toBe(nginx.rtmpUrl);
    expect(clock.timers).toHaveLength(1);
    expect(Date.parse(state.nextCheckAt!) - clock.now()).toBeLessThanOrEqual(30_000);

    // 30 s later: the token is good for minutes, nothing changes.
    state = await look();
    expect(state.last).toMatchObject({ pushed: false, problem: false });
    expect(state.last!.message).toMatch(
      /^OBS's token is good for 9m; a new one goes in 7m from now/,
    );
    expect((await obsStreamSettings(lab)).settings).toEqual(first);

    // Within the margin: a new token goes in (a second later in real time, so its exp differs:
    // Ant Media tokens carry no iat or jti).
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    clock.offset += 500_000;
    state = await look();
    expect(state.last!.message).toMatch(/within the margin of 2m\. Pushed a fresh token\.$/);
    const second = await remember();
    expect(tokenIn(second.key)).not.toBe(tokenIn(first.key));
    await jwtVerify(tokenIn(second.key), (await vault.verifier(vault.find(keyId))).key);

    // Live with a token past the margin: left alone.
    await setObsOutput(lab, true);
    clock.offset += 600_000;
    state = await look();
    expect(state.last).toMatchObject({
      pushed: false,
      message: 'OBS is live: its token is left alone until the stream stops.',
    });
    expect((await obsStreamSettings(lab)).settings).toEqual(second);
    await setObsOutput(lab, false);

    // The person pointed OBS at another server: left alone, however old the token.
    await setObsSettings(lab, foreign, 'somebody-else');
    state = await look();
    expect(state.last).toMatchObject({ pushed: false, problem: false });
    expect(state.last!.message).toMatch(/^OBS now points at another server or stream/);
    expect((await obsStreamSettings(lab)).settings).toEqual({
      server: foreign,
      key: 'somebody-else',
    });

    // OBS unreachable: reported as a problem, and the runner keeps looking.
    await ok('saveObsConnection', { url: lab.url, password: 'not-the-password' });
    state = await look();
    expect(state.last).toMatchObject({ pushed: false, problem: true });
    expect(state.last!.message).toMatch(/^OBS refused the obs-websocket password/);
    expect(state.last!.message).toContain('save it in Keycast under Settings → OBS');
    expect(state.running).toBe(true);
    await ok('saveObsConnection', { url: lab.url, password: lab.password });

    const off = await ok('saveObsKeepFresh', { ...config, enabled: false });
    expect(off).toMatchObject({ running: false, last: null, nextCheckAt: null });
    expect(clock.timers).toHaveLength(0);
  });

  it('never answers with the obs-websocket password, a stream key or a token', () => {
    const obsActions: Action[] = [
      'obsState',
      'sendToObs',
      'getObsConnection',
      'saveObsConnection',
      'testObsConnection',
      'obsKeepFreshState',
      'saveObsKeepFresh',
    ];
    expect(new Set(answers.map((a) => a.action).filter((a) => obsActions.includes(a)))).toEqual(
      new Set(obsActions),
    );
    expect(secrets.size).toBeGreaterThanOrEqual(6);
    for (const { action, text } of answers) {
      expect(text.includes(lab.password), `${action} shows the password`).toBe(false);
      for (const secret of secrets)
        expect(text.includes(secret), `${action} shows a stream key or token`).toBe(false);
      expect(text).not.toMatch(/token=|"key":"stream|streamKey|bearer/i);
    }
  });
});
