import { z } from 'zod';
import { InputError } from '../errors.ts';
import { checkKey } from './mint.ts';
import {
  parseParams,
  checkClaims,
  type Links,
  type LocalKind,
  type Provider,
  type RawParams,
  port,
} from './types.ts';

/**
 * Ant Media Server: HS256 tokens signed with the server's own secret (`jwtStreamSecretKey` for
 * streams, `jwtSecretKey` for the REST API), and every URL a publisher or player needs.
 */
const NAME = /^[A-Za-z0-9_.-]+$/;
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(?::(\d{1,5}))?$/;

const connection = z.object({
  host: z
    .string({ error: 'is required: the server, e.g. media.example.com or media.example.com:5443' })
    .regex(HOST, 'must be a host name with an optional port, e.g. media.example.com:5443'),
  app: z.string().regex(NAME, 'must be an application name like LiveApp').default('LiveApp'),
  tls: z.boolean().default(true),
});
type Connection = z.infer<typeof connection>;

const streamParams = connection.extend({
  stream: z
    .string({ error: 'is required: the stream id' })
    .regex(NAME, 'may hold letters, digits, ".", "_" and "-" only'),
});

const RTMP_DEFAULT_PORT = '1935';

/** Publishing also reaches the RTMP, RTMPS and SRT listeners, which servers may move. */
const publishParams = streamParams.extend({
  rtmpPort: port('RTMP', 1935),
  rtmpsPort: port('RTMPS', 8443),
  srtPort: port('SRT', 4200),
});
type PublishParams = z.infer<typeof publishParams>;
type PlayParams = z.infer<typeof streamParams>;

const restParams = z.object({
  host: connection.shape.host.optional(),
  app: connection.shape.app,
  tls: connection.shape.tls,
});

const streamClaims = z
  .object({ streamId: z.string().min(1), type: z.enum(['publish', 'play']) })
  .strict();

/**
 * The bare host (RTMP, RTMPS and SRT use their own ports) and the web endpoint for HTTP and
 * WebSocket: 5443 with TLS, 5080 without, unless --host names a port.
 */
function endpoints(c: Connection): { host: string; http: string; ws: string } {
  const [, port] = HOST.exec(c.host) ?? [];
  const host = port ? c.host.slice(0, -(port.length + 1)) : c.host;
  const origin = `${host}:${port ?? (c.tls ? '5443' : '5080')}`;
  return {
    host,
    http: `${c.tls ? 'https' : 'http'}://${origin}`,
    ws: `${c.tls ? 'wss' : 'ws'}://${origin}`,
  };
}

/**
 * Why a play token cannot work over HLS or DASH for this stream id, if it cannot. Ant Media does
 * not read the stream id of an HLS/DASH request from the token but from the path
 * (TokenFilterManager.getStreamId): it splits the path at "streams", sends paths holding "mpd" or
 * "m4s" down its DASH branch and "chunked" down its low-latency one, and cuts HLS file names at
 * "_" (adaptive renditions such as cam_720p.m3u8, "__" suffixes, "_adaptive", and in older
 * versions any "_"). The id it derives then differs from the token's streamId. DASH paths
 * (streams/<id>/<id>.mpd) are read between the slashes, so only "streams" breaks them.
 */
export function adaptiveStreamingProblem(
  stream: string,
  app: string,
): { links: ('hls' | 'dash')[]; reason: string } | null {
  if (stream.includes('streams') || app.includes('streams'))
    return {
      links: ['hls', 'dash'],
      reason: 'Ant Media splits the request path at the word "streams"',
    };
  if (stream.includes('_'))
    return {
      links: ['hls'],
      reason:
        'Ant Media reads the stream id of an HLS request from the file name and cuts it at "_" (cam_720p.m3u8 is the 720p rendition of "cam")',
    };
  const word = ['mpd', 'm4s', 'chunked'].find((w) => stream.includes(w));
  if (word)
    return {
      links: ['hls'],
      reason: `Ant Media takes an HLS path containing "${word}" for ${word === 'chunked' ? 'a low-latency (chunked)' : 'a DASH'} request`,
    };
  return null;
}

