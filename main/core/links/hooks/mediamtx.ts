import type { HookReason } from '../types.ts';
import {
  jsonObject,
  plainField,
  singleParam,
  type HookProtocol,
  type ParseResult,
} from './protocol.ts';
import type { StreamAsk } from './verifier.ts';

const ACTIONS = ['publish', 'read', 'playback', 'api', 'metrics', 'pprof'] as const;
const STREAM_ACTIONS: Record<string, StreamAsk['action']> = {
  publish: 'publish',
  read: 'play',
  playback: 'playback',
};

/**
 * MediaMTX's external HTTP authentication (`authMethod: http`, `authHTTPAddress`;
 * docs/2-features/06-authentication.md, "External HTTP server"): a JSON POST of user, password,
 * token, ip, action (publish|read|playback|api|metrics|pprof), path, protocol, id and query. Any
 * 20x allows; anything else refuses. A request with no credentials at all is answered 401, as
 * the docs ask, so RTSP clients send theirs; a refused token is 403.
 *
 * The token is the `token` member (an `Authorization: Bearer` header), else the query's `token`
 * or `jwt` (RTSP and RTMP pass it there; `jwt` is MediaMTX's older key), else the password (the
 * docs' "token as password, any user" for browsers).
 */
export const mediamtxHook: HookProtocol = {
  name: 'mediamtx',
  contentTypes: ['application/json'],
  parse(body): ParseResult {
    const parsed = jsonObject(body);
    if (!parsed.ok) return parsed;
    const { user, password, token, ip, action, path, protocol, id, query } = parsed.value;
    for (const [name, value] of Object.entries({ user, password, ip, protocol, path })) {
      if (value !== undefined && !plainField(value)) {
        return { ok: false, problem: `The request's ${name} is not plain text.` };
      }
    }
    for (const [name, value] of Object.entries({ token, query })) {
      if (value !== undefined && (typeof value !== 'string' || value.length > 20_000)) {
        return { ok: false, problem: `The request's ${name} is not text of a usable length.` };
      }
    }
    if (id !== undefined && id !== null && !plainField(id)) {
      return { ok: false, problem: "The request's id is not plain text." };
    }
    if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) {
      return {
        ok: false,
        problem: `The request's action is not one of MediaMTX's (${ACTIONS.join(', ')}).`,
      };
    }
    const fromQuery = singleParam((query as string | undefined) ?? '', ['token', 'jwt']);
    if (fromQuery === undefined) return { ok: false, problem: 'The query repeats token or jwt.' };
    const credential =
      (token as string | undefined) || fromQuery || (password as string | undefined) || null;
    const where = (path as string | undefined) ?? '';
    const streamAction = STREAM_ACTIONS[action];
    return {
      ok: true,
      request: {
        ask: streamAction ? { action: streamAction, stream: where, path: where } : null,
        token: credential,
        action,
        app: null,
        stream: where,
        client: (ip as string | undefined) || null,
      },
    };
  },
  answer(reason: HookReason) {
    if (reason === 'allowed')
      return { status: 200, body: 'OK\n', contentType: 'text/plain; charset=utf-8' };
    return {
      status: reason === 'no-token' ? 401 : 403,
      body: `${reason}\n`,
      contentType: 'text/plain; charset=utf-8',
    };
  },
  failure(status, sentence) {
    return { status, body: `${sentence}\n`, contentType: 'text/plain; charset=utf-8' };
  },
};
