import { describe, expect, it } from 'vitest';
import {
  decideFreshness,
  heldStream,
  type HeldStream,
  type PushedStream,
} from '../../main/core/obs/keepFresh.ts';
import { parseObsUrl } from '../../main/core/obs/connection.ts';
import { serviceFromLinks, streamNameOf } from '../../main/core/obs/push.ts';
import { InputError } from '../../main/core/errors.ts';

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (kid: string, exp?: number): string =>
  `${b64({ alg: 'HS256', typ: 'JWT', kid })}.${b64({ streamId: 'cam', type: 'publish', ...(exp === undefined ? {} : { exp }) })}.sig`;

const NOW = 1_800_000_000;
const SERVER = 'rtmp://media.example.com/LiveApp';
const last: PushedStream = { type: 'rtmp_custom', server: SERVER, streamName: 'cam' };
const held = (exp: number | null, kid = 'k1'): HeldStream => ({
  type: 'rtmp_custom',
  server: SERVER,
  streamName: 'cam',
  kid,
  exp,
});
const decide = (h: HeldStream, over: Partial<Parameters<typeof decideFreshness>[0]> = {}) =>
  decideFreshness({
    nowSeconds: NOW,
    live: false,
    held: h,
    kid: 'k1',
    last,
    marginSeconds: 600,
    ...over,
  });

describe('keep-fresh decisions', () => {
  it('pushes exactly when the token has the margin or less left, and waits one second before', () => {
    expect(decide(held(NOW + 601)).action).toBe('wait');
    expect(decide(held(NOW + 600))).toEqual({
      action: 'push',
      reason: "OBS's token expires in 10m, within the margin of 10m.",
    });
    expect(decide(held(NOW + 1)).action).toBe('push');
    expect(decide(held(NOW))).toEqual({ action: 'push', reason: "OBS's token has expired." });
    expect(decide(held(NOW - 86_400)).action).toBe('push');
  });

  it('never pushes while live, however close the expiry', () => {
    for (const exp of [NOW - 10, NOW, NOW + 1, NOW + 599, null]) {
      expect(decide(held(exp), { live: true }).action).toBe('wait');
    }
  });

  it('leaves OBS alone once it points at another server or stream than the last push', () => {
    expect(decide({ ...held(NOW), server: 'rtmp://live.twitch.tv/app' }).action).toBe('leave');
    expect(decide({ ...held(NOW), streamName: 'other' }).action).toBe('leave');
    expect(decide({ ...held(NOW), type: 'rtmp_common' }).action).toBe('leave');
  });

  it('pushes on the first look when OBS holds no token of this key, or none with an expiry', () => {
    expect(decide(held(NOW + 9999, 'someone-else'), { last: null }).action).toBe('push');
    expect(decide(held(null), { last: null }).action).toBe('push');
    expect(decide(held(NOW + 9999), { last: null }).action).toBe('wait');
  });
});

describe('reading the token OBS holds', () => {
  it('finds it in the stream key (token= or jwt=) or the WHIP bearer, keeping only kid, expiry and stream name', () => {
    expect(
      heldStream('rtmp_custom', { server: SERVER, key: `cam?token=${jwt('k1', NOW)}` }),
    ).toEqual({
      type: 'rtmp_custom',
      server: SERVER,
      streamName: 'cam',
      kid: 'k1',
      exp: NOW,
    });
    expect(
      heldStream('rtmp_custom', { server: SERVER, key: `live/cam?jwt=${jwt('k2', 5)}` }),
    ).toMatchObject({ kid: 'k2', exp: 5, streamName: 'live/cam' });
    expect(
      heldStream('whip_custom', { server: 'https://x/whip', bearer_token: jwt('k3', 7) }),
    ).toMatchObject({ kid: 'k3', exp: 7, streamName: null });
  });

  it('treats keys without a readable JWT as holding no token', () => {
    for (const key of [
      '',
      'cam',
      'cam?token=',
      'cam?token=not.a.jwt',
      `cam?token=${b64({ kid: 1 })}.e30.x`,
    ]) {
      expect(heldStream('rtmp_custom', { server: SERVER, key })).toMatchObject({
        kid: null,
        exp: null,
      });
    }
    expect(heldStream('rtmp_common', {})).toEqual({
      type: 'rtmp_common',
      server: null,
      streamName: null,
      kid: null,
      exp: null,
    });
  });
});

describe('OBS settings from a token’s links', () => {
  const links = {
    obs: { server: SERVER, streamKey: 'cam?token=t' },
    whip: { url: 'https://m/LiveApp/whip/cam', bearerToken: 't', authorization: 'Bearer t' },
    hls: 'https://m/x.m3u8',
  };
  it('takes the obs link for RTMP and the whip link for WHIP', () => {
    const rtmp = serviceFromLinks(links, { whip: false, what: 'X' });
    expect(rtmp).toEqual({ type: 'rtmp_custom', server: SERVER, key: 'cam?token=t' });
    expect(streamNameOf(rtmp)).toBe('cam');
    expect(serviceFromLinks(links, { whip: true, what: 'X' })).toEqual({
      type: 'whip_custom',
      server: 'https://m/LiveApp/whip/cam',
      bearerToken: 't',
    });
  });
  it('refuses kinds without them in one sentence', () => {
    expect(() =>
      serviceFromLinks({ hls: 'x' }, { whip: false, what: 'Ant Media Server play tokens' }),
    ).toThrow(
      new InputError(
        'Ant Media Server play tokens have no OBS settings: choose a publish kind (for example "antmedia publish").',
      ),
    );
    expect(() => serviceFromLinks({ obs: links.obs }, { whip: true, what: 'Y tokens' })).toThrow(
      /have no WHIP settings for OBS/,
    );
  });
});

describe('obs-websocket addresses', () => {
  it('accepts ws:// and wss://, and host:port alone', () => {
    expect(parseObsUrl('ws://127.0.0.1:4455').href).toBe('ws://127.0.0.1:4455/');
    expect(parseObsUrl('  192.168.1.20:4455 ').href).toBe('ws://192.168.1.20:4455/');
    expect(parseObsUrl('wss://obs.example.com').protocol).toBe('wss:');
  });
  it('refuses other schemes, credentials in the address and nonsense', () => {
    expect(() => parseObsUrl('http://127.0.0.1:4455')).toThrow(
      /must start with ws:\/\/ or wss:\/\//,
    );
    expect(() => parseObsUrl('ws://user:pw@127.0.0.1:4455')).toThrow(
      /Put no password in the obs-websocket address/,
    );
    expect(() => parseObsUrl('ws://[::1')).toThrow(/is not an obs-websocket address/);
    expect(() => parseObsUrl('ws://127.0.0.1:99999')).toThrow(/is not an obs-websocket address/);
  });
});