/** The warning for a stream id that HLS/DASH playback cannot match, naming the links left out. */
function adaptiveStreamingWarnings(
  type: 'publish' | 'play',
  stream: string,
  app: string,
): string[] {
  const problem = adaptiveStreamingProblem(stream, app);
  if (!problem) return [];
  const names = problem.links.map((l) => l.toUpperCase()).join(' and ');
  const leftOut =
    type === 'play'
      ? `; the ${names} link${problem.links.length > 1 ? 's are' : ' is'} left out`
      : '';
  return [
    `Stream id "${stream}" cannot be played with a token over ${names}: ${problem.reason}, so the token would never match${leftOut}. WebRTC and RTMP are unaffected; choose an id without "_", "streams", "mpd", "m4s" or "chunked" for ${names} playback.`,
  ];
}

function publishLinks(params: PublishParams, token: string): Links {
  const s = encodeURIComponent(params.stream);
  const t = encodeURIComponent(token);
  const a = params.app;
  const { host: h, http, ws } = endpoints(params);
  // rtmp:// without a port means 1935; the RTMPS and SRT ports are always written out.
  const rtmpHost = params.rtmpPort === RTMP_DEFAULT_PORT ? h : `${h}:${params.rtmpPort}`;
  return {
    obs: { server: `rtmp://${rtmpHost}/${a}`, streamKey: `${params.stream}?token=${t}` },
    obsRtmps: {
      server: `rtmps://${h}:${params.rtmpsPort}/${a}`,
      streamKey: `${params.stream}?token=${t}`,
    },
    rtmp: `rtmp://${rtmpHost}/${a}/${s}?token=${t}`,
    srt: `srt://${h}:${params.srtPort}?streamid=${a}/${s},token=${t}`,
    webrtc: webrtcLink('publish', params, token, ws),
    // OBS's WHIP "Bearer Token" field takes the bare token and adds "Bearer " itself; other
    // clients need the whole Authorization header.
    whip: {
      url: `${http}/${a}/whip/${s}`,
      bearerToken: token,
      authorization: `Bearer ${token}`,
    },
  };
}

function playLinks(params: PlayParams, token: string): Links {
  const s = encodeURIComponent(params.stream);
  const t = encodeURIComponent(token);
  const a = params.app;
  const { http, ws } = endpoints(params);
  const unusable = adaptiveStreamingProblem(params.stream, a)?.links ?? [];
  const hls = !unusable.includes('hls');
  return {
    ...(hls ? { hls: `${http}/${a}/streams/${s}.m3u8?token=${t}` } : {}),
    ...(unusable.includes('dash') ? {} : { dash: `${http}/${a}/streams/${s}/${s}.mpd?token=${t}` }),
    player: `${http}/${a}/play.html?id=${s}&playOrder=${hls ? 'webrtc,hls' : 'webrtc'}&token=${t}`,
    webrtc: webrtcLink('play', params, token, ws),
  };
}

function webrtcLink(
  type: 'publish' | 'play',
  params: PlayParams,
  token: string,
  ws: string,
): Record<string, string> {
  return {
    url: `${ws}/${params.app}/websocket`,
    message: JSON.stringify({ command: type, streamId: params.stream, token }),
  };
}

/** The kind's parameters and links, and the warnings about its stream id, from raw flags. */
function streamLinks(
  type: 'publish' | 'play',
  raw: RawParams,
  context: string,
): { stream: string; links: (token: string) => Links; warnings: string[] } {
  const params = parseParams(type === 'publish' ? publishParams : streamParams, raw, context);
  return {
    stream: params.stream,
    links: (token) =>
      type === 'publish' ? publishLinks(params as PublishParams, token) : playLinks(params, token),
    warnings: adaptiveStreamingWarnings(type, params.stream, params.app),
  };
}

function streamKind(type: 'publish' | 'play'): LocalKind {
  return {
    mode: 'local',
    description:
      type === 'publish'
        ? 'publish a stream (OBS, RTMP, SRT, WebRTC, WHIP)'
        : 'play a stream (HLS, DASH, WebRTC, player page)',
    params: type === 'publish' ? publishParams : streamParams,
    ttl: { default: 3600, max: 7 * 86400 },
    // Ant Media's documented stream token is exactly {streamId, type, exp}.
    iat: false,
    jti: false,
    ...(type === 'play' ? { redirect: 'player' } : {}),
    prepare(raw) {
      const { stream, links, warnings } = streamLinks(type, raw, `An Ant Media ${type} token`);
      const claims = checkClaims(streamClaims, { streamId: stream, type }, 'Ant Media');
      return { claims, links, warnings };
    },
  };
}

