import type { HookReason } from '../types.ts';
import { plainField, type HookProtocol, type ParseResult } from './protocol.ts';

/**
 * nginx-rtmp's `on_publish` and `on_play` (ngx_rtmp_notify_module): a form-encoded POST with
 * `call` (publish or play), `app`, `name`, `addr`, `clientid`, `tcurl`… and every argument of the
 * stream key's query (`stream1?token=JWT` arrives as name=stream1 and token=JWT). Any 2xx answer
 * allows, any 4xx refuses (3xx would redirect the stream: never sent). Configure only on_publish
 * and on_play here: other calls (done, update, connect) are refused as requests Keycast does not
 * decide.
 *
 * nginx-rtmp keeps at most 255 bytes of a stream key's arguments (NGX_RTMP_MAX_ARGS, 256, in
 * ngx_rtmp_cmd_module.h) and passes a longer token on cut, which is refused as malformed: Ant
 * Media's HS256 stream tokens (about 170 characters) fit; tokens with iat, jti or RSA signatures
 * do not.
 */
export const nginxRtmpHook: HookProtocol = {
  name: 'nginx-rtmp',
  contentTypes: ['application/x-www-form-urlencoded'],
  parse(body): ParseResult {
    let form: URLSearchParams;
    try {
      form = new URLSearchParams(body);
    } catch {
      return { ok: false, problem: 'The body is not a form.' };
    }
    const one = (name: string): string | null | undefined => {
      const values = form.getAll(name);
      return values.length > 1 ? undefined : (values[0] ?? null);
    };
    const call = one('call');
    const app = one('app');
    const name = one('name');
    const addr = one('addr');
    const token = one('token');
    if (call === undefined || app === undefined || name === undefined || token === undefined) {
      return { ok: false, problem: 'The form repeats call, app, name or token.' };
    }
    if (call !== 'publish' && call !== 'play') {
      return {
        ok: false,
        problem:
          'The form\'s call is not "publish" or "play": point only on_publish and on_play here.',
      };
    }
    if (!plainField(app) || !plainField(name) || name === '') {
      return { ok: false, problem: 'The form has no usable app and stream name.' };
    }
    const client = addr === undefined || addr === null || !plainField(addr) ? null : addr;
    return {
      ok: true,
      request: {
        ask: { action: call, stream: name, path: app ? `${app}/${name}` : name },
        token: token || null,
        action: call,
        app,
        stream: name,
        client,
      },
    };
  },
  answer(reason: HookReason) {
    return reason === 'allowed'
      ? { status: 200, body: 'OK\n', contentType: 'text/plain; charset=utf-8' }
      : { status: 403, body: `${reason}\n`, contentType: 'text/plain; charset=utf-8' };
  },
  failure(status, sentence) {
    return { status, body: `${sentence}\n`, contentType: 'text/plain; charset=utf-8' };
  },
};
