import type { z } from 'zod';
import { InputError, KeycastError } from '../errors.ts';

/** A provider's API answered with an error, or did not answer. The message never holds the token. */
export class ProviderApiError extends KeycastError {
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    // A refused request body is the user's input (exit 2); everything else is the environment (exit 3).
    super(
      status === 400 || status === 422 ? 'input' : status === 404 ? 'not-found' : 'environment',
      message,
      options,
    );
    this.status = status;
  }
}

export interface ApiClientOptions {
  /** e.g. "Kinescope": used in every message. */
  service: string;
  baseUrl: string;
  bearer: string;
  timeoutMs?: number;
  /** Retries for idempotent requests (GET, PUT, DELETE) after 429, 5xx, time-outs or network errors. */
  retries?: number;
  /** Hint for what to do about a refused token. */
  credentialHint: string;
  /** Cancels the request (and any retry) when the user cancels the job. */
  signal?: AbortSignal;
}

const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE', 'HEAD']);
const RETRYABLE = new Set([429, 500, 502, 503, 504]);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** No answer Keycast reads is near this; a bigger one is a wrong address or a hostile server. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** An answer that will not improve by asking again (too big, not JSON, not understood). */
class FinalAnswerError extends ProviderApiError {}

/**
 * JSON over HTTPS with normal certificate checks (Node's fetch). Plain HTTP is only allowed to
 * loopback, where the contract test servers run. Every answer is read up to 1 MiB, within the
 * time-out, and checked against the schema of what the caller expects.
 */
export class ApiClient {
  private readonly options: Required<Omit<ApiClientOptions, 'signal'>>;
  private readonly signal: AbortSignal | undefined;

  constructor(options: ApiClientOptions) {
    const url = parseBaseUrl(options.service, options.baseUrl);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      throw new KeycastError(
        'input',
        `${options.service} API address ${url.origin} must use https.`,
      );
    }
    // `??`, not spread defaults: an explicit `timeoutMs: undefined` must still get the default.
    this.signal = options.signal;
    this.options = {
      ...options,
      timeoutMs: options.timeoutMs ?? 10_000,
      retries: options.retries ?? 2,
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
    };
  }

  /** Sends a request and returns its answer once `schema` accepts it. */
  async request<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    const { service, retries } = this.options;
    const attempts = IDEMPOTENT.has(method) ? retries + 1 : 1;
    let lastError: ProviderApiError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      const outcome = await this.once(method, path, body);
      if (!(outcome instanceof ProviderApiError)) return understood(service, schema, outcome.data);
      lastError = outcome;
      if (this.signal?.aborted) break;
      const retryable = outcome.status === undefined || RETRYABLE.has(outcome.status);
      if (!retryable || attempt === attempts) break;
      await sleep(outcome.retryAfterMs ?? 200 * 2 ** (attempt - 1));
    }
    throw lastError ?? new ProviderApiError(`${service} could not be reached.`);
  }

  private async once(
    method: string,
    path: string,
    body: unknown,
  ): Promise<{ data: unknown } | (ProviderApiError & { retryAfterMs?: number })> {
    const { service, baseUrl, bearer, timeoutMs, credentialHint } = this.options;
    // One deadline for the headers and the whole body: a server that drips bytes cannot hold on.
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${bearer}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: this.signal ? AbortSignal.any([deadline, this.signal]) : deadline,
        redirect: 'error',
      });
      if (!response.ok) {
        // The body of a refusal is not read: the status says what Keycast needs to know.
        await response.body?.cancel().catch(() => undefined);
        return refusal(service, response, credentialHint);
      }
      const text = await readCapped(response, service);
      return { data: text ? parseJson(text, service) : null };
    } catch (cause) {
      if (cause instanceof FinalAnswerError) throw cause;
      if (this.signal?.aborted) {
        return new ProviderApiError(`The request to ${service} was cancelled.`, undefined, {
          cause,
        });
      }
      return new ProviderApiError(
        deadline.aborted
          ? `${service} did not answer within ${timeoutMs / 1000} s: check your connection and try again.`
          : `${service} could not be reached (${cause instanceof Error ? cause.message : 'network error'}): check your connection.`,
        undefined,
        { cause },
      );
    }
  }
}

/** The base address as a URL, or one sentence saying it is none (e.g. `--api-url ::`). */
function parseBaseUrl(service: string, value: string): URL {
  try {
    return new URL(value);
  } catch (cause) {
    throw new InputError(
      `The ${service} API address ${JSON.stringify(value.slice(0, 200))} is not a URL: give one like https://api.example.com.`,
      { cause },
    );
  }
}

/** Reads the body as it arrives and stops at MAX_RESPONSE_BYTES, so nothing bigger is buffered. */
async function readCapped(response: Response, service: string): Promise<string> {
  const tooBig = (): FinalAnswerError =>
    new FinalAnswerError(
      `${service} answered with more than ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB, far more than any answer Keycast reads: check the API address.`,
    );
  if (Number(response.headers.get('content-length')) > MAX_RESPONSE_BYTES) {
    await response.body?.cancel().catch(() => undefined);
    throw tooBig();
  }
  if (!response.body) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw tooBig();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function refusal(
  service: string,
  response: Response,
  credentialHint: string,
): ProviderApiError & { retryAfterMs?: number } {
  const retryAfterHeader = response.headers.get('retry-after');
  const error: ProviderApiError & { retryAfterMs?: number } = new ProviderApiError(
    describeStatus(service, response.status, credentialHint, retryAfterHeader),
    response.status,
  );
  const retryAfter = Number(retryAfterHeader);
  if (Number.isFinite(retryAfter) && retryAfter > 0)
    error.retryAfterMs = Math.min(retryAfter, 5) * 1000;
  return error;
}

function describeStatus(
  service: string,
  status: number,
  credentialHint: string,
  retryAfter: string | null,
): string {
  if (status === 401) return `${service} refused the API credential (401): ${credentialHint}.`;
  if (status === 403)
    return `${service} says this API credential may not do that (403): check its permissions in the ${service} dashboard.`;
  if (status === 404) return `${service} has no such item (404): check the id.`;
  if (status === 400 || status === 422)
    return `${service} rejected the request (${status}): check the values you passed.`;
  if (status === 429)
    return `${service} is rate-limiting requests (429)${retryAfter && /^\d{1,6}$/.test(retryAfter) ? `; it asks to wait ${retryAfter} s` : ''}: try again shortly.`;
  if (status >= 500) return `${service} had a server error (${status}): try again later.`;
  return `${service} answered with an unexpected status ${status}.`;
}

function parseJson(text: string, service: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new FinalAnswerError(`${service} answered with something that is not JSON.`, undefined, {
      cause,
    });
  }
}

/**
 * The answer as the schema reads it, or one sentence naming the first thing that does not fit
 * (where and what, never the value: it came from the network).
 */
function understood<T>(service: string, schema: z.ZodType<T>, data: unknown): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'the answer';
  const what =
    issue.code === 'invalid_type' && issue.message.endsWith('received undefined')
      ? `${where} is missing`
      : `${where}: ${issue.message.replace(/^Invalid input: /, '')}`;
  throw new ProviderApiError(`${service} answered something Keycast does not understand: ${what}.`);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
