import { decodeProtectedHeader } from 'jose';
import { KeycastError } from '../errors.ts';
import { decodeClaimsUnverified } from '../tokens/inspect.ts';
import { formatSpan } from '../time.ts';
import { withObs, type ObsTarget } from './connection.ts';
import { pushService, streamNameOf, type ObsService } from './push.ts';

/**
 * Ant Media (and nginx-rtmp hooks) check a publish token when publishing starts, so a reconnect
 * after the token's `exp` fails. Keep-fresh pushes a new token whenever OBS is not live and the
 * one it holds has less than a margin left — never while live.
 */

/** Where OBS points and what Keycast can read of the token it holds (never the token itself). */
export interface HeldStream {
  type: string;
  server: string | null;
  streamName: string | null;
  kid: string | null;
  exp: number | null;
}

/** Where a push pointed OBS: keep-fresh looks after that stream and no other. */
export interface PushedStream {
  type: string;
  server: string;
  streamName: string | null;
}

export type Freshness =
  | { action: 'push'; reason: string }
  | { action: 'wait'; reason: string }
  | { action: 'leave'; reason: string };

/** Reads OBS's stream settings: the token in the key's query (`token=`, `jwt=`) or the WHIP bearer. */
export function heldStream(type: string, settings: Record<string, unknown>): HeldStream {
  const server = typeof settings.server === 'string' ? settings.server : null;
  let token: string | null = null;
  let streamName: string | null = null;
  if (typeof settings.bearer_token === 'string') token = settings.bearer_token;
  if (typeof settings.key === 'string') {
    const [name, query = ''] = settings.key.split('?', 2) as [string, string?];
    streamName = name || null;
    const params = new URLSearchParams(query);
    token =
      params.get('token') ?? params.get('jwt') ?? (name.split('.').length === 3 ? name : null);
  }
  let kid: string | null = null;
  let exp: number | null = null;
  if (token) {
    try {
      const header = decodeProtectedHeader(token);
      kid = typeof header.kid === 'string' ? header.kid : null;
      const claims = decodeClaimsUnverified(token);
      exp = typeof claims.exp === 'number' ? claims.exp : null;
    } catch {
      // Not a JWT Keycast can read: treated as holding no token of ours.
    }
  }
  return { type, server, streamName, kid, exp };
}

export function pushedStream(service: ObsService): PushedStream {
  return { type: service.type, server: service.server, streamName: streamNameOf(service) };
}

/** Whether to push now, given OBS's state, the token it holds and the last push keep-fresh made. */
export function decideFreshness(input: {
  nowSeconds: number;
  live: boolean;
  held: HeldStream;
  kid: string;
  last: PushedStream | null;
  marginSeconds: number;
}): Freshness {
  const { held, last } = input;
  if (input.live)
    return {
      action: 'wait',
      reason: 'OBS is live: its token is left alone until the stream stops.',
    };
  if (
    last &&
    (held.type !== last.type || held.server !== last.server || held.streamName !== last.streamName)
  ) {
    return {
      action: 'leave',
      reason:
        'OBS now points at another server or stream than Keycast put there: keep-fresh leaves it alone.',
    };
  }
  if (held.kid !== input.kid)
    return { action: 'push', reason: 'OBS holds no token signed with this key.' };
  if (held.exp === null)
    return { action: 'push', reason: "OBS's token has no expiry Keycast can read." };
  const left = held.exp - input.nowSeconds;
  if (left <= input.marginSeconds) {
    return {
      action: 'push',
      reason:
        left <= 0
          ? "OBS's token has expired."
          : `OBS's token expires in ${formatSpan(left)}, within the margin of ${formatSpan(input.marginSeconds)}.`,
    };
  }
  return {
    action: 'wait',
    reason: `OBS's token is good for ${formatSpan(left)}; a new one goes in ${formatSpan(left - input.marginSeconds)} from now (when OBS is not live).`,
  };
}

export interface FreshenOptions {
  target: ObsTarget;
  /** The kid of the key the tokens are signed with: a token of another key is not ours. */
  kid: string;
  marginSeconds: number;
  /** Mints a fresh token and returns OBS's settings for it (the same minting as `keycast mint`). */
  mint: () => Promise<ObsService>;
  now?: () => number;
}

export interface FreshenOutcome {
  decision: Freshness;
  pushed: PushedStream | null;
}

/** One look at OBS: pushes a fresh token when due. `last` is what the previous push put there. */
export async function freshenOnce(
  options: FreshenOptions,
  last: PushedStream | null,
): Promise<FreshenOutcome> {
  return withObs(options.target, async (obs) => {
    const stream = await obs.call('GetStreamStatus');
    const service = await obs.call('GetStreamServiceSettings');
    const decision = decideFreshness({
      nowSeconds: Math.floor((options.now?.() ?? Date.now()) / 1000),
      live: stream.outputActive || stream.outputReconnecting,
      held: heldStream(service.streamServiceType, service.streamServiceSettings),
      kid: options.kid,
      last,
      marginSeconds: options.marginSeconds,
    });
    if (decision.action !== 'push') return { decision, pushed: null };
    const fresh = await options.mint();
    await pushService(obs, fresh);
    return { decision, pushed: pushedStream(fresh) };
  });
}

export interface KeepFreshEvent {
  at: Date;
  /** What was decided (or the problem reaching OBS), in one sentence. */
  message: string;
  pushed: boolean;
  problem: boolean;
}

/** Looks at OBS every `intervalMs` until `signal` aborts; problems are reported, not fatal. */
export async function keepObsFresh(
  options: FreshenOptions & {
    intervalMs: number;
    signal: AbortSignal;
    report: (event: KeepFreshEvent) => void;
  },
): Promise<void> {
  let last: PushedStream | null = null;
  while (!options.signal.aborted) {
    try {
      const outcome = await freshenOnce(options, last);
      if (outcome.pushed) last = outcome.pushed;
      options.report({
        at: new Date(),
        message: outcome.pushed
          ? `${outcome.decision.reason} Pushed a fresh token.`
          : outcome.decision.reason,
        pushed: outcome.pushed !== null,
        problem: false,
      });
    } catch (error) {
      // A mistake in Keycast itself stops the loop; OBS closed, a key gone… are reported and retried.
      if (!(error instanceof KeycastError)) throw error;
      options.report({ at: new Date(), message: error.message, pushed: false, problem: true });
    }
    await sleep(options.intervalMs, options.signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
