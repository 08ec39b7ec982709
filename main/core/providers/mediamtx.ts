import { z } from 'zod';
import { InputError } from '../errors.ts';
import {
  checkClaims,
  parseParams,
  port,
  type KeyRequirement,
  type Links,
  type LocalKind,
  type Provider,
  type RawParams,
} from './types.ts';

/**
 * MediaMTX with JWT authentication (`authMethod: jwt`, `authJWTJWKS`; docs/2-features/
 * 06-authentication.md, "External JWT provider"): tokens carry the `mediamtx_permissions` claim,
 * a list of `{action, path}` (actions publish, read, playback), signed with a key pair whose JWKS
 * MediaMTX pulls — `keycast serve --jwks-key K` publishes it at /.well-known/jwks.json. MediaMTX
 * parses with golang-jwt and keyfunc: RSA (RS*, PS256), ECDSA (ES256, ES384) and Ed25519; a shared
 * secret could not be published in a JWKS, so HMAC keys are refused.
 *
 * Where the token goes (same docs, "Providing tokens / JWTs"): RTSP and RTMP take it in the query
 * (`?jwt=`, which every MediaMTX version reads; newer ones read `?token=` too); HLS, WebRTC (WHIP,
 * WHEP) and playback take `Authorization: Bearer`, OBS's WHIP "Bearer Token" field.
 */

const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])$/;
/** MediaMTX path names; a leading "~" (MediaMTX's regular expressions) is never a path here. */
const PATH = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;

const base = z.object({
  host: z
    .string({ error: 'is required: the MediaMTX server, e.g. media.example.com' })
    .regex(HOST, 'must be a host name or address without a port (ports have their own flags)'),
  path: z
    .string({ error: 'is required: the MediaMTX path, e.g. live/cam1' })
    .regex(
      PATH,
      'must be a MediaMTX path such as live/cam1: letters, digits, ".", "_", "-" and "/"',
    ),
  tls: z.boolean().default(false),
});

const publishParams = base.extend({
  rtmpPort: port('RTMP', 1935),
  rtspPort: port('RTSP', 8554),
  webrtcPort: port('WebRTC (WHIP)', 8889),
});
const readParams = base.extend({
  rtmpPort: port('RTMP', 1935),
  rtspPort: port('RTSP', 8554),
  hlsPort: port('HLS', 8888),
  webrtcPort: port('WebRTC (WHEP)', 8889),
});
const playbackParams = base.extend({ playbackPort: port('playback', 9996) });

type Action = 'publish' | 'read' | 'playback';

const claimsSchema = z
  .object({
    mediamtx_permissions: z
      .array(
        z
          .object({ action: z.enum(['publish', 'read', 'playback']), path: z.string().min(1) })
          .strict(),
      )
      .length(1),
  })
  .strict();

const KEY: KeyRequirement = {
  algs: ['ES256', 'ES384', 'EdDSA', 'RS256', 'RS384', 'RS512', 'PS256'],
  minRsaBits: 2048,
  describe:
    'a key pair whose public part MediaMTX can pull as a JWKS (ES256, ES384, EdDSA, RS256 or PS256; not a shared secret)',
};

function http(params: { host: string; tls: boolean }, portText: string): string {
  return `${params.tls ? 'https' : 'http'}://${params.host}:${portText}`;
}

function bearer(url: string, token: string): Record<string, string> {
  return { url, bearerToken: token, authorization: `Bearer ${token}` };
}

/**
 * OBS sends Server + "/" + Stream Key; MediaMTX joins them the same way and reads the path and the
 * query from the result, but drops a stream key that starts with "?" (gortmplib joinURL). So the
 * key is the path's last part with the token, and the server the rest: a path of one part has no
 * "rest", and then the server carries the whole URL and the key stays empty.
 */
function obsFields(rtmpBase: string, path: string, t: string): Record<string, string> {
  const slash = path.lastIndexOf('/');
  return slash < 0
    ? { server: `${rtmpBase}/${path}?jwt=${t}`, streamKey: '' }
    : {
        server: `${rtmpBase}/${path.slice(0, slash)}`,
        streamKey: `${path.slice(slash + 1)}?jwt=${t}`,
      };
}

