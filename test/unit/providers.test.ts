import { describe, expect, it } from 'vitest';
import type { KeyRecord } from '../../shared/keyRecord.ts';
import { InputError } from '../../main/core/errors.ts';
import { formFieldsOf } from '../../main/core/ipc/formFields.ts';
import { antmedia } from '../../main/core/providers/antmedia.ts';
import { customProvider, validateTemplate } from '../../main/core/providers/custom.ts';
import { frameable } from '../../main/core/providers/frameable.ts';
import { kinescope } from '../../main/core/providers/kinescope.ts';
import { checkKey } from '../../main/core/providers/mint.ts';
import { nativeframe } from '../../main/core/providers/nativeframe.ts';
import type { LocalKind, Provider, RawParams } from '../../main/core/providers/types.ts';
import { vonage } from '../../main/core/providers/vonage.ts';

const T = 'aaa.bbb.ccc';
const APP = '0b7d4c5e-1111-4222-8333-944455556666';

function record(alg: KeyRecord['alg'], extra: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id: 'id1',
    name: 'k',
    alg,
    kid: 'kid1',
    publicJwk: null,
    createdAt: '',
    expiresAt: null,
    provider: null,
    notes: '',
    status: 'active',
    ...extra,
  };
}

function prepare(provider: Provider, kind: string, params: RawParams, key = record('RS256')) {
  const k = provider.kinds[kind] as LocalKind;
  expect(k.mode).toBe('local');
  return k.prepare(params, key);
}

