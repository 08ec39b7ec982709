import type { ObsStateView } from '../../../shared/ipc.ts';

/** OBS's state in a word (the badge) and a sentence: what it runs, or what stands in the way. */
export function obsStateWords(obs: ObsStateView | null): {
  badge: string;
  tone: 'ok' | 'warn' | 'bad' | '';
  sentence: string;
} {
  if (!obs) return { badge: 'looking…', tone: '', sentence: 'Looking for OBS…' };
  if (obs.state === 'problem') {
    const badge =
      obs.problem === 'not-running'
        ? 'not running'
        : obs.problem === 'server-off'
          ? 'WebSocket server off'
          : obs.problem === 'password-missing' || obs.problem === 'password-wrong'
            ? 'password'
            : 'unavailable';
    return { badge, tone: 'bad', sentence: obs.message ?? 'OBS cannot be reached.' };
  }
  const version = obs.status ? `OBS ${obs.status.obsVersion}` : 'OBS';
  const server = obs.status?.server ? `, server ${obs.status.server}` : '';
  if (obs.state === 'live') {
    return {
      badge: 'live',
      tone: 'warn',
      sentence: `${version} is live${server}: Keycast leaves the stream settings of a live stream alone (changing them would cut it). Stop the stream in OBS to send a new token.`,
    };
  }
  return { badge: 'ready', tone: 'ok', sentence: `${version} is ready${server}.` };
}

/** The state as one status line, e.g. [ready] OBS 29.1.3 is ready, server rtmp://…. */
export function ObsStateLine({ obs, id }: { obs: ObsStateView | null; id?: string }) {
  const words = obsStateWords(obs);
  return (
    <p role="status" id={id} data-testid="obs-state" className="obs-state">
      <span className={`badge ${words.tone}`.trim()}>{words.badge}</span> {words.sentence}
    </p>
  );
}
