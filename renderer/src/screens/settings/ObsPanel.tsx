import { useEffect, useState, type FormEvent } from 'react';
import type { ObsConnectionView, ObsStateView } from '../../../../shared/ipc.ts';
import { call, messageOf } from '../../api.ts';
import { Notice } from '../../components/Notice.tsx';
import { ObsStateLine } from '../../components/ObsStateLine.tsx';
import { KeepFreshPanel } from './KeepFreshPanel.tsx';

/**
 * Settings → OBS: the obs-websocket address, its password (write-only: it goes to the keychain
 * and never comes back, the panel only says whether one is stored), "Test connection", and
 * keep-fresh.
 */
export function ObsPanel() {
  const [connection, setConnection] = useState<ObsConnectionView | null>(null);
  const [url, setUrl] = useState('');
  const [password, setPassword] = useState('');
  const [tested, setTested] = useState<ObsStateView | null>(null);
  const [busy, setBusy] = useState<'save' | 'test' | 'forget' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  useEffect(() => {
    call('getObsConnection', {}).then(
      (c) => {
        setConnection(c);
        setUrl(c.url);
      },
      (e: unknown) => setError(messageOf(e)),
    );
  }, []);

  const run = async (
    what: 'save' | 'test' | 'forget',
    work: () => Promise<void>,
  ): Promise<void> => {
    setBusy(what);
    setError(null);
    setStatus(null);
    try {
      await work();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(null);
    }
  };
  const save = (event: FormEvent): void => {
    event.preventDefault();
    void run('save', async () => {
      const saved = await call('saveObsConnection', {
        url: url.trim() || (connection?.defaultUrl ?? ''),
        password: password || undefined,
      });
      setConnection(saved);
      setUrl(saved.url);
      setPassword('');
      setStatus(password ? 'Saved; the password is in the system keychain.' : 'Saved.');
    });
  };
  const test = (): void =>
    void run('test', async () => {
      setTested(null);
      setTested(
        await call('testObsConnection', {
          url: url.trim() || undefined,
          password: password || undefined,
        }),
      );
    });
  const forget = (): void =>
    void run('forget', async () => {
      const saved = await call('saveObsConnection', {
        url: url.trim() || (connection?.defaultUrl ?? ''),
        forgetPassword: true,
      });
      setConnection(saved);
      setStatus('The obs-websocket password was removed from the keychain.');
    });

  return (
    <section className="panel" aria-labelledby="obs-title">
      <h2 id="obs-title">OBS</h2>
      <p className="hint">
        Keycast puts publish tokens into OBS Studio (28 or newer) over its WebSocket server: in OBS,
        Tools → WebSocket Server Settings → Enable WebSocket server; “Show Connect Info” has the
        port and password.
      </p>
      <Notice error={error} status={status} />
      <form aria-label="OBS connection" onSubmit={save}>
        <div className="grid">
          <label>
            obs-websocket address
            <input
              value={url}
              placeholder={connection?.defaultUrl}
              spellCheck={false}
              onChange={(e) => setUrl(e.target.value)}
            />
          </label>
          <div className="field">
            <label htmlFor="obs-password">Password</label>
            <input
              id="obs-password"
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={password}
              placeholder={connection?.passwordStored ? '••••••••' : ''}
              onChange={(e) => setPassword(e.target.value)}
              aria-describedby="obs-password-hint"
            />
            <span id="obs-password-hint" className="hint" data-testid="obs-password-state">
              {connection?.passwordStored
                ? 'A password is saved in the keychain; type a new one to replace it.'
                : 'No password saved.'}
            </span>
          </div>
        </div>
        <div className="actions">
          <button type="submit" disabled={busy !== null}>
            Save
          </button>
          <button type="button" disabled={busy !== null} onClick={test}>
            {busy === 'test' ? 'Testing…' : 'Test connection'}
          </button>
          {connection?.passwordStored && (
            <button type="button" className="danger" disabled={busy !== null} onClick={forget}>
              Forget password
            </button>
          )}
        </div>
      </form>
      {tested && <ObsStateLine obs={tested} />}
      <KeepFreshPanel />
    </section>
  );
}
