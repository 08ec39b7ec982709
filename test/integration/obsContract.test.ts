import { jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { tempHome } from '../helpers/cli.ts';
import { startFakeObs, type FakeObs, type FakeObsOptions } from '../helpers/fakeObs.ts';
import { ObsConnection, withObs } from '../../main/core/obs/connection.ts';
import { ObsError, type ObsProblem } from '../../main/core/obs/errors.ts';
import { mintForObs } from '../../main/core/obs/mintForObs.ts';
import { pushService, type ObsService } from '../../main/core/obs/push.ts';
import { probeObs } from '../../main/core/obs/status.ts';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { Vault } from '../../main/core/vault/vault.ts';

/**
 * obs-websocket 5 as documented, from a loopback server: what the real OBS 29 of
 * test/integration/obs.test.ts cannot show (OBS 30's WHIP, missing requests, odd answers).
 */
const fakes: FakeObs[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function fake(options: FakeObsOptions = {}): Promise<FakeObs> {
  const started = await startFakeObs(options);
  fakes.push(started);
  return started;
}

async function problemOf(
  work: Promise<unknown>,
): Promise<{ problem: ObsProblem; message: string }> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ObsError);
  return { problem: (error as ObsError).problem, message: (error as ObsError).message };
}

const RTMP: ObsService = {
  type: 'rtmp_custom',
  server: 'rtmp://127.0.0.1/live',
  key: 'cam?token=secret.token.value',
};

