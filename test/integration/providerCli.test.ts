import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../helpers/cli.ts';

const APP = '0b7d4c5e-1111-4222-8333-944455556666';

/** An Ant Media key whose printable secret is handed out in `file`. */
function generateAms(home: string, name: string, file: string) {
  return runCli(
    [
      'keys',
      'generate',
      '--alg',
      'HS256',
      '--provider',
      'antmedia',
      '--name',
      name,
      '--secret-out',
      file,
    ],
    { home },
  );
}

async function mintJson(home: string, args: string[]) {
  const result = await runCli(['mint', ...args, '--json'], { home });
  expect(result.stderr).not.toMatch(/keycast:/);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as {
    token: string;
    claims: Record<string, unknown>;
    links: Record<string, unknown>;
  };
}

describe('keycast mint: every provider token verifies with jsonwebtoken and the exported key', () => {
  it('Ant Media: a generated printable secret, handed out once in a 0600 file', async () => {
    const home = tempHome();
    const secretFile = join(home, 'ams.secret');
    const generated = await generateAms(home, 'ams', secretFile);
    expect(generated.code).toBe(0);
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    const secret = readFileSync(secretFile, 'utf8').trim();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(generated.stdout + generated.stderr).not.toContain(secret);
    const again = await generateAms(home, 'ams2', secretFile);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    expect(JSON.parse((await runCli(['keys', 'list', '--json'], { home })).stdout)).toHaveLength(1);
    const noFile = await runCli(['keys', 'generate', '--alg', 'HS256', '--provider', 'antmedia'], {
      home,
    });
    expect(noFile.stderr).toMatch(/--secret-out FILE/);

    const minted = await mintJson(home, [
      'antmedia',
      'publish',
      '--key',
      'ams',
      '--stream',
      'cam1',
      '--host',
      'media.example.com',
    ]);
    const claims = jwt.verify(minted.token, secret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(Object.keys(claims).sort()).toEqual(['exp', 'streamId', 'type']);
    expect(claims).toMatchObject({ streamId: 'cam1', type: 'publish' });
    expect(minted.links.obs).toEqual({
      server: 'rtmp://media.example.com/LiveApp',
      streamKey: `cam1?token=${minted.token}`,
    });
    const tooLong = await runCli(
      ['mint', 'antmedia', 'play', '--key', 'ams', '--stream', 'c', '--host', 'h', '--ttl', '8d'],
      { home },
    );
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toMatch(/at most 7d/);
  });

  it('Ant Media: ports as flags, WHIP for OBS, REST without iat, HLS left out for ids it cannot match', async () => {
    const home = tempHome();
    const secretFile = join(home, 'ams.secret');
    expect((await generateAms(home, 'ams', secretFile)).code).toBe(0);
    const secret = readFileSync(secretFile, 'utf8').trim();
    const host = ['--host', 'media.example.com'];
    const publish = await mintJson(home, [
      'antmedia',
      'publish',
      '--key',
      'ams',
      '--stream',
      'cam1',
      ...host,
      '--rtmp-port',
      '1936',
      '--rtmps-port',
      '443',
      '--srt-port',
      '9000',
    ]);
    expect(publish.links).toMatchObject({
      obs: { server: 'rtmp://media.example.com:1936/LiveApp' },
      obsRtmps: { server: 'rtmps://media.example.com:443/LiveApp' },
      srt: `srt://media.example.com:9000?streamid=LiveApp/cam1,token=${publish.token}`,
      whip: { bearerToken: publish.token, authorization: `Bearer ${publish.token}` },
    });
    const badPort = await runCli(
      ['mint', 'antmedia', 'publish', '--key', 'ams', '--stream', 'c', ...host, '--srt-port', 'x'],
      { home },
    );
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/--srt-port must be a port number/);

    const play = await runCli(
      ['mint', 'antmedia', 'play', '--key', 'ams', '--stream', 'cam_720p', ...host, '--json'],
      { home },
    );
    expect(play.code).toBe(0);
    expect(play.stderr).toMatch(
      /warning: Stream id "cam_720p" cannot be played.*HLS link is left out/,
    );
    const links = (JSON.parse(play.stdout) as { links: Record<string, unknown> }).links;
    expect(Object.keys(links).sort()).toEqual(['dash', 'player', 'webrtc']);

    const rest = await runCli(['mint', 'antmedia', 'rest', '--key', 'ams', ...host], { home });
    expect(rest.code).toBe(0);
    expect(rest.stderr).toMatch(/warning: .*remoteAllowedCIDR/);
    const token = rest.stdout.split('\n')[0]!;
    const claims = jwt.verify(token, secret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(Object.keys(claims)).toEqual(['exp']);
  });

  it('Vonage, Frameable and a custom template, with the exported PEM', async () => {
    const home = tempHome();
    await runCli(['keys', 'generate', '--alg', 'RS256', '--name', 'rsa', '--app-id', APP], {
      home,
    });
    const pem = (await runCli(['keys', 'export', 'rsa', '--format', 'pem'], { home })).stdout;

    const vonage = await mintJson(home, [
      'vonage',
      'client',
      '--key',
      'rsa',
      '--session',
      'S1',
      '--role',
      'subscriber',
    ]);
    const v = jwt.verify(vonage.token, pem, { algorithms: ['RS256'] }) as jwt.JwtPayload;
    expect(v).toMatchObject({
      application_id: APP,
      sub: 'video',
      scope: 'session.connect',
      session_id: 'S1',
      role: 'subscriber',
    });
    expect(v.exp! - v.iat!).toBe(86400);
    expect(v.jti).toMatch(/^[0-9a-f-]{36}$/);

    const attendee = await runCli(
      [
        'mint',
        'frameable',
        'attendee',
        '--key',
        'rsa',
        '--display-name',
        'Ann',
        '--event-url',
        'https://acme.frameable.com/events/e1',
        '--ttl',
        '2h',
        '--json',
      ],
      { home },
    );
    expect(attendee.stderr).toMatch(/warning: This token lives 2h/);
    const f = JSON.parse(attendee.stdout) as { token: string; links: { event: string } };
    expect(jwt.verify(f.token, pem, { algorithms: ['RS256'] })).toMatchObject({
      displayName: 'Ann',
    });
    expect(f.links.event).toBe(`https://acme.frameable.com/events/e1?token=${f.token}`);

    const template = join(home, 'watch.json');
    writeFileSync(
      template,
      JSON.stringify({
        name: 'watch',
        alg: 'RS256',
        claims: { room: '{room}' },
        ttl: { default: 600, max: 900 },
        link: 'https://example.com/w/{room}?jwt={token}',
      }),
    );
    expect((await runCli(['templates', 'add', template], { home })).code).toBe(0);
    const custom = await mintJson(home, ['custom', 'watch', '--key', 'rsa', '--set', 'room=r1']);
    expect(jwt.verify(custom.token, pem, { algorithms: ['RS256'] })).toMatchObject({ room: 'r1' });
    expect(custom.links.link).toBe(`https://example.com/w/r1?jwt=${custom.token}`);
    const over = await runCli(
      ['mint', 'custom', 'watch', '--key', 'rsa', '--set', 'room=r1', '--ttl', '1h'],
      { home },
    );
    expect(over.code).toBe(2);
    expect(over.stderr).toMatch(/at most 15m/);

    writeFileSync(
      template,
      JSON.stringify({ name: 'bad', alg: 'RS256', claims: {}, ttl: { default: 900, max: 600 } }),
    );
    const invalid = await runCli(['templates', 'add', template], { home });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/ttl default must not exceed max/);
  });

  it('keycast links rebuilds the OBS fields from a token; unknown providers and kinds are refused', async () => {
    const home = tempHome();
    const secret = join(home, 's');
    await generateAms(home, 'ams', secret);
    const { token } = await mintJson(home, [
      'antmedia',
      'publish',
      '--key',
      'ams',
      '--stream',
      'cam2',
      '--host',
      'h.example',
    ]);
    const links = await runCli(
      ['links', 'antmedia', '--token', '-', '--host', 'h.example', '--json'],
      { home, input: token },
    );
    expect(JSON.parse(links.stdout)).toMatchObject({
      obs: { server: 'rtmp://h.example/LiveApp', streamKey: `cam2?token=${token}` },
    });
    const ported = await runCli(
      ['links', 'antmedia', '--token', token, '--host', 'h.example', '--rtmp-port', '1940'],
      { home },
    );
    expect(ported.stdout).toContain(`rtmp: rtmp://h.example:1940/LiveApp/cam2?token=${token}`);
    expect(ported.stdout).toContain(`  bearerToken: ${token}`);
    const unknown = await runCli(['mint', 'twitch', 'publish', '--key', 'ams'], { home });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /Unknown provider "twitch": choose antmedia, kinescope, vonage, frameable, nativeframe, mediamtx, custom/,
    );
    const kind = await runCli(['mint', 'antmedia', 'record', '--key', 'ams'], { home });
    expect(kind.stderr).toMatch(/no token kind "record": choose publish, play, rest/);
  });
});
