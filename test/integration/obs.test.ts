import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { ROOT, runCli, tempHome, type CliResult } from '../helpers/cli.ts';
import {
  nginxRtmpMissing,
  startNginxRtmp,
  liveStreams,
  type NginxRtmp,
} from '../helpers/nginxRtmp.ts';
import {
  obsLabMissing,
  obsStreamSettings,
  setObsOutput,
  startObsLab,
  type ObsLab,
} from '../helpers/obsLab.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { ObsConnection } from '../../main/core/obs/connection.ts';
import { ObsError } from '../../main/core/obs/errors.ts';

/**
 * Real OBS Studio (under Xvfb) driven through `keycast obs …`, as a streamer would: status, push,
 * read back, refusals. The stream goes to a real nginx-rtmp that lets everything in; the test with
 * nginx asking `keycast serve` for each publish is test/e2e/obsStream.test.ts.
 */
const missing = obsLabMissing() ?? nginxRtmpMissing();

describe.skipIf(missing)('keycast obs against real OBS Studio', () => {
  let lab: ObsLab;
  let nginx: NginxRtmp;
  let home: string;
  let cli: (args: string[], input?: string, env?: NodeJS.ProcessEnv) => Promise<CliResult>;
  let publish: string[];

  beforeAll(async () => {
    [lab, nginx] = await Promise.all([startObsLab(), startNginxRtmp()]);
    home = tempHome();
    cli = (args, input, env) => runCli([...args, '--obs-url', lab.url], { home, input, env });
    const rtmp = new URL(nginx.rtmpUrl);
    publish = [
      'antmedia',
      'publish',
      '--key',
      'ams',
      '--host',
      '127.0.0.1',
      '--no-tls',
      '--rtmp-port',
      rtmp.port,
      '--stream',
      'stream1',
    ];
    expect(
      (await runCli(['keys', 'generate', '--alg', 'HS256', '--name', 'ams'], { home })).code,
    ).toBe(0);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([lab?.stop(), nginx?.stop()]);
  });

  it('asks for the password when none is stored, refuses a wrong one, then reports OBS status without a key', async () => {
    const none = await cli(['obs', 'status']);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/asks for an obs-websocket password and none is stored/);

    expect(
      (await runCli(['credentials', 'set', 'obs'], { home, input: 'not-the-password' })).code,
    ).toBe(0);
    const wrong = await cli(['obs', 'status']);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/OBS refused the obs-websocket password/);

    expect((await runCli(['credentials', 'set', 'obs'], { home, input: lab.password })).code).toBe(
      0,
    );
    const status = await cli(['obs', 'status', '--json']);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.stdout) as Record<string, unknown>;
    expect(parsed.streaming).toBe(false);
    expect(parsed.websocketVersion).toMatch(/^5\./);
    expect(String(parsed.obsVersion)).toMatch(/^\d+\.\d+/);
  });

  it('pushes a fresh Ant Media publish token into OBS, read back, with no token printed', async () => {
    const before = Math.floor(Date.now() / 1000);
    const pushed = await cli(['obs', 'push', ...publish, '--ttl', '10m']);
    expect(pushed.stderr).toBe('');
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toMatch(
      /stream settings set \(custom RTMP, server rtmp:\/\/127\.0\.0\.1:\d+\/LiveApp\), read back and checked/,
    );

    const { type, settings } = await obsStreamSettings(lab);
    expect(type).toBe('rtmp_custom');
    expect(settings.server).toBe(`${nginx.rtmpUrl}`);
    const [stream, query] = String(settings.key).split('?');
    expect(stream).toBe('stream1');
    const token = new URLSearchParams(query).get('token')!;
    // The token in OBS is the one Keycast minted seconds ago, signed with the vault key.
    const vault = new Vault({ dataDir: home });
    try {
      const { payload } = await jwtVerify(token, (await vault.verifier(vault.find('ams'))).key);
      expect(payload).toMatchObject({ streamId: 'stream1', type: 'publish' });
      expect(payload.exp! - before).toBeGreaterThanOrEqual(599);
      expect(payload.exp! - before).toBeLessThanOrEqual(602);
    } finally {
      await vault.close();
    }
    expect(pushed.stdout).not.toContain(token);
  });

  it('starts the stream with --start: nginx shows it live; a push while live is refused and leaves OBS as it was', async () => {
    const started = await cli(['obs', 'push', ...publish, '--start']);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect(started.stdout).toContain('Streaming: the server accepted the stream.');
    expect(await liveStreams(nginx.statUrl)).toContain('stream1');

    const before = await obsStreamSettings(lab);
    const again = await cli([
      'obs',
      'push',
      ...publish.map((a) => (a === 'stream1' ? 'stream2' : a)),
    ]);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(
      /OBS is streaming: Keycast leaves the stream settings of a live stream alone/,
    );
    expect(await obsStreamSettings(lab)).toEqual(before);

    const status = JSON.parse((await cli(['obs', 'status', '--json'])).stdout) as {
      streaming: boolean;
    };
    expect(status.streaming).toBe(true);
    await setObsOutput(lab, false);
  });

  it('pushes given values with --server and --stream-key - (the key from standard input only)', async () => {
    const argv = await cli([
      'obs',
      'push',
      '--server',
      nginx.rtmpUrl,
      '--stream-key',
      'stream9?token=x',
    ]);
    expect(argv.code).toBe(2);
    expect(argv.stderr).toMatch(/pass --stream-key - and give the stream key on standard input/);

    const given = await cli(
      ['obs', 'push', '--server', nginx.rtmpUrl, '--stream-key', '-'],
      'stream9?token=abc\n',
    );
    expect(given.code).toBe(0);
    expect((await obsStreamSettings(lab)).settings).toMatchObject({
      server: nginx.rtmpUrl,
      key: 'stream9?token=abc',
    });
  });

  it('refuses WHIP on OBS 29 and kinds without OBS settings, each with one sentence', async () => {
    const { settings: before } = await obsStreamSettings(lab);
    const whip = await cli(['obs', 'push', ...publish, '--whip']);
    expect(whip.code).toBe(3);
    expect(whip.stderr).toMatch(/has no WHIP output: WHIP needs OBS 30 or newer/);
    const play = await cli(['obs', 'push', ...publish.map((a) => (a === 'publish' ? 'play' : a))]);
    expect(play.code).toBe(2);
    expect(play.stderr).toMatch(/play tokens have no OBS settings: choose a publish kind/);
    expect((await obsStreamSettings(lab)).settings).toEqual(before);
  });

  it('never prints the stream key, even with obs-websocket-js debugging turned on', async () => {
    const pushed = await cli(['obs', 'push', ...publish], undefined, {
      DEBUG: '*',
      KEYCAST_DEBUG: '1',
    });
    expect(pushed.code).toBe(0);
    const { settings } = await obsStreamSettings(lab);
    const token = new URLSearchParams(String(settings.key).split('?')[1]).get('token')!;
    expect(token.length).toBeGreaterThan(20);
    expect(pushed.stdout + pushed.stderr).not.toContain(token);
    expect(pushed.stdout + pushed.stderr).not.toContain(token.split('.')[2]!);
    // Nor anything Keycast writes into its data folder.
    for (const name of readdirSync(home)) {
      const path = join(home, name);
      if (statSync(path).isFile())
        expect(readFileSync(path).includes(token.split('.')[2]!)).toBe(false);
    }
  });

  it('keep-fresh pushes a new token when the one in OBS is within the margin, and never while live', async () => {
    await setObsOutput(lab, false);
    expect((await runCli(['credentials', 'set', 'obs'], { home, input: lab.password })).code).toBe(
      0,
    );
    expect((await cli(['obs', 'push', ...publish, '--ttl', '61s'])).code).toBe(0);
    const first = (await obsStreamSettings(lab)).settings.key;
    const firstExp = decodeJwt(new URLSearchParams(String(first).split('?')[1]).get('token')!).exp!;
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin', 'keycast.js'),
        'obs',
        'keep-fresh',
        ...publish,
        '--ttl',
        '60s',
        '--margin',
        '57s',
        '--interval',
        '1s',
        '--obs-url',
        lab.url,
      ],
      { env: { ...process.env, KEYCAST_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const pushes = (): number => out.split('Pushed a fresh token.').length - 1;
    const until = async (done: () => boolean, ms: number): Promise<void> => {
      for (const end = Date.now() + ms; !done(); await new Promise((r) => setTimeout(r, 100)))
        if (Date.now() > end) throw new Error(`keep-fresh said: ${out}`);
    };
    try {
      // OBS holds this key's token with about 60 s left, more than the margin: it is kept until
      // it is within the margin (57 s), then a fresh one goes in; three seconds on, again.
      await until(() => pushes() >= 2, 15_000);
      const reports = out.split('\n').filter((line) => /^\d{4}-/.test(line));
      const firstPush = reports.find((line) => line.includes('Pushed'))!;
      expect(Date.parse(firstPush.slice(0, 24))).toBeGreaterThanOrEqual(firstExp * 1000 - 58_000);
      for (const line of reports.filter((l) => l.includes('good for')))
        expect(line).toMatch(/good for (5[89]s|1m)/);
      expect((await obsStreamSettings(lab)).settings.key).not.toBe(first);

      await setObsOutput(lab, true);
      await until(() => /OBS is live: its token is left alone/.test(out), 10_000);
      const live = (await obsStreamSettings(lab)).settings.key;
      const pushesWhileLive = pushes();
      await new Promise((r) => setTimeout(r, 4_000));
      expect(pushes()).toBe(pushesWhileLive);
      expect((await obsStreamSettings(lab)).settings.key).toBe(live);
      await setObsOutput(lab, false);
      await until(() => pushes() > pushesWhileLive, 10_000);
      // The tokens never reach the output.
      expect(out).not.toContain(String(live).split('?token=')[1]!.split('.')[2]!);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    expect(child.exitCode).toBe(0);
  });

  it('tells a closed obs-websocket port apart from OBS not running', async () => {
    const closed = new URL(lab.url);
    closed.port = String(Number(closed.port) + 1);
    // An OBS process runs (the lab's): the WebSocket server must be off or elsewhere.
    const off = await runCli(['obs', 'status', '--obs-url', closed.href], { home });
    expect(off.code).toBe(3);
    expect(off.stderr).toMatch(/OBS is running but its WebSocket server does not answer/);
    // No OBS process: the same closed port means OBS is not running.
    const error = await ObsConnection.open({
      url: closed.href,
      obsRunning: () => Promise.resolve(false),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObsError);
    expect((error as ObsError).problem).toBe('not-running');
    expect((error as ObsError).message).toMatch(
      /^OBS is not running \(nothing answers at ws:\/\/127\.0\.0\.1:\d+\): start OBS\.$/,
    );
  });
});

describe.skipIf(missing)('OBS with its WebSocket server turned off', () => {
  let lab: ObsLab;
  beforeAll(async () => {
    lab = await startObsLab({ websocket: false });
  }, 90_000);
  afterAll(async () => lab?.stop());

  it('says the server is off and how to turn it on', async () => {
    const result = await runCli(['obs', 'status', '--obs-url', lab.url], { home: tempHome() });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /OBS is running but its WebSocket server does not answer at ws:\/\/127\.0\.0\.1:\d+: in OBS turn on Tools → WebSocket Server Settings → Enable WebSocket server/,
    );
  });
});

