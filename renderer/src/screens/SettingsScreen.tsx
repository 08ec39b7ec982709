import { useEffect, useState, type FormEvent } from 'react';
import type { ProviderView, ResponseOf, Settings } from '../../../shared/ipc.ts';
import { call, messageOf } from '../api.ts';
import { CopyField } from '../components/CopyField.tsx';
import { Notice } from '../components/Notice.tsx';
import { formatSpan } from '../format.ts';
import { BackupPanel } from './settings/BackupPanel.tsx';
import { ObsPanel } from './settings/ObsPanel.tsx';

export function SettingsScreen({ onSettings }: { onSettings: (settings: Settings) => void }) {
  const [info, setInfo] = useState<ResponseOf<'appInfo'> | null>(null);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [providers, setProviders] = useState<ProviderView[]>([]);
  const [minutes, setMinutes] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  useEffect(() => {
    Promise.all([call('appInfo', {}), call('getSettings', {}), call('listProviders', {})]).then(
      ([i, s, p]) => {
        setInfo(i);
        setSettings(s);
        setProviders(p.providers);
        setMinutes(
          Object.fromEntries(Object.entries(s.defaultTtls).map(([k, v]) => [k, String(v / 60)])),
        );
      },
      (e: unknown) => setError(messageOf(e)),
    );
  }, []);
  if (!settings) return <Notice error={error} status="Loading settings…" />;

  const save = async (next: Settings): Promise<void> => {
    try {
      const saved = await call('saveSettings', next);
      setSettings(saved);
      onSettings(saved);
      setStatus('Settings saved.');
      setError(null);
    } catch (e) {
      setError(messageOf(e));
      throw e;
    }
  };
  const saveTtls = (event: FormEvent): void => {
    event.preventDefault();
    const defaultTtls: Record<string, number> = {};
    for (const [key, text] of Object.entries(minutes)) {
      if (!text.trim()) continue;
      const value = Number(text);
      if (!(value > 0))
        return setError(`The default lifetime for ${key} must be a positive number of minutes.`);
      defaultTtls[key] = Math.round(value * 60);
    }
    save({ ...settings, defaultTtls }).catch(() => undefined);
  };
  return (
    <section aria-labelledby="settings-title">
      <header className="screen-header">
        <h1 id="settings-title">Settings</h1>
      </header>
      <Notice error={error} status={status} />
      <section className="panel" aria-labelledby="data-title">
        <h2 id="data-title">Data</h2>
        {info && (
          <>
            <CopyField label="Data folder" value={info.dataDir} />
            <p>
              System keychain:{' '}
              {info.keychain.available ? (
                <span className="badge ok">available</span>
              ) : (
                <span className="badge bad">{info.keychain.message}</span>
              )}
            </p>
            <p className="hint">
              Keycast {info.version}. Set KEYCAST_HOME to use another data folder.
            </p>
          </>
        )}
      </section>
      <BackupPanel />
      <ObsPanel />
      <fieldset className="panel">
        <legend>Theme</legend>
        {(['system', 'light', 'dark'] as const).map((theme) => (
          <label key={theme} className="chip">
            <input
              type="radio"
              name="theme"
              checked={settings.theme === theme}
              onChange={() => {
                // Shown at once; saved in the background (a failure is reported and undone).
                const next = { ...settings, theme };
                setSettings(next);
                onSettings(next);
                void save(next).catch(() => setSettings(settings));
              }}
            />
            {theme === 'system' ? 'Follow the system' : theme === 'light' ? 'Light' : 'Dark'}
          </label>
        ))}
      </fieldset>
      <form className="panel" onSubmit={saveTtls} aria-label="Default token lifetimes">
        <h2>Default token lifetimes</h2>
        <div className="grid">
          {providers.flatMap((p) =>
            p.kinds
              .filter((k) => k.ttl)
              .map((k) => {
                const key = `${p.id}/${k.id}`;
                return (
                  <label key={key}>
                    {p.name} {k.id} (minutes)
                    <input
                      type="number"
                      min={1}
                      max={Math.floor((k.ttl?.max ?? 0) / 60)}
                      placeholder={String((k.ttl?.default ?? 0) / 60)}
                      value={minutes[key] ?? ''}
                      onChange={(e) => setMinutes({ ...minutes, [key]: e.target.value })}
                      aria-describedby={`${key}-max`}
                    />
                    <span id={`${key}-max`} className="hint">
                      at most {formatSpan(k.ttl?.max ?? 0)}
                    </span>
                  </label>
                );
              }),
          )}
        </div>
        <button type="submit">Save lifetimes</button>
      </form>
    </section>
  );
}