function linksFor(action: Action, raw: RawParams, context: string) {
  if (action === 'publish') {
    const p = parseParams(publishParams, raw, context);
    const warnings: string[] = [];
    if (!p.path.includes('/')) {
      warnings.push(
        `Path "${p.path}" has one part, so OBS's Server field holds the token (OBS masks only the Stream Key): prefer a path such as live/${p.path}.`,
      );
    }
    return {
      path: p.path,
      warnings,
      links: (token: string): Links => {
        const t = encodeURIComponent(token);
        const rtmpBase = `rtmp://${p.host}:${p.rtmpPort}`;
        return {
          obs: obsFields(rtmpBase, p.path, t),
          rtmp: `${rtmpBase}/${p.path}?jwt=${t}`,
          rtsp: `rtsp://${p.host}:${p.rtspPort}/${p.path}?jwt=${t}`,
          whip: bearer(`${http(p, p.webrtcPort)}/${p.path}/whip`, token),
        };
      },
    };
  }
  if (action === 'read') {
    const p = parseParams(readParams, raw, context);
    return {
      path: p.path,
      warnings: [],
      links: (token: string): Links => {
        const t = encodeURIComponent(token);
        return {
          rtsp: `rtsp://${p.host}:${p.rtspPort}/${p.path}?jwt=${t}`,
          rtmp: `rtmp://${p.host}:${p.rtmpPort}/${p.path}?jwt=${t}`,
          hls: bearer(`${http(p, p.hlsPort)}/${p.path}/index.m3u8`, token),
          whep: bearer(`${http(p, p.webrtcPort)}/${p.path}/whep`, token),
        };
      },
    };
  }
  const p = parseParams(playbackParams, raw, context);
  return {
    path: p.path,
    warnings: [],
    links: (token: string): Links => ({
      playbackList: bearer(
        `${http(p, p.playbackPort)}/list?path=${encodeURIComponent(p.path)}`,
        token,
      ),
    }),
  };
}

function kind(action: Action): LocalKind {
  const params = { publish: publishParams, read: readParams, playback: playbackParams }[action];
  return {
    mode: 'local',
    description: {
      publish: 'publish to a MediaMTX path (OBS, RTMP, RTSP, WHIP)',
      read: 'read a MediaMTX path (RTSP, RTMP, HLS, WebRTC/WHEP)',
      playback: "list and fetch a MediaMTX path's recordings (playback server)",
    }[action],
    params,
    ttl: { default: action === 'publish' ? 3600 : 600, max: 7 * 86400 },
    iat: true,
    jti: true,
    key: KEY,
    prepare(raw) {
      const context = `A MediaMTX ${action} token`;
      const { path, links, warnings } = linksFor(action, raw, context);
      const claims = checkClaims(
        claimsSchema,
        { mediamtx_permissions: [{ action, path }] },
        'MediaMTX',
      );
      return { claims, warnings, links };
    },
  };
}

export const mediamtx: Provider = {
  id: 'mediamtx',
  name: 'MediaMTX',
  key: KEY,
  kinds: { publish: kind('publish'), read: kind('read'), playback: kind('playback') },
  guide(key) {
    if (!key.publicJwk) {
      throw new InputError(
        `MediaMTX pulls public keys from a JWKS; "${key.name}" is an ${key.alg} shared secret. Generate one with: keycast keys generate --alg ES256`,
      );
    }
    return [
      {
        title: 'Publish the public key',
        detail: `Run keycast serve --jwks-key ${key.name} where MediaMTX can reach it; the JWKS is at /.well-known/jwks.json (public members only).`,
        value: null,
        copiesSecret: false,
      },
      {
        title: 'Point MediaMTX at it',
        detail: 'In mediamtx.yml set the JWT authentication method and the JWKS URL.',
        value: 'authMethod: jwt\nauthJWTJWKS: http://127.0.0.1:8080/.well-known/jwks.json',
        copiesSecret: false,
      },
    ];
  },
  linksFor(token, claims, raw) {
    const permissions = claims.mediamtx_permissions;
    const first = Array.isArray(permissions) ? (permissions[0] as unknown) : undefined;
    const action = (first as { action?: unknown } | undefined)?.action;
    if (action !== 'publish' && action !== 'read' && action !== 'playback') {
      throw new InputError(
        'This is not a MediaMTX token: it has no "mediamtx_permissions" claim with publish, read or playback.',
      );
    }
    const claimedPath = (first as { path?: unknown }).path;
    const path = typeof raw.path === 'string' ? raw.path : claimedPath;
    const { links, warnings } = linksFor(
      action,
      { ...raw, path: typeof path === 'string' ? path : undefined },
      'MediaMTX links',
    );
    return { links: links(token), warnings };
  },
};