/**
 * The REST API's second gate, independent of any token: Ant Media's IP filter (ipFilterEnabled,
 * on by default) answers only addresses in remoteAllowedCIDR, which defaults to 127.0.0.1.
 */
const REST_IP_FILTER =
  "Ant Media answers its REST API only to addresses in the application's remoteAllowedCIDR setting (default 127.0.0.1, while ipFilterEnabled is on), whatever the token: add the calling machine's address under Applications → your application → Settings → IP Filtering, or call from the server itself.";

const HS256_SECRET = {
  algs: ['HS256'] as const,
  describe: "an HS256 secret of 32+ characters (the server's jwtStreamSecretKey)",
};

export const antmedia: Provider = {
  id: 'antmedia',
  name: 'Ant Media Server',
  key: HS256_SECRET,
  kinds: {
    publish: streamKind('publish'),
    play: streamKind('play'),
    rest: {
      mode: 'local',
      description: "call the server's REST API (jwtSecretKey)",
      key: {
        algs: ['HS256'],
        describe: "an HS256 secret of 32+ characters (the server's jwtSecretKey)",
      },
      params: restParams,
      ttl: { default: 3600, max: 86400 },
      // Its REST filter (auth0 java-jwt, no leeway) refuses an iat even a second in the future,
      // and it requires no claim but exp: without iat a clock running ahead cannot break it.
      iat: false,
      jti: false,
      prepare(raw) {
        const params = parseParams(restParams, raw, 'An Ant Media REST token');
        return {
          claims: {},
          warnings: params.host ? [REST_IP_FILTER] : [],
          links: (token): Links =>
            params.host
              ? {
                  restApi: {
                    url: `${endpoints({ ...params, host: params.host }).http}/${params.app}/rest/v2`,
                    authorization: token,
                  },
                }
              : {},
        };
      },
    },
  },
  guide(key) {
    checkKey(HS256_SECRET, key, 'Ant Media Server');
    return [
      {
        title: 'Open the application settings',
        detail:
          'In the Ant Media web panel choose Applications → your application (e.g. LiveApp) → Settings, or edit webapps/<app>/WEB-INF/red5-web.properties on the server.',
        value: null,
        copiesSecret: false,
      },
      {
        title: 'Turn on JWT for publishing and playing',
        detail:
          'Enable the publish and play JWT filters ("Enable Publish JWT Filter", "Enable Play JWT Filter"); in red5-web.properties these are the two lines below.',
        // Without the old "settings." prefix: the panel writes these since 2.6.2 and they win;
        // 3.0 no longer reads the prefixed ones.
        value: 'publishJwtControlEnabled=true\nplayJwtControlEnabled=true',
        copiesSecret: false,
      },
      {
        title: 'Paste the secret as the JWT stream secret key',
        detail: `The secret of "${key.name}" goes into "JWT Secret Key" (jwtStreamSecretKey). Keycast copies it from the keychain straight to the clipboard and clears it after 60 s.`,
        value: null,
        copiesSecret: true,
      },
      {
        title: 'Save, then mint a publish token',
        detail:
          'Save the settings. In Mint choose Ant Media Server → publish with this key: OBS gets the Server and the Stream Key.',
        value: null,
        copiesSecret: false,
      },
      {
        title: 'Calling the REST API too?',
        detail: `REST tokens (kind rest) are signed with a second secret, jwtSecretKey, checked once jwtControlEnabled=true. ${REST_IP_FILTER}`,
        value: null,
        copiesSecret: false,
      },
    ];
  },
  linksFor(token, claims, raw: RawParams) {
    const type = claims.type;
    if (type !== 'publish' && type !== 'play') {
      throw new InputError(
        'This is not an Ant Media stream token: its "type" claim is neither "publish" nor "play".',
      );
    }
    const stream =
      typeof raw.stream === 'string'
        ? raw.stream
        : typeof claims.streamId === 'string'
          ? claims.streamId
          : undefined;
    const { links, warnings } = streamLinks(type, { ...raw, stream }, 'Ant Media links');
    return { links: links(token), warnings };
  },
};
