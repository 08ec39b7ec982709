import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempHome, type CliResult } from '../helpers/cli.ts';
import {
  liveStreams,
  nginxRtmpMissing,
  startNginxRtmp,
  type NginxRtmp,
} from '../helpers/nginxRtmp.ts';
import { obsLabMissing, setObsOutput, startObsLab, type ObsLab } from '../helpers/obsLab.ts';
import { spawnServe, type ServeProcess } from '../helpers/serverHarness.ts';

/**
 * The whole path a streamer takes, with the real programs: Keycast mints an Ant Media publish
 * token and puts it into OBS Studio (under Xvfb) over obs-websocket; OBS streams to nginx with the
 * RTMP module, whose on_publish asks `keycast serve --hooks`; only the right token for the right
 * stream gets in, and OBS reports every refused stream as inactive.
 */
const missing = obsLabMissing() ?? nginxRtmpMissing();

async function waitUntil(done: () => boolean, limitMs = 10_000): Promise<void> {
  for (const end = Date.now() + limitMs; !done(); await new Promise((r) => setTimeout(r, 100)))
    if (Date.now() > end) throw new Error(`still waiting after ${limitMs} ms`);
}

interface Decision {
  reason: string;
  action: string | null;
  stream: string | null;
  kid: string | null;
}

