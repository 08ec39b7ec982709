import { useEffect, useState } from 'react';
import type { Settings } from '../../shared/ipc.ts';
import { call } from './api.ts';
import { ErrorBoundary } from './components/ErrorBoundary.tsx';
import { StatusBanner } from './components/StatusBanner.tsx';
import { ActivityScreen } from './screens/ActivityScreen.tsx';
import { InspectScreen } from './screens/InspectScreen.tsx';
import { KeysScreen } from './screens/KeysScreen.tsx';
import { LinksScreen } from './screens/LinksScreen.tsx';
import { MintScreen } from './screens/MintScreen.tsx';
import { ProvidersScreen } from './screens/ProvidersScreen.tsx';
import { SettingsScreen } from './screens/SettingsScreen.tsx';

const SCREENS = ['Keys', 'Mint', 'Links', 'Inspect', 'Providers', 'Activity', 'Settings'] as const;
type Screen = (typeof SCREENS)[number];

/** Applies the theme: "system" follows prefers-color-scheme through CSS alone. */
function applyTheme(theme: Settings['theme']): void {
  document.documentElement.dataset.theme = theme;
}

export function App() {
  const [screen, setScreen] = useState<Screen>('Keys');
  const [keychain, setKeychain] = useState<string | null>(null);
  const [notices, setNotices] = useState<string[]>([]);
  useEffect(() => {
    call('getSettings', {}).then(
      (s) => applyTheme(s.theme),
      () => undefined,
    );
    call('appInfo', {}).then(
      (i) => {
        setKeychain(i.keychain.message);
        setNotices(i.notices);
      },
      () => undefined,
    );
  }, []);
  return (
    <div className="app">
      <nav aria-label="Screens">
        <span className="brand">Keycast</span>
        <ul>
          {SCREENS.map((s) => (
            <li key={s}>
              <button
                type="button"
                aria-current={screen === s ? 'page' : undefined}
                onClick={() => setScreen(s)}
              >
                {s}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main>
        {keychain && (
          <p role="alert" className="notice bad">
            {keychain}
          </p>
        )}
        {notices.map((notice) => (
          <p key={notice} role="status" className="notice">
            {notice}
          </p>
        ))}
        {/* what expires or waits for the person, asked again on every change of screen */}
        <StatusBanner refreshKey={screen} />
        {/* keyed by screen: moving to another screen clears a failure */}
        <ErrorBoundary key={screen} screen={screen}>
          {screen === 'Keys' && <KeysScreen />}
          {screen === 'Mint' && <MintScreen />}
          {screen === 'Links' && <LinksScreen />}
          {screen === 'Inspect' && <InspectScreen />}
          {screen === 'Providers' && <ProvidersScreen />}
          {screen === 'Activity' && <ActivityScreen />}
          {screen === 'Settings' && <SettingsScreen onSettings={(s) => applyTheme(s.theme)} />}
        </ErrorBoundary>
      </main>
    </div>
  );
}