describe('keycast obs refuses bad input before reaching OBS', () => {
  const home = tempHome();
  const given = ['obs', 'push', '--server', 'rtmp://127.0.0.1/app', '--stream-key', '-'];
  it('a stream key of 3 MB on standard input, or one with spaces', async () => {
    const huge = await runCli([...given, '--obs-url', 'ws://127.0.0.1:1'], {
      home,
      input: '\0'.repeat(3_000_000),
    });
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/it is longer than 1 MiB/);
    const spaced = await runCli(given, { home, input: 'a b' });
    expect(spaced.code).toBe(2);
    expect(spaced.stderr).toMatch(/is empty or holds spaces or line breaks/);
  });
  it('a server that is not a streaming URL, a zero time-out, an address that is not ws://', async () => {
    const server = await runCli(
      ['obs', 'push', '--server', 'javascript:alert(1)', '--stream-key', '-'],
      { home, input: 'k' },
    );
    expect(server.code).toBe(2);
    expect(server.stderr).toMatch(/--server must be a URL like rtmp:\/\/host\/app/);
    const zero = await runCli(['obs', 'push', '--start-timeout', '0s', 'antmedia', 'publish'], {
      home,
    });
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/must be longer than zero/);
    const url = await runCli(['obs', 'url', 'http://127.0.0.1:4455'], { home });
    expect(url.code).toBe(2);
    expect(url.stderr).toMatch(/must start with ws:\/\/ or wss:\/\//);
    const saved = await runCli(['obs', 'url', '192.168.1.5:4455'], { home });
    expect(saved.stdout.trim()).toBe('ws://192.168.1.5:4455');
    expect((await runCli(['obs', 'url'], { home })).stdout.trim()).toBe('ws://192.168.1.5:4455');
  });
});
