import type { HookReason } from '../types.ts';
import {
  jsonObject,
  plainField,
  singleParam,
  type HookProtocol,
  type ParseResult,
} from './protocol.ts';

/**
 * SRS's HTTP callbacks `on_publish` and `on_play` (ossrs.io, docs "HTTP Callback"): a JSON POST
 * with action, client_id, ip, vhost, app, stream, param ("?token=…"), server_id, stream_url,
 * stream_id… SRS allows only on HTTP 200 whose body is the integer 0 or a JSON object with
 * `"code": 0`; any other code (or status) refuses. SRS's own requests say
 * `Content-Type: application-json` (sic, as its protocol section shows), so that is read too.
 */
export const srsHook: HookProtocol = {
  name: 'srs',
  contentTypes: ['application/json', 'application-json'],
  parse(body): ParseResult {
    const parsed = jsonObject(body);
    if (!parsed.ok) return parsed;
    const { action, app, stream, param, ip } = parsed.value;
    if (action !== 'on_publish' && action !== 'on_play') {
      return {
        ok: false,
        problem:
          'The action is not "on_publish" or "on_play": point only those two callbacks here.',
      };
    }
    if (!plainField(app) || !plainField(stream) || stream === '') {
      return { ok: false, problem: 'The callback has no usable app and stream.' };
    }
    if (param !== undefined && typeof param !== 'string') {
      return { ok: false, problem: "The callback's param is not text." };
    }
    if (typeof param === 'string' && param.length > 20_000) {
      return { ok: false, problem: "The callback's param is longer than a stream URL can be." };
    }
    const token = singleParam(param ?? '', ['token']);
    if (token === undefined) return { ok: false, problem: 'The param repeats token.' };
    const type = action === 'on_publish' ? 'publish' : 'play';
    return {
      ok: true,
      request: {
        ask: { action: type, stream, path: app ? `${app}/${stream}` : stream },
        token,
        action: type,
        app,
        stream,
        client: plainField(ip) ? ip : null,
      },
    };
  },
  answer(reason: HookReason) {
    const body =
      reason === 'allowed'
        ? '{"code":0}\n'
        : `${JSON.stringify({ code: 403, msg: `keycast: ${reason}` })}\n`;
    return { status: 200, body, contentType: 'application/json' };
  },
  failure(status, sentence) {
    return {
      status,
      body: `${JSON.stringify({ code: status, msg: sentence })}\n`,
      contentType: 'application/json',
    };
  },
};