describe('obs-websocket 5 contract', () => {
  it('puts a WHIP service into OBS 30 with the bare bearer token, minted as keycast mint does', async () => {
    const obs = await fake({ password: 'pw-123' });
    const vault = new Vault({ dataDir: tempHome() });
    try {
      await vault.add(await generateKeyMaterial('HS256'), { name: 'ams' });
      const minted = await mintForObs(vault, {
        provider: 'antmedia',
        kind: 'publish',
        key: 'ams',
        params: { host: 'media.example.com', stream: 'cam1' },
        whip: true,
      });
      const result = await withObs({ url: obs.url, password: 'pw-123' }, (c) =>
        pushService(c, minted.service),
      );
      expect(result.started).toBe(false);
      expect(obs.service.type).toBe('whip_custom');
      expect(obs.service.settings.server).toBe('https://media.example.com:5443/LiveApp/whip/cam1');
      const token = String(obs.service.settings.bearer_token);
      expect(token).not.toMatch(/^Bearer /);
      const { payload } = await jwtVerify(token, (await vault.verifier(vault.find('ams'))).key);
      expect(payload).toMatchObject({ streamId: 'cam1', type: 'publish' });
      // Refused while live comes before anything is changed: the status is asked first.
      expect(obs.requests.map((r) => r.type)).toEqual([
        'GetVersion',
        'GetStreamStatus',
        'SetStreamServiceSettings',
        'GetStreamServiceSettings',
        'GetStreamStatus',
        'GetStreamServiceSettings',
      ]);
      await vault.remove(vault.find('ams').id);
    } finally {
      await vault.close();
    }
  });

  it('says when something answers that does not speak obs-websocket 5', async () => {
    const noSubprotocol = await fake({ subprotocol: false });
    expect((await problemOf(ObsConnection.open({ url: noSubprotocol.url }))).problem).toBe(
      'not-obs-websocket-5',
    );
    const silent = await fake({ silent: true });
    const quiet = await problemOf(ObsConnection.open({ url: silent.url, timeoutMs: 500 }));
    expect(quiet.problem).toBe('not-obs-websocket-5');
    expect(quiet.message).toMatch(/does not speak obs-websocket 5: Keycast needs OBS 28 or newer/);
  });

  it('says which request an older obs-websocket lacks, before sending it', async () => {
    const obs = await fake({
      requests: ['GetVersion', 'GetStreamStatus', 'GetStreamServiceSettings'],
    });
    const old = await problemOf(withObs({ url: obs.url }, (c) => pushService(c, RTMP)));
    expect(old.problem).toBe('too-old');
    expect(old.message).toBe(
      'This OBS (30.2.3, obs-websocket 5.5.2) does not know the request SetStreamServiceSettings: update OBS to the latest version.',
    );
    expect(obs.requests.some((r) => r.type === 'SetStreamServiceSettings')).toBe(false);
    // An answer of 204 (UnknownRequestType) from an OBS that listed the request means the same.
    const lying = await fake({
      override: (type) => (type === 'GetStreamStatus' ? { ok: false, code: 204 } : undefined),
    });
    expect(
      (await problemOf(withObs({ url: lying.url }, (c) => pushService(c, RTMP)))).problem,
    ).toBe('too-old');
  });

  it('refuses when OBS keeps other settings than were sent, naming the fields and never their values', async () => {
    const obs = await fake({
      override: (type) =>
        type === 'GetStreamServiceSettings'
          ? {
              ok: true,
              data: {
                streamServiceType: 'rtmp_custom',
                streamServiceSettings: { server: RTMP.server, key: 'other' },
              },
            }
          : undefined,
    });
    const differs = await problemOf(withObs({ url: obs.url }, (c) => pushService(c, RTMP)));
    expect(differs.problem).toBe('read-back');
    expect(differs.message).toMatch(/\(key differ on reading them back\)/);
    expect(differs.message).not.toContain('secret.token.value');
  });

  it('refuses as live when OBS starts streaming between the check and the change', async () => {
    const obs = await fake({
      override: (type) => {
        if (type !== 'SetStreamServiceSettings') return undefined;
        obs.streaming = true;
        return { ok: false, code: 500, comment: 'The stream output is running.' };
      },
    });
    expect((await problemOf(withObs({ url: obs.url }, (c) => pushService(c, RTMP)))).problem).toBe(
      'live',
    );
    expect(obs.service.type).toBe('rtmp_common');
  });

  it('reports a refused stream when OBS stops right after starting, and a time-out when it never starts', async () => {
    const refusing = await fake({
      override: (type) => {
        if (type !== 'StartStream') return undefined;
        setTimeout(() => {
          refusing.emit('StreamStateChanged', {
            outputActive: false,
            outputState: 'OBS_WEBSOCKET_OUTPUT_STARTING',
          });
          refusing.emit('StreamStateChanged', {
            outputActive: false,
            outputState: 'OBS_WEBSOCKET_OUTPUT_STOPPED',
          });
        }, 50);
        return { ok: true };
      },
    });
    const refused = await problemOf(
      withObs({ url: refusing.url }, (c) => pushService(c, RTMP, { start: true })),
    );
    expect(refused.problem).toBe('stream-refused');
    expect(refused.message).toBe(
      'The server refused the stream: OBS stopped right after connecting. Check that the token is a publish token for stream "cam", that it has not expired, and that the server checks it with the key it was signed with.',
    );

    const stuck = await fake();
    const late = await problemOf(
      withObs({ url: stuck.url }, (c) =>
        pushService(c, RTMP, { start: true, startTimeoutMs: 600 }),
      ),
    );
    expect(late.problem).toBe('timeout');
    expect(late.message).toMatch(/^OBS did not start streaming within 1 s/);

    const accepting = await fake({
      override: (type) => {
        if (type !== 'StartStream') return undefined;
        accepting.streaming = true;
        return { ok: true };
      },
    });
    const started = await withObs({ url: accepting.url }, (c) =>
      pushService(c, RTMP, { start: true }),
    );
    expect(started).toMatchObject({ started: true, status: { streaming: true } });
  });

  it('does not hang when OBS quits mid-request or answers garbage', async () => {
    const quitting = await fake({
      override: (type) => (type === 'GetStreamStatus' ? { ok: true, drop: true } : undefined),
    });
    const gone = await problemOf(
      withObs({ url: quitting.url, timeoutMs: 2_000 }, (c) => pushService(c, RTMP)),
    );
    expect(gone.problem).toBe('unreachable');
    expect(gone.message).toMatch(/OBS closed the connection/);

    const garbled = await fake({
      override: (type) =>
        type === 'GetStreamStatus' ? { ok: true, raw: '{"op":7,"d":' } : undefined,
    });
    const started = Date.now();
    expect(
      (await problemOf(withObs({ url: garbled.url, timeoutMs: 500 }, (c) => pushService(c, RTMP))))
        .problem,
    ).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('passes OBS own refusals on as one sentence', async () => {
    const obs = await fake({
      override: (type) =>
        type === 'SetStreamServiceSettings'
          ? { ok: false, code: 700, comment: 'Failed to create the stream service.' }
          : undefined,
    });
    const failed = await problemOf(withObs({ url: obs.url }, (c) => pushService(c, RTMP)));
    expect(failed).toEqual({
      problem: 'request-failed',
      message: 'OBS refused SetStreamServiceSettings: Failed to create the stream service.',
    });
  });

  it('probes OBS for the app: ready, live, or the problem in one sentence', async () => {
    const obs = await fake({ password: 'pw' });
    expect(await probeObs({ url: obs.url, password: 'pw' })).toMatchObject({
      state: 'ready',
      status: { whip: true, obsVersion: '30.2.3' },
    });
    obs.streaming = true;
    expect(await probeObs({ url: obs.url, password: 'pw' })).toMatchObject({ state: 'live' });
    expect(await probeObs({ url: obs.url, password: 'wrong' })).toMatchObject({
      state: 'problem',
      problem: 'password-wrong',
    });
    expect(await probeObs({ url: obs.url })).toMatchObject({
      state: 'problem',
      problem: 'password-missing',
    });
  });
});
