import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { KeepFreshStateView } from '../../../../shared/ipc.ts';
import { call, messageOf } from '../../api.ts';
import { Notice } from '../../components/Notice.tsx';
import { formatSpan } from '../../format.ts';

/** How often the panel asks for keep-fresh's last look while Settings is open. */
export const KEEP_FRESH_POLL_MS = 10_000;

/** "host=media.example.com, stream=stream1": what the tokens name (never a token or a secret). */
export function describeParams(params: Record<string, string | string[] | boolean>): string {
  return Object.entries(params)
    .map(([name, value]) => `${name}=${Array.isArray(value) ? value.join('|') : String(value)}`)
    .join(', ');
}

/**
 * "Keep OBS's token fresh": what it mints (chosen in Mint, from a publish token's form values),
 * on or off, the margin, and what its last look at OBS found.
 */
export function KeepFreshPanel() {
  const [state, setState] = useState<KeepFreshStateView | null>(null);
  const [minutes, setMinutes] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async (first: boolean): Promise<void> => {
    try {
      const next = await call('obsKeepFreshState', {});
      setState(next);
      if (first && next.settings) setMinutes(String(next.settings.marginSeconds / 60));
    } catch (e) {
      setError(messageOf(e));
    }
  }, []);
  useEffect(() => {
    void load(true);
    const timer = setInterval(() => void load(false), KEEP_FRESH_POLL_MS);
    return () => clearInterval(timer);
  }, [load]);

  const settings = state?.settings ?? null;
  const save = async (enabled: boolean, event?: FormEvent): Promise<void> => {
    event?.preventDefault();
    if (!settings) return;
    const margin = Number(minutes);
    if (!(margin >= 1 && margin <= 1440)) {
      setError('The margin is a number of minutes from 1 to 1440.');
      return;
    }
    setBusy(true);
    try {
      setState(
        await call('saveObsKeepFresh', {
          ...settings,
          enabled,
          marginSeconds: Math.round(margin * 60),
        }),
      );
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="keep-fresh"
      aria-label="Keep OBS’s token fresh"
      onSubmit={(e) => void save(settings?.enabled ?? false, e)}
    >
      <h3>Keep OBS’s token fresh</h3>
      <p className="hint">
        Servers such as Ant Media check the token when publishing starts, so a reconnect after it
        expired fails. While the app is open, Keycast looks at OBS every 30 s and puts a new token
        in whenever OBS is not live and its token has less than the margin left. Never while live;
        an OBS you pointed at another server is left alone.
      </p>
      <Notice error={error} />
      {!settings ? (
        <p className="empty" data-testid="keep-fresh-empty">
          Not set up. In Mint, mint a publish token (for example Ant Media → publish), then press
          “Keep OBS’s token fresh with these values”.
        </p>
      ) : (
        <>
          <p data-testid="keep-fresh-what">
            {settings.provider} {settings.kind} tokens signed with “
            {state?.keyName ?? 'a key no longer in the vault'}” ({describeParams(settings.params)}
            {settings.ttlSeconds ? `, lifetime ${formatSpan(settings.ttlSeconds)}` : ''}
            {settings.whip ? ', WHIP' : ''}).
          </p>
          <div className="grid">
            <label>
              Margin (minutes)
              <input
                type="number"
                min={1}
                max={1440}
                value={minutes}
                onChange={(e) => setMinutes(e.target.value)}
              />
            </label>
          </div>
          <div className="actions">
            <label className="chip">
              <input
                type="checkbox"
                checked={settings.enabled}
                disabled={busy}
                onChange={(e) => void save(e.target.checked)}
              />
              Keep OBS’s token fresh
            </label>
            <button type="submit" disabled={busy}>
              Save margin
            </button>
          </div>
          <p role="status" data-testid="keep-fresh-last" className="hint">
            {state?.running
              ? state.last
                ? `${new Date(state.last.at).toLocaleTimeString()}: ${state.last.message}`
                : 'Looking at OBS…'
              : 'Off.'}
          </p>
        </>
      )}
    </form>
  );
}