describe('Ant Media Server', () => {
  const publish = { stream: 'cam1', host: 'media.example.com' };

  it('publish tokens carry exactly {streamId, type} (+ exp from mint), no iat or jti', () => {
    expect(prepare(antmedia, 'publish', publish).claims).toEqual({
      streamId: 'cam1',
      type: 'publish',
    });
    const kind = antmedia.kinds.publish as LocalKind;
    expect([kind.iat, kind.jti, kind.ttl.default]).toEqual([false, false, 3600]);
  });

  it('builds the OBS fields and every publish URL', () => {
    const links = prepare(antmedia, 'publish', publish).links(T);
    expect(links).toEqual({
      obs: { server: 'rtmp://media.example.com/LiveApp', streamKey: `cam1?token=${T}` },
      obsRtmps: { server: 'rtmps://media.example.com:8443/LiveApp', streamKey: `cam1?token=${T}` },
      rtmp: `rtmp://media.example.com/LiveApp/cam1?token=${T}`,
      srt: `srt://media.example.com:4200?streamid=LiveApp/cam1,token=${T}`,
      webrtc: {
        url: 'wss://media.example.com:5443/LiveApp/websocket',
        message: `{"command":"publish","streamId":"cam1","token":"${T}"}`,
      },
      whip: {
        url: 'https://media.example.com:5443/LiveApp/whip/cam1',
        bearerToken: T,
        authorization: `Bearer ${T}`,
      },
    });
  });

  it('offers WHIP as the bare token for OBS\'s "Bearer Token" field and as the whole header', () => {
    const whip = prepare(antmedia, 'publish', publish).links(T).whip as Record<string, string>;
    expect(whip.bearerToken).toBe(T);
    expect(whip.bearerToken).not.toMatch(/^Bearer/);
    expect(whip.authorization).toBe(`Bearer ${T}`);
  });

  it('takes the RTMP, RTMPS and SRT ports as parameters, leaving out the RTMP default', () => {
    const links = prepare(antmedia, 'publish', {
      ...publish,
      rtmpPort: '1936',
      rtmpsPort: '443',
      srtPort: '9000',
    }).links(T);
    expect(links.obs).toEqual({
      server: 'rtmp://media.example.com:1936/LiveApp',
      streamKey: `cam1?token=${T}`,
    });
    expect(links.obsRtmps).toMatchObject({ server: 'rtmps://media.example.com:443/LiveApp' });
    expect(links.rtmp).toBe(`rtmp://media.example.com:1936/LiveApp/cam1?token=${T}`);
    expect(links.srt).toBe(`srt://media.example.com:9000?streamid=LiveApp/cam1,token=${T}`);
    const explicitDefault = prepare(antmedia, 'publish', { ...publish, rtmpPort: '1935' });
    expect(explicitDefault.links(T).rtmp).toBe(`rtmp://media.example.com/LiveApp/cam1?token=${T}`);
    for (const bad of ['0', '65536', '80a', '-1', ''])
      expect(() => prepare(antmedia, 'publish', { ...publish, srtPort: bad })).toThrow(
        /--srt-port must be a port number from 1 to 65535/,
      );
  });

  it('gives the app form the port fields with their defaults, from the same schema', () => {
    const fields = formFieldsOf((antmedia.kinds.publish as LocalKind).params);
    expect(
      fields
        .filter((f) => f.name.endsWith('Port'))
        .map((f) => [f.name, f.defaultValue, f.required]),
    ).toEqual([
      ['rtmpPort', '1935', false],
      ['rtmpsPort', '8443', false],
      ['srtPort', '4200', false],
    ]);
    expect(
      formFieldsOf((antmedia.kinds.play as LocalKind).params).map((f) => f.name),
    ).not.toContain('rtmpPort');
  });

  it('builds the playback URLs, with scheme, port and app as options', () => {
    const links = prepare(antmedia, 'play', { stream: 'cam1', host: 'media.example.com' }).links(T);
    expect(links.hls).toBe(`https://media.example.com:5443/LiveApp/streams/cam1.m3u8?token=${T}`);
    expect(links.dash).toBe(
      `https://media.example.com:5443/LiveApp/streams/cam1/cam1.mpd?token=${T}`,
    );
    expect(links.player).toBe(
      `https://media.example.com:5443/LiveApp/play.html?id=cam1&playOrder=webrtc,hls&token=${T}`,
    );
    expect(links.webrtc).toEqual({
      url: 'wss://media.example.com:5443/LiveApp/websocket',
      message: `{"command":"play","streamId":"cam1","token":"${T}"}`,
    });
    const plain = prepare(antmedia, 'play', {
      stream: 'cam1',
      host: 'media.example.com',
      tls: false,
      app: 'WebRTCAppEE',
    }).links(T);
    expect(plain.hls).toBe(
      `http://media.example.com:5080/WebRTCAppEE/streams/cam1.m3u8?token=${T}`,
    );
    const port = prepare(antmedia, 'play', {
      stream: 'cam1',
      host: 'media.example.com:8080',
      tls: false,
    }).links(T);
    expect(port.player).toMatch(/^http:\/\/media\.example\.com:8080\/LiveApp\/play\.html/);
  });

  it.each([
    ['cam_720p', ['dash'], /cuts it at "_"/],
    ['my__cam', ['dash'], /cuts it at "_"/],
    ['mpdcam', ['dash'], /containing "mpd" for a DASH request/],
    ['cam.m4s', ['dash'], /containing "m4s"/],
    ['chunkedcam', ['dash'], /containing "chunked"/],
    ['mystreams', [], /splits the request path at the word "streams"/],
  ])(
    'leaves out the HLS (and DASH) links a play token for "%s" cannot open, and says why',
    (stream, kept, reason) => {
      const p = prepare(antmedia, 'play', { stream, host: 'h.example' });
      const links = p.links(T);
      expect(Object.keys(links).filter((l) => l === 'hls' || l === 'dash')).toEqual(kept);
      expect(links.webrtc).toMatchObject({ url: 'wss://h.example:5443/LiveApp/websocket' });
      expect(links.player).toContain('playOrder=webrtc&');
      expect(p.warnings).toHaveLength(1);
      expect(p.warnings![0]).toMatch(reason);
      expect(p.warnings![0]).toMatch(/left out\. WebRTC and RTMP are unaffected/);
      expect(p.warnings![0]).toContain(kept.length ? 'over HLS:' : 'over HLS and DASH:');
    },
  );

  it('keeps every link for ids Ant Media parses back whole, and checks the application too', () => {
    for (const stream of ['cam1', 'cam-1.main', 'CAM9']) {
      const p = prepare(antmedia, 'play', { stream, host: 'h.example' });
      expect(Object.keys(p.links(T))).toEqual(['hls', 'dash', 'player', 'webrtc']);
      expect(p.warnings).toEqual([]);
    }
    const app = prepare(antmedia, 'play', { stream: 'cam1', host: 'h', app: 'livestreams' });
    expect(app.links(T)).not.toHaveProperty('hls');
    expect(app.links(T)).not.toHaveProperty('dash');
    // Publishing is unaffected, but whoever picks the id hears it now.
    const pub = prepare(antmedia, 'publish', { stream: 'cam_720p', host: 'h' });
    expect(pub.links(T).rtmp).toBe(`rtmp://h/LiveApp/cam_720p?token=${T}`);
    expect(pub.warnings![0]).toMatch(/cannot be played with a token over HLS/);
    expect(pub.warnings![0]).not.toMatch(/left out/);
  });

  it('refuses a missing stream or host and names that are not Ant Media ids', () => {
    expect(() => prepare(antmedia, 'publish', { host: 'h' })).toThrow(/--stream/);
    expect(() => prepare(antmedia, 'publish', { stream: 'cam1' })).toThrow(/--host/);
    expect(() => prepare(antmedia, 'publish', { stream: 'cam 1', host: 'h' })).toThrow(
      /--stream may hold letters/,
    );
    expect(() => prepare(antmedia, 'publish', { stream: 'c', host: 'h/evil' })).toThrow(
      /--host must be a host name/,
    );
  });

  it('requires an HS256 secret; REST tokens carry no iat and warn about the IP filter', () => {
    expect(() => checkKey(antmedia.key, record('RS256'), 'Ant Media Server')).toThrow(
      /HS256 secret of 32\+ characters/,
    );
    expect(() => checkKey(antmedia.key, record('HS256'), 'Ant Media Server')).not.toThrow();
    const rest = antmedia.kinds.rest as LocalKind;
    // The server's REST filter refuses an iat in the future with no leeway; only exp is needed.
    expect([rest.iat, rest.jti]).toEqual([false, false]);
    const prepared = rest.prepare({ host: 'h.example', app: 'LiveApp' }, record('HS256'));
    expect(prepared.claims).toEqual({});
    expect(prepared.links(T)).toEqual({
      restApi: { url: 'https://h.example:5443/LiveApp/rest/v2', authorization: T },
    });
    expect(prepared.warnings).toEqual([
      expect.stringMatching(/remoteAllowedCIDR setting \(default 127\.0\.0\.1.*whatever the token/),
    ]);
    expect(rest.prepare({}, record('HS256')).warnings).toEqual([]);
  });

  it('guides to the settings the server reads: no "settings." prefix, and the REST IP filter', () => {
    const steps = antmedia.guide!(record('HS256', { name: 'ams' }));
    const text = steps.map((s) => `${s.detail}\n${s.value ?? ''}`).join('\n');
    expect(steps.find((s) => s.value?.includes('JwtControlEnabled'))!.value).toBe(
      'publishJwtControlEnabled=true\nplayJwtControlEnabled=true',
    );
    expect(text).toContain('(jwtStreamSecretKey)');
    expect(text).not.toMatch(/settings\.[a-z]/);
    expect(text).toMatch(/remoteAllowedCIDR.*default 127\.0\.0\.1/);
  });

  it('rebuilds links from an existing token with `keycast links`', () => {
    const { links } = antmedia.linksFor!(
      T,
      { streamId: 'cam7', type: 'publish' },
      { host: 'h.example', rtmpPort: '1940' },
    );
    expect(links.rtmp).toBe(`rtmp://h.example:1940/LiveApp/cam7?token=${T}`);
    const play = antmedia.linksFor!(T, { streamId: 'cam_1', type: 'play' }, { host: 'h' });
    expect(play.links).not.toHaveProperty('hls');
    expect(play.warnings[0]).toMatch(/HLS link is left out/);
    expect(() => antmedia.linksFor!(T, { streamId: 'x' }, { host: 'h' })).toThrow(
      /not an Ant Media stream token/,
    );
  });
});

describe('Kinescope', () => {
  it('chat claims are aud "chat", user_id, username, event_id (+ optional nbf)', () => {
    const p = prepare(kinescope, 'chat', { event: 'ev-1', userId: 'u-1', username: 'Ann' });
    expect(p.claims).toEqual({ aud: 'chat', user_id: 'u-1', username: 'Ann', event_id: 'ev-1' });
    expect(p.links(T)).toEqual({ chat: `https://kinescope.io/chat/ev-1?token=${T}` });
    expect(
      prepare(kinescope, 'chat', { event: 'e', userId: 'u', username: 'A', nbf: '1900000000' })
        .claims.nbf,
    ).toBe(1900000000);
    const kind = kinescope.kinds.chat as LocalKind;
    expect([kind.iat, kind.ttl.default]).toEqual([true, 3600]);
  });

  it.each([['event'], ['userId'], ['username']])('requires %s', (missing) => {
    const params: RawParams = { event: 'e', userId: 'u', username: 'A' };
    delete params[missing];
    expect(() => prepare(kinescope, 'chat', params)).toThrow(InputError);
  });

  it('accepts only RS256 RSA keys of 2048+ bits', () => {
    const n2048 = Buffer.alloc(256, 1).toString('base64url');
    const n1024 = Buffer.alloc(128, 1).toString('base64url');
    const rsa = (n: string, alg: KeyRecord['alg'] = 'RS256') =>
      record(alg, { publicJwk: { kty: 'RSA', kid: 'k', use: 'sig', alg, n, e: 'AQAB' } });
    expect(() => checkKey(kinescope.key, rsa(n2048), 'Kinescope')).not.toThrow();
    expect(() => checkKey(kinescope.key, rsa(n1024), 'Kinescope')).toThrow(/1024-bit RSA/);
    expect(() => checkKey(kinescope.key, rsa(n2048, 'PS256'), 'Kinescope')).toThrow(
      /RS256 RSA key/,
    );
    expect(() => checkKey(kinescope.key, record('ES256'), 'Kinescope')).toThrow(/is ES256/);
  });
});

describe('Vonage Video', () => {
  const key = record('RS256', { attributes: { applicationId: APP } });

  it('REST tokens: application_id (stored on the key) with iat, jti; 15 min default, 24 h max', () => {
    expect(prepare(vonage, 'rest', {}, key).claims).toEqual({ application_id: APP });
    const rest = vonage.kinds.rest as LocalKind;
    expect([rest.iat, rest.jti, rest.ttl.default, rest.ttl.max]).toEqual([true, true, 900, 86400]);
  });

  it('client tokens: sub, acl, scope, session_id, role and the optional data and layout', () => {
    const claims = prepare(
      vonage,
      'client',
      { session: 'S1', role: ['moderator'], data: 'name=Ann', layoutClass: ['focus', 'big'] },
      key,
    ).claims;
    expect(claims).toEqual({
      application_id: APP,
      sub: 'video',
      acl: { paths: { '/session/**': {} } },
      scope: 'session.connect',
      session_id: 'S1',
      role: 'moderator',
      connection_data: 'name=Ann',
      initial_layout_class_list: 'focus big',
    });
    expect(prepare(vonage, 'client', { session: 'S1' }, key).claims.role).toBe('publisher');
    const client = vonage.kinds.client as LocalKind;
    expect([client.ttl.default, client.ttl.max]).toEqual([86400, 30 * 86400]);
  });

  it('refuses bad roles, long data and layouts, and a missing application id', () => {
    expect(() => prepare(vonage, 'client', { session: 'S', role: ['owner'] }, key)).toThrow(
      /--role must be one of/,
    );
    expect(() => prepare(vonage, 'client', { session: 'S', data: 'x'.repeat(1001) }, key)).toThrow(
      /1000 characters/,
    );
    expect(() =>
      prepare(
        vonage,
        'client',
        { session: 'S', layoutClass: ['x'.repeat(600), 'y'.repeat(600)] },
        key,
      ),
    ).toThrow(/initial_layout_class_list/);
    expect(() => prepare(vonage, 'client', {}, key)).toThrow(/--session/);
    expect(() => prepare(vonage, 'rest', {}, record('RS256'))).toThrow(/--app-id/);
    expect(() => prepare(vonage, 'rest', { appId: 'nope' }, record('RS256'))).toThrow(
      /not a Vonage application id/,
    );
    expect(prepare(vonage, 'rest', { appId: APP }, record('RS256')).claims).toEqual({
      application_id: APP,
    });
  });
});

describe('Frameable', () => {
  it('attendee claims and the event link (existing query kept)', () => {
    const p = prepare(frameable, 'attendee', {
      displayName: 'Larry David',
      email: 'larry@example.com',
      avatarUrl: 'https://cdn.example.com/a.png',
      profile: ['organization=Seinfeld', 'title=Producer'],
      role: ['host', 'presenter', 'host'],
      eventUrl: 'https://acme.frameable.com/events/launch?lang=en',
    });
    expect(p.claims).toEqual({
      displayName: 'Larry David',
      email: 'larry@example.com',
      avatarUrl: 'https://cdn.example.com/a.png',
      userProfile: [
        ['organization', 'Seinfeld'],
        ['title', 'Producer'],
      ],
      roles: ['host', 'presenter'],
    });
    expect(p.links(T)).toEqual({
      event: `https://acme.frameable.com/events/launch?lang=en&token=${T}`,
    });
    const kind = frameable.kinds.attendee as LocalKind;
    expect([kind.ttl.default, kind.ttl.warnAbove]).toEqual([300, 3600]);
  });

  it.each([
    [{}, /--display-name/],
    [{ displayName: 'A', role: ['juggler'] }, /no role "juggler"/],
    [{ displayName: 'A', email: 'not-an-email' }, /--email must be an email/],
    [{ displayName: 'A', eventUrl: 'http://insecure.example/e' }, /--event-url must be an https/],
    [{ displayName: 'A', profile: ['noequals'] }, /--profile takes key=value/],
  ])('refuses %j', (params, message) => {
    expect(() => prepare(frameable, 'attendee', params as RawParams)).toThrow(message);
  });
});

describe('Native Frame', () => {
  it('issuer tokens: iss, aud, sub and the scope claim (name configurable)', () => {
    const p = prepare(nativeframe, 'issuer', {
      iss: 'keycast',
      aud: ['nf'],
      userId: 'u9',
      scope: ['viewer', 'broadcaster'],
      displayName: 'Ann',
    });
    expect(p.claims).toEqual({
      iss: 'keycast',
      aud: 'nf',
      sub: 'u9',
      scopes: ['viewer', 'broadcaster'],
      data: { displayName: 'Ann' },
    });
    const renamed = prepare(nativeframe, 'issuer', {
      iss: 'i',
      aud: ['a'],
      userId: 'u',
      scope: ['viewer'],
      scopeClaim: 'scope',
    });
    expect(renamed.claims.scope).toEqual(['viewer']);
    expect(() =>
      prepare(nativeframe, 'issuer', {
        iss: 'i',
        aud: ['a'],
        userId: 'u',
        scope: ['viewer'],
        scopeClaim: 'exp',
      }),
    ).toThrow(/registered claim/);
    expect(() =>
      prepare(nativeframe, 'issuer', { iss: 'i', aud: ['a'], userId: 'u', scope: ['root'] }),
    ).toThrow(/--scope must be one of broadcaster/);
    expect(() =>
      prepare(nativeframe, 'issuer', { iss: 'i', aud: [], userId: 'u', scope: ['viewer'] }),
    ).toThrow(/--aud/);
  });

  it.each(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'])(
    'refuses --scope-claim %s in one sentence instead of losing the scopes',
    (scopeClaim) => {
      const params = { iss: 'i', aud: ['a'], userId: 'u', scope: ['viewer'], scopeClaim };
      expect(() => prepare(nativeframe, 'issuer', params)).toThrow(
        new RegExp(
          `^A Native Frame issuer token: --scope-claim cannot be "${scopeClaim}", a name every JavaScript object already has: choose a plain claim name such as "scopes"\\.$`,
        ),
      );
    },
  );

  it.each(['bad name', '1st', 'a/b', 'x'.repeat(65), ''])(
    'refuses the scope claim name %j',
    (scopeClaim) => {
      const params = { iss: 'i', aud: ['a'], userId: 'u', scope: ['viewer'], scopeClaim };
      expect(() => prepare(nativeframe, 'issuer', params)).toThrow(
        /--scope-claim must be a claim name: a letter or "_"/,
      );
    },
  );

  it('keeps plain claim names, scopes included, in the token', () => {
    for (const scopeClaim of ['roles', 'nf.scopes', '_s', 'proto']) {
      const p = prepare(nativeframe, 'issuer', {
        iss: 'i',
        aud: ['a'],
        userId: 'u',
        scope: ['viewer'],
        scopeClaim,
      });
      expect(Object.keys(p.claims)).toContain(scopeClaim);
      expect(p.claims[scopeClaim]).toEqual(['viewer']);
    }
  });

  it('video and service tokens come from the API', () => {
    expect(nativeframe.kinds.video!.mode).toBe('remote');
    expect(nativeframe.kinds.service!.mode).toBe('remote');
  });
});

describe('custom templates', () => {
  const template = {
    name: 'watch',
    alg: 'ES256',
    claims: { stream: '{stream}', room: 'room-{stream}', aud: 'viewers', tags: ['{tier}'] },
    ttl: { default: 600, max: 3600 },
    link: 'https://example.com/watch/{stream}?jwt={token}',
  };

  it('fills placeholders in claims and the link', () => {
    const provider = customProvider([validateTemplate(template)]);
    const p = prepare(provider, 'watch', { set: ['stream=cam 1', 'tier=gold'] }, record('ES256'));
    expect(p.claims).toEqual({
      stream: 'cam 1',
      room: 'room-cam 1',
      aud: 'viewers',
      tags: ['gold'],
    });
    expect(p.links(T)).toEqual({ link: `https://example.com/watch/cam%201?jwt=${T}` });
    expect((provider.kinds.watch as LocalKind).key?.algs).toEqual(['ES256']);
  });

  it('refuses missing and unknown placeholders', () => {
    const provider = customProvider([validateTemplate(template)]);
    expect(() => prepare(provider, 'watch', { set: ['stream=a'] }, record('ES256'))).toThrow(
      /needs --set tier=/,
    );
    expect(() =>
      prepare(provider, 'watch', { set: ['stream=a', 'tier=b', 'x=1'] }, record('ES256')),
    ).toThrow(/no placeholder \{x\}/);
  });

  it.each([
    [{ ...template, ttl: { default: 7200, max: 3600 } }, /ttl default must not exceed max/],
    [{ ...template, claims: { exp: 5 } }, /claims\.exp is set by Keycast/],
    [{ ...template, link: 'http://example.com/{token}' }, /https:\/\/ URL template/],
    [{ ...template, link: 'https://example.com/watch' }, /must contain \{token\}/],
    [{ ...template, alg: 'none' }, /alg/],
    [{ ...template, name: 'Bad Name' }, /name must be lower-case/],
    [{ ...template, claims: { t: '{token}' } }, /\{token\} can only appear in the link/],
  ])('validates templates when saved: %#', (input, message) => {
    expect(() => validateTemplate(input)).toThrow(message);
  });
});
