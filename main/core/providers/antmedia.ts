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

export function antMediaLinks(
  type: 'publish' | 'play',
  params: Connection & { stream: string },
  token: string,
): Links {
  const s = encodeURIComponent(params.stream);
  const t = encodeURIComponent(token);
  const a = params.app;
  const { host: h, http, ws } = endpoints(params);
  const webrtc = {
    url: `${ws}/${a}/websocket`,
    message: JSON.stringify({ command: type, streamId: params.stream, token }),
  };
  if (type === 'publish') {
    return {
      obs: { server: `rtmp://${h}/${a}`, streamKey: `${params.stream}?token=${t}` },
      obsRtmps: { server: `rtmps://${h}:8443/${a}`, streamKey: `${params.stream}?token=${t}` },
      rtmp: `rtmp://${h}/${a}/${s}?token=${t}`,
      srt: `srt://${h}:4200?streamid=${a}/${s},token=${t}`,
      webrtc,
      whip: { url: `${http}/${a}/whip/${s}`, authorization: `Bearer ${token}` },
    };
  }
  return {
    hls: `${http}/${a}/streams/${s}.m3u8?token=${t}`,
    dash: `${http}/${a}/streams/${s}/${s}.mpd?token=${t}`,
    player: `${http}/${a}/play.html?id=${s}&playOrder=webrtc,hls&token=${t}`,
    webrtc,
  };
}

function streamKind(type: 'publish' | 'play'): LocalKind {
  return {
    mode: 'local',
    description:
      type === 'publish'
        ? 'publish a stream (OBS, RTMP, SRT, WebRTC, WHIP)'
        : 'play a stream (HLS, DASH, WebRTC, player page)',
    params: streamParams,
    ttl: { default: 3600, max: 7 * 86400 },
    // Ant Media's documented stream token is exactly {streamId, type, exp}.
    iat: false,
    jti: false,
    prepare(raw) {
      const params = parseParams(streamParams, raw, `An Ant Media ${type} token`);
      const claims = checkClaims(streamClaims, { streamId: params.stream, type }, 'Ant Media');
      return { claims, links: (token) => antMediaLinks(type, params, token) };
    },
  };
}

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
      iat: true,
      jti: false,
      prepare(raw) {
        const params = parseParams(restParams, raw, 'An Ant Media REST token');
        return {
          claims: {},
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
        value: 'settings.publishJwtControlEnabled=true\nsettings.playJwtControlEnabled=true',
        copiesSecret: false,
      },
      {
        title: 'Paste the secret as the JWT stream secret key',
        detail: `The secret of "${key.name}" goes into "JWT Secret Key" (settings.jwtStreamSecretKey). Keycast copies it from the keychain straight to the clipboard and clears it after 60 s.`,
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
    const params = parseParams(streamParams, { ...raw, stream }, 'Ant Media links');
    return antMediaLinks(type, params, token);
  },
};
