import { useCallback, useEffect, useRef, useState } from 'react';
import type { ObsStateView, Params, ResponseOf } from '../../../../shared/ipc.ts';
import { call, messageOf } from '../../api.ts';
import { Notice } from '../../components/Notice.tsx';
import { ObsStateLine } from '../../components/ObsStateLine.tsx';
import { countdown, formatSpan } from '../../format.ts';

/** What the Mint form held when this result was minted: main mints OBS's own token from it. */
export interface MintRequest {
  provider: string;
  kind: string;
  key?: string;
  params: Params;
  ttlSeconds?: number;
}

/** How often OBS's state is asked while the result is on screen. */
export const OBS_POLL_MS = 5_000;
/**
 * Keep-fresh's margin when it is turned on from here (Settings → OBS changes it): 10 minutes, or
 * half of a shorter token's lifetime (whole minutes, at least one).
 */
export function defaultMargin(ttlSeconds: number | undefined): number {
  const half = Math.floor((ttlSeconds ?? 3600) / 2 / 60) * 60;
  return Math.max(60, Math.min(600, half));
}

type Sent = ResponseOf<'sendToObs'>;

/** The line after a push: where OBS now points, until when its token is good, whether it streams. */
export function sentLine(sent: Sent, now = Date.now()): string {
  const server = sent.status.server ? `server ${sent.status.server}` : 'its stream settings';
  const expiry = sent.expiresAt
    ? ` The token in OBS ${countdown(sent.expiresAt, now).text} (${new Date(sent.expiresAt).toLocaleTimeString()}).`
    : '';
  const started = sent.started
    ? ' Streaming: the server accepted the stream.'
    : ' OBS is not streaming yet.';
  return `Sent to OBS ${sent.status.obsVersion}: ${server}, read back and checked.${expiry}${started}`;
}

/**
 * "Send to OBS" and "Send and start streaming" for a publish token: main mints a fresh token from
 * the same form values and puts it into OBS (the token and key never cross IPC). OBS's state is
 * asked every few seconds while this is on screen; while OBS is live both buttons are disabled.
 */
export function ObsSend({
  request,
  whipAvailable,
}: {
  request: MintRequest;
  whipAvailable: boolean;
}) {
  const [obs, setObs] = useState<ObsStateView | null>(null);
  const [busy, setBusy] = useState<'send' | 'start' | null>(null);
  const [sent, setSent] = useState<Sent | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [whip, setWhip] = useState(false);
  const [keepFresh, setKeepFresh] = useState<string | null>(null);
  const alive = useRef(true);

  const refresh = useCallback(async (): Promise<void> => {
    try {
      const state = await call('obsState', {});
      if (alive.current) setObs(state);
    } catch (e) {
      if (alive.current)
        setObs({ state: 'problem', url: '', status: null, problem: null, message: messageOf(e) });
    }
  }, []);

  useEffect(() => {
    alive.current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // One question at a time: the next only after OBS answered the last (or it timed out).
    const loop = async (): Promise<void> => {
      await refresh();
      if (alive.current) timer = setTimeout(() => void loop(), OBS_POLL_MS);
    };
    void loop();
    return () => {
      alive.current = false;
      clearTimeout(timer);
    };
  }, [refresh]);

  const live = obs?.state === 'live';
  const noWhip = whip && obs?.status !== null && obs?.status?.whip === false;

  const send = async (start: boolean): Promise<void> => {
    if (!request.key) return;
    setBusy(start ? 'start' : 'send');
    setError(null);
    try {
      const answer = await call('sendToObs', {
        provider: request.provider,
        kind: request.kind,
        key: request.key,
        params: request.params,
        ttlSeconds: request.ttlSeconds,
        whip: whip || undefined,
        start: start || undefined,
      });
      if (alive.current) setSent(answer);
    } catch (e) {
      if (alive.current) {
        setError(messageOf(e));
        setSent(null);
      }
    } finally {
      if (alive.current) setBusy(null);
      await refresh();
    }
  };

  const keepFreshWithThese = async (): Promise<void> => {
    if (!request.key) return;
    const margin = defaultMargin(request.ttlSeconds);
    try {
      await call('saveObsKeepFresh', {
        enabled: true,
        provider: request.provider,
        kind: request.kind,
        key: request.key,
        params: request.params,
        ttlSeconds: request.ttlSeconds,
        whip,
        marginSeconds: margin,
      });
      setKeepFresh(
        `Keep-fresh is on with these values: every 30 s, whenever OBS is not live and its token has less than ${formatSpan(margin)} left (or is not one of this key’s), Keycast puts a new one in. Settings → OBS changes or stops it.`,
      );
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <section className="obs-send" aria-labelledby="obs-send-title">
      <h3 id="obs-send-title">OBS</h3>
      <ObsStateLine obs={obs} id="obs-state-line" />
      {whipAvailable && (
        <label className="chip">
          <input type="checkbox" checked={whip} onChange={(e) => setWhip(e.target.checked)} />
          WHIP instead of RTMP (OBS 30+)
        </label>
      )}
      <div className="actions">
        <button
          type="button"
          disabled={busy !== null || live || noWhip}
          aria-describedby="obs-state-line"
          onClick={() => void send(false)}
        >
          {busy === 'send' ? 'Sending…' : 'Send to OBS'}
        </button>
        <button
          type="button"
          disabled={busy !== null || live || noWhip}
          aria-describedby="obs-state-line"
          onClick={() => void send(true)}
        >
          {busy === 'start' ? 'Starting the stream…' : 'Send and start streaming'}
        </button>
        <button type="button" className="link" onClick={() => void keepFreshWithThese()}>
          Keep OBS’s token fresh with these values
        </button>
      </div>
      <p className="hint">
        Keycast mints a fresh token from the values above for OBS (the token shown here stays yours
        to copy) and checks that OBS kept it.
        {noWhip && ' This OBS has no WHIP output: update to OBS 30 or send RTMP.'}
      </p>
      <Notice error={error} status={sent ? sentLine(sent) : keepFresh} />
      {sent && keepFresh && <p className="notice">{keepFresh}</p>}
      {sent?.warnings.map((w) => (
        <p key={w} className="notice warn">
          {w}
        </p>
      ))}
    </section>
  );
}
