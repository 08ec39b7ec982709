import type { ObsConnection, ObsTarget } from './connection.ts';
import { withObs } from './connection.ts';
import { ObsError, type ObsProblem } from './errors.ts';

/** What OBS says about itself and its stream, without the stream key. */
export interface ObsStatus {
  obsVersion: string;
  websocketVersion: string;
  streaming: boolean;
  reconnecting: boolean;
  serviceType: string;
  /** The service's server (custom RTMP, WHIP) or service name (a listed service); never the key. */
  server: string | null;
  /** WHIP output exists from OBS 30 on. */
  whip: boolean;
}

/** The first OBS with a WHIP service (`whip_custom`). */
export const FIRST_OBS_WITH_WHIP = 30;

export async function readStatus(obs: ObsConnection): Promise<ObsStatus> {
  const stream = await obs.call('GetStreamStatus');
  const service = await obs.call('GetStreamServiceSettings');
  const settings = service.streamServiceSettings as Record<string, unknown>;
  const server =
    typeof settings.server === 'string'
      ? settings.server
      : typeof settings.service === 'string'
        ? settings.service
        : null;
  return {
    obsVersion: obs.version.obsVersion,
    websocketVersion: obs.version.websocketVersion,
    streaming: stream.outputActive,
    reconnecting: stream.outputReconnecting,
    serviceType: service.streamServiceType,
    server,
    whip: obs.obsMajor >= FIRST_OBS_WITH_WHIP,
  };
}

/** OBS as the app shows it: ready, live, or the problem that stands in the way, in one sentence. */
export type ObsState =
  | { state: 'ready' | 'live'; status: ObsStatus }
  | { state: 'problem'; problem: ObsProblem; message: string };

export async function probeObs(target: ObsTarget): Promise<ObsState> {
  try {
    const status = await withObs(target, readStatus);
    return { state: status.streaming || status.reconnecting ? 'live' : 'ready', status };
  } catch (error) {
    if (error instanceof ObsError)
      return { state: 'problem', problem: error.problem, message: error.message };
    throw error;
  }
}
