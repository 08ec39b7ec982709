import { InputError } from '../errors.ts';
import type { Links } from '../providers/types.ts';
import type { ObsConnection } from './connection.ts';
import { ObsError } from './errors.ts';
import { FIRST_OBS_WITH_WHIP, readStatus, type ObsStatus } from './status.ts';

/** What goes into OBS's Settings → Stream: custom RTMP (server + stream key) or WHIP. */
export type ObsService =
  | { type: 'rtmp_custom'; server: string; key: string }
  | { type: 'whip_custom'; server: string; bearerToken: string };

export interface PushOptions {
  /** Start streaming once the settings are in, and wait until the server accepts the stream. */
  start?: boolean;
  /** How long to wait for the stream to become active after StartStream. */
  startTimeoutMs?: number;
}

export interface PushResult {
  /** OBS after the push (and the start, when asked). */
  status: ObsStatus;
  started: boolean;
}

const DEFAULT_START_TIMEOUT_MS = 20_000;
const POLL_MS = 250;

/**
 * The OBS settings in a minted token's links: the `obs` link (server + stream key) for RTMP, the
 * `whip` link (URL + bare bearer token, which OBS prefixes with "Bearer " itself) for WHIP.
 */
export function serviceFromLinks(
  links: Links,
  options: { whip: boolean; what: string },
): ObsService {
  const link = links[options.whip ? 'whip' : 'obs'];
  if (options.whip) {
    if (typeof link === 'object' && link.url && link.bearerToken)
      return { type: 'whip_custom', server: link.url, bearerToken: link.bearerToken };
    throw new InputError(
      `${options.what} have no WHIP settings for OBS: push them without --whip.`,
    );
  }
  if (typeof link === 'object' && link.server && link.streamKey)
    return { type: 'rtmp_custom', server: link.server, key: link.streamKey };
  throw new InputError(
    `${options.what} have no OBS settings: choose a publish kind (for example "antmedia publish").`,
  );
}

/** The stream name of a key like "stream1?token=…" — the part before the query, never the token. */
export function streamNameOf(service: ObsService): string | null {
  if (service.type !== 'rtmp_custom') return null;
  const name = service.key.split('?')[0] ?? '';
  return name === '' ? null : name;
}

/**
 * Puts the service into OBS and reads it back; refuses while OBS is live (changing the service of
 * a live stream would cut it). With `start`, starts the stream and waits until the server accepts
 * it, or reports that the server refused it.
 */
export async function pushService(
  obs: ObsConnection,
  service: ObsService,
  options: PushOptions = {},
): Promise<PushResult> {
  if (service.type === 'whip_custom' && obs.obsMajor < FIRST_OBS_WITH_WHIP) {
    throw new ObsError(
      'too-old',
      `This OBS (${obs.version.obsVersion}) has no WHIP output: WHIP needs OBS ${FIRST_OBS_WITH_WHIP} or newer. Update OBS, or push the RTMP settings (without --whip).`,
    );
  }
  await refuseWhileLive(obs);
  const settings: Record<string, string> =
    service.type === 'rtmp_custom'
      ? { server: service.server, key: service.key }
      : { server: service.server, bearer_token: service.bearerToken };
  try {
    await obs.call('SetStreamServiceSettings', {
      streamServiceType: service.type,
      streamServiceSettings: settings,
    });
  } catch (error) {
    // 500: OutputRunning — OBS began streaming between the check and the change.
    if (error instanceof ObsError && /running|active/i.test(error.message))
      await refuseWhileLive(obs);
    throw error;
  }
  await checkReadBack(obs, service.type, settings);
  if (!options.start) return { status: await readStatus(obs), started: false };
  await startAndWait(obs, service, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  return { status: await readStatus(obs), started: true };
}

async function refuseWhileLive(obs: ObsConnection): Promise<void> {
  const stream = await obs.call('GetStreamStatus');
  if (stream.outputActive || stream.outputReconnecting) {
    throw new ObsError(
      'live',
      'OBS is streaming: Keycast leaves the stream settings of a live stream alone (changing them would cut it). Stop the stream in OBS, then push again.',
    );
  }
}

async function checkReadBack(
  obs: ObsConnection,
  type: ObsService['type'],
  sent: Record<string, string>,
): Promise<void> {
  const stored = await obs.call('GetStreamServiceSettings');
  const held = stored.streamServiceSettings as Record<string, unknown>;
  const differing = Object.keys(sent).filter((name) => held[name] !== sent[name]);
  if (stored.streamServiceType !== type) differing.unshift('service type');
  if (differing.length > 0) {
    // Names only: the values hold the token.
    throw new ObsError(
      'read-back',
      `OBS did not keep the stream settings Keycast sent (${differing.join(', ')} differ on reading them back): check that no other tool changes them, then push again.`,
    );
  }
}

/** StartStream, then the first of: the output active (accepted), stopped (refused), time up. */
async function startAndWait(
  obs: ObsConnection,
  service: ObsService,
  timeoutMs: number,
): Promise<void> {
  let stopped = false;
  let started = false;
  const unsubscribe = obs.onStreamState((state) => {
    if (state.outputState === 'OBS_WEBSOCKET_OUTPUT_STARTED') started = true;
    if (state.outputState === 'OBS_WEBSOCKET_OUTPUT_STOPPED') stopped = true;
  });
  try {
    await obs.call('StartStream');
    const deadline = Date.now() + timeoutMs;
    while (!stopped) {
      const stream = await obs.call('GetStreamStatus');
      if ((started || stream.outputActive) && stream.outputActive && !stream.outputReconnecting)
        return;
      if (Date.now() > deadline) {
        throw new ObsError(
          'timeout',
          `OBS did not start streaming within ${Math.round(timeoutMs / 1000)} s: check the server address and that the server is reachable from OBS.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const stream = streamNameOf(service);
    throw new ObsError(
      'stream-refused',
      `The server refused the stream: OBS stopped right after connecting. Check that the token is a publish token${stream ? ` for stream "${stream}"` : ''}, that it has not expired, and that the server checks it with the key it was signed with.`,
    );
  } finally {
    unsubscribe();
  }
}