describe.skipIf(missing)('OBS → nginx-rtmp → keycast serve, for real', () => {
  let home: string;
  let lab: ObsLab;
  let nginx: NginxRtmp;
  let serve: ServeProcess;
  let rtmpPort: string;
  const keycast = (args: string[], input?: string): Promise<CliResult> =>
    runCli(args, { home, input });
  const tokens: string[] = [];

  /** Mints with the CLI as a user would, and remembers the token to look for it afterwards. */
  async function mint(args: string[], inHome = home): Promise<string> {
    const result = await runCli([...args, '--json'], { home: inHome });
    expect(result.stderr).toBe('');
    const token = (JSON.parse(result.stdout) as { token: string }).token;
    tokens.push(token);
    return token;
  }

  const publishFlags = (stream: string): string[] => [
    '--host',
    '127.0.0.1',
    '--no-tls',
    '--rtmp-port',
    rtmpPort,
    '--stream',
    stream,
  ];

  async function obsStreaming(): Promise<boolean> {
    const status = await keycast(['obs', 'status', '--json', '--obs-url', lab.url]);
    return (JSON.parse(status.stdout) as { streaming: boolean }).streaming;
  }

  async function decisions(): Promise<Decision[]> {
    const listed = await keycast(['redirects', 'decisions', '--json']);
    return JSON.parse(listed.stdout) as Decision[];
  }

  /** `keycast obs push antmedia publish` for stream1 with the vault key, as a streamer types it. */
  function pushPublish(extra: string[] = []): Promise<CliResult> {
    return keycast([
      'obs',
      'push',
      'antmedia',
      'publish',
      '--key',
      'ams',
      ...publishFlags('stream1'),
      ...extra,
      '--obs-url',
      lab.url,
    ]);
  }

  /** Puts `key` (stream?token=…) into OBS and asks it to start: the CLI's result. */
  function pushAndStart(key: string): Promise<CliResult> {
    return keycast(
      [
        'obs',
        'push',
        '--server',
        `rtmp://127.0.0.1:${rtmpPort}/LiveApp`,
        '--stream-key',
        '-',
        '--start',
        '--obs-url',
        lab.url,
      ],
      key,
    );
  }

  beforeAll(async () => {
    home = tempHome();
    expect((await keycast(['keys', 'generate', '--alg', 'HS256', '--name', 'ams'])).code).toBe(0);
    serve = await spawnServe(home, ['--hooks']);
    [lab, nginx] = await Promise.all([
      startObsLab(),
      startNginxRtmp({ verifyUrl: `http://127.0.0.1:${serve.port}/hooks/nginx-rtmp` }),
    ]);
    rtmpPort = new URL(nginx.rtmpUrl).port;
    expect((await keycast(['credentials', 'set', 'obs'], lab.password)).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([lab?.stop(), nginx?.stop(), serve?.stop()]);
  });

  it('one command: a fresh publish token into OBS, the stream starts, nginx lets it in', async () => {
    const pushed = await pushPublish(['--ttl', '5m', '--start']);
    expect(pushed.stderr).toBe('');
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toContain('Streaming: the server accepted the stream.');
    expect(await liveStreams(nginx.statUrl)).toEqual(['stream1']);
    expect(await obsStreaming()).toBe(true);
    const [latest] = await decisions();
    expect(latest).toMatchObject({ reason: 'allowed', action: 'publish', stream: 'stream1' });

    // Pressing it again while live is refused with a sentence; OBS keeps streaming as it was.
    const again = await pushPublish();
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/^keycast: OBS is streaming: Keycast leaves the stream settings/);
    expect(await obsStreaming()).toBe(true);
    expect(await liveStreams(nginx.statUrl)).toEqual(['stream1']);
    await setObsOutput(lab, false);
  });

  it("shows the pushed server in OBS's own Settings → Stream, with the key masked (screenshot)", async () => {
    const pushed = await pushPublish();
    expect(pushed.code).toBe(0);
    // OBS's main window at 1280×800: Controls → Settings, then the Stream page.
    expect(lab.windowsNamed('Settings')).toBe(0);
    lab.click(980, 650);
    await waitUntil(() => lab.windowsNamed('Settings') === 1);
    lab.click(108, 68);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const file = join(import.meta.dirname, 'screenshots', 'obs-stream-settings.png');
    lab.screenshot(file);
    const png = readFileSync(file);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(20_000);
    // Cancel: OBS keeps what Keycast put there.
    lab.click(864, 699);
    await waitUntil(() => lab.windowsNamed('Settings') === 0);
  });

  it('refuses a play token, an expired one, one for another stream and ones not signed by the vault key', async () => {
    const ams = { kid: '', secret: '' };
    const listed = JSON.parse((await keycast(['keys', 'list', '--json'])).stdout) as {
      name: string;
      kid: string;
    }[];
    ams.kid = listed.find((k) => k.name === 'ams')!.kid;
    const otherHome = tempHome();
    expect(
      (await runCli(['keys', 'generate', '--alg', 'HS256', '--name', 'ams'], { home: otherHome }))
        .code,
    ).toBe(0);
    const now = Math.floor(Date.now() / 1000);
    // The vault key's kid in the header, but signed with a secret the attacker made up.
    const forged = await new SignJWT({ streamId: 'stream1', type: 'publish' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: ams.kid })
      .setExpirationTime(now + 300)
      .sign(new TextEncoder().encode('an attacker secret of thirty-two chars!!'));
    tokens.push(forged);

    const cases: { name: string; token: string; reason: string }[] = [
      {
        name: 'a play token',
        token: await mint(['mint', 'antmedia', 'play', '--key', 'ams', ...publishFlags('stream1')]),
        reason: 'wrong-type',
      },
      {
        name: 'an expired token',
        token: await mint([
          'token',
          'mint',
          'ams',
          '--claim',
          'streamId=stream1',
          '--claim',
          'type=publish',
          '--no-jti',
          '--ttl',
          '1s',
        ]),
        reason: 'expired',
      },
      {
        name: 'a token for another stream',
        token: await mint([
          'mint',
          'antmedia',
          'publish',
          '--key',
          'ams',
          ...publishFlags('stream2'),
        ]),
        reason: 'wrong-stream',
      },
      {
        name: 'a token signed by another key',
        token: await mint(
          ['mint', 'antmedia', 'publish', '--key', 'ams', ...publishFlags('stream1')],
          otherHome,
        ),
        reason: 'unknown-kid',
      },
      { name: 'a forged token with the right kid', token: forged, reason: 'bad-signature' },
    ];

    // The one-second token has expired by now; make sure of it.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    for (const { name, token, reason } of cases) {
      const result = await pushAndStart(`stream1?token=${token}`);
      expect(result.code, name).toBe(1);
      expect(result.stderr, name).toMatch(
        /^keycast: The server refused the stream: OBS stopped right after connecting\. Check that the token is a publish token for stream "stream1"/,
      );
      expect(await obsStreaming(), name).toBe(false);
      expect(await liveStreams(nginx.statUrl), name).toEqual([]);
      const [latest] = await decisions();
      expect(latest, name).toMatchObject({ reason, action: 'publish', stream: 'stream1' });
    }
    // What the streamer sees in OBS after a refused stream.
    lab.screenshot(join(import.meta.dirname, 'screenshots', 'obs-stream-refused.png'));
  });

  it('keeps no token: not in the data folder, not in what serve printed', () => {
    expect(tokens.length).toBeGreaterThanOrEqual(5);
    const printed = serve.output();
    const files = readdirSync(home)
      .map((name) => join(home, name))
      .filter((path) => statSync(path).isFile())
      .map((path) => readFileSync(path));
    for (const token of tokens) {
      const signature = token.split('.')[2]!;
      expect(printed).not.toContain(signature);
      for (const file of files) expect(file.includes(signature)).toBe(false);
    }
  });
});
