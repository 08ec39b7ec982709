import { isIPv6 } from 'node:net';
import { InputError } from '../errors.ts';
import { expandIPv6 } from './clientInfo.ts';

export interface RateLimit {
  /** Requests a client may make per second, on average. */
  perSecond: number;
  /** Requests a client may make at once after a quiet spell (the bucket's size). */
  burst: number;
}

/**
 * Generous enough for an office behind one NAT address where a hundred attendees click the
 * invitation in the same minute; a flood is still cut down to 10 requests a second.
 */
export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 10, burst: 100 };

/** Buckets kept at most; past that, full buckets (idle clients) go first, then the oldest. */
const MAX_CLIENTS = 50_000;

export type Verdict = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * A token bucket per client (SECURITY.md §35): each request takes a token, tokens come back at
 * `perSecond`, a client with none left is told when to come back. Other clients' buckets are
 * untouched, so a flood from one address never slows the rest.
 */
export class RateLimiter {
  private readonly limit: RateLimit;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(limit: RateLimit = DEFAULT_RATE_LIMIT) {
    if (!(limit.perSecond > 0 && Number.isFinite(limit.perSecond))) {
      throw new InputError(
        `The rate limit must be a positive number of requests per second; got ${limit.perSecond}.`,
      );
    }
    if (!(Number.isInteger(limit.burst) && limit.burst >= 1)) {
      throw new InputError(`The burst must be a whole number of 1 or more; got ${limit.burst}.`);
    }
    this.limit = limit;
  }

  /** Takes one token from the client's bucket; `now` in milliseconds of a monotonic clock. */
  take(client: string, now = performance.now()): Verdict {
    const key = bucketKey(client);
    const bucket = this.buckets.get(key);
    const tokens = bucket
      ? Math.min(
          this.limit.burst,
          bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond,
        )
      : this.limit.burst;
    if (tokens < 1) {
      bucket!.tokens = tokens;
      bucket!.at = now;
      return { ok: false, retryAfterSeconds: Math.ceil((1 - tokens) / this.limit.perSecond) };
    }
    if (!bucket && this.buckets.size >= MAX_CLIENTS) this.evict(now);
    // Re-inserted so the Map's order is least recently seen first.
    this.buckets.delete(key);
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    return { ok: true };
  }

  private evict(now: number): void {
    for (const [key, bucket] of this.buckets) {
      const refilled = bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond;
      if (refilled >= this.limit.burst) this.buckets.delete(key);
    }
    // Everyone is mid-burst: the least recently seen tenth goes (they get a full bucket back).
    if (this.buckets.size >= MAX_CLIENTS) {
      let drop = Math.ceil(MAX_CLIENTS / 10);
      for (const key of this.buckets.keys()) {
        if (drop-- <= 0) break;
        this.buckets.delete(key);
      }
    }
  }
}

/**
 * One bucket per IPv4 address, and per IPv6 /64: a single host is usually given a whole /64, and
 * could otherwise take a fresh bucket for every request.
 */
function bucketKey(address: string): string {
  return isIPv6(address) ? `${expandIPv6(address).slice(0, 4).join(':')}::/64` : address;
}
