import { exceedsJsonDepth } from '../../json.ts';
import type { HookName, HookReason } from '../types.ts';
import type { StreamAsk } from './verifier.ts';

/** A media server's callback, read: what it asks, the token it passed on, who asked it. */
export interface HookRequest {
  /** What a token decides; null for an action no stream token grants (MediaMTX's api, metrics). */
  ask: StreamAsk | null;
  token: string | null;
  /** As the media server named it: publish, play, read, playback… */
  action: string;
  app: string | null;
  stream: string;
  /** The publisher's or player's address as the media server reported it. */
  client: string | null;
}

export type ParseResult = { ok: true; request: HookRequest } | { ok: false; problem: string };

export interface HookAnswer {
  status: number;
  body: string;
  contentType: string;
}

/** One media server's callback format: what it sends and the answers it understands. */
export interface HookProtocol {
  name: HookName;
  /** Media types (lower case, without parameters) its requests carry. */
  contentTypes: readonly string[];
  parse(body: string): ParseResult;
  answer(reason: HookReason): HookAnswer;
  /** The answer to a request Keycast could not read (400) or would not take (413, 408, 429). */
  failure(status: number, sentence: string): HookAnswer;
}

/** Longest name, path or address a media server's callback may hold; tokens have their own limit. */
export const MAX_FIELD = 512;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A plain field: a string within the length limit, without control characters. */
export function plainField(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_FIELD && !CONTROL.test(value);
}

/** A JSON object from a body, or the sentence saying why not (never repeating the body). */
export function jsonObject(
  body: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; problem: string } {
  if (exceedsJsonDepth(body, 4)) {
    return { ok: false, problem: 'The body nests JSON deeper than a callback ever does.' };
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, problem: 'The body is not JSON.' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problem: 'The body is JSON but not an object.' };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/**
 * The one value of `name` in a query string (`?token=…&salt=…`, with or without the `?`); null
 * when absent; undefined when it appears more than once (ambiguous: refused).
 */
export function singleParam(query: string, names: readonly string[]): string | null | undefined {
  const params = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  for (const name of names) {
    const values = params.getAll(name);
    if (values.length > 1) return undefined;
    if (values.length === 1) return values[0] || null;
  }
  return null;
}
