import { KeycastError } from '../errors.ts';

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

/**
 * JSON over HTTPS with normal certificate checks (Node's fetch). Plain HTTP is only allowed to
 * loopback, where the contract test servers run.
 */
export class ApiClient {
  private readonly options: Required<Omit<ApiClientOptions, 'signal'>>;
  private readonly signal: AbortSignal | undefined;

  constructor(options: ApiClientOptions) {
    const url = new URL(options.baseUrl);
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

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; data: T }> {
    const { service, retries } = this.options;
    const attempts = IDEMPOTENT.has(method) ? retries + 1 : 1;
    let lastError: ProviderApiError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      const outcome = await this.once<T>(method, path, body);
      if (!(outcome instanceof ProviderApiError)) return outcome;
      lastError = outcome;
      if (this.signal?.aborted) break;
      const retryable = outcome.status === undefined || RETRYABLE.has(outcome.status);
      if (!retryable || attempt === attempts) break;
      await sleep(outcome.retryAfterMs ?? 200 * 2 ** (attempt - 1));
    }
    throw lastError ?? new ProviderApiError(`${service} could not be reached.`);
  }

  private async once<T>(
    method: string,
    path: string,
    body: unknown,
  ): Promise<{ status: number; data: T } | (ProviderApiError & { retryAfterMs?: number })> {
    const { service, baseUrl, bearer, timeoutMs, credentialHint } = this.options;
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${bearer}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: this.signal
          ? AbortSignal.any([AbortSignal.timeout(timeoutMs), this.signal])
          : AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (cause) {
      const timedOut = cause instanceof DOMException && cause.name === 'TimeoutError';
      if (this.signal?.aborted) {
        return new ProviderApiError(`The request to ${service} was cancelled.`, undefined, {
          cause,
        });
      }
      return new ProviderApiError(
        timedOut
          ? `${service} did not answer within ${timeoutMs / 1000} s: check your connection and try again.`
          : `${service} could not be reached (${cause instanceof Error ? cause.message : 'network error'}): check your connection.`,
        undefined,
        { cause },
      );
    }
    const text = await response.text();
    if (response.ok) {
      return { status: response.status, data: (text ? parseJson(text, service) : null) as T };
    }
    const error: ProviderApiError & { retryAfterMs?: number } = new ProviderApiError(
      describeStatus(service, response.status, credentialHint, response.headers.get('retry-after')),
      response.status,
    );
    const retryAfter = Number(response.headers.get('retry-after'));
    if (Number.isFinite(retryAfter) && retryAfter > 0)
      error.retryAfterMs = Math.min(retryAfter, 5) * 1000;
    return error;
  }
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
    return `${service} is rate-limiting requests (429)${retryAfter ? `; it asks to wait ${retryAfter} s` : ''}: try again shortly.`;
  if (status >= 500) return `${service} had a server error (${status}): try again later.`;
  return `${service} answered with an unexpected status ${status}.`;
}

function parseJson(text: string, service: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ProviderApiError(`${service} answered with something that is not JSON.`, undefined, {
      cause,
    });
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Kinescope wraps results as {"data": …}; accept both that and a bare object. */
export function unwrapData<T>(body: unknown): T {
  if (body && typeof body === 'object' && 'data' in body) return (body as { data: T }).data;
  return body as T;
}
