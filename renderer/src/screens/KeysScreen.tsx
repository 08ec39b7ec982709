import { useCallback, useEffect, useState } from 'react';
import type { KeyView } from '../../../shared/ipc.ts';
import { call, messageOf } from '../api.ts';
import { Notice } from '../components/Notice.tsx';
import { GenerateKeyPanel } from './keys/GenerateKeyPanel.tsx';
import { ImportKeyPanel } from './keys/ImportKeyPanel.tsx';
import { KeyDetails } from './keys/KeyDetails.tsx';
import { KeysTable } from './keys/KeysTable.tsx';

// The table was defined here first; tests and callers still import it from the screen.
export { FIRST_ROWS, KeysTable } from './keys/KeysTable.tsx';

export function KeysScreen() {
  const [keys, setKeys] = useState<KeyView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [panel, setPanel] = useState<'none' | 'generate' | 'import'>('none');
  const [selected, setSelected] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      setKeys((await call('listKeys', {})).keys);
    } catch (e) {
      setError(messageOf(e));
    }
  }, []);
  useEffect(() => void reload(), [reload]);

  const added = (key: KeyView, verb: string): void => {
    setStatus(`${verb} ${key.alg} key "${key.name}". Its private part is in the system keychain.`);
    setError(null);
    setPanel('none');
    setSelected(key.id);
    void reload();
  };

  return (
    <section aria-labelledby="keys-title">
      <header className="screen-header">
        <h1 id="keys-title">Keys</h1>
        <div className="actions">
          <button
            type="button"
            aria-expanded={panel === 'generate'}
            onClick={() => setPanel(panel === 'generate' ? 'none' : 'generate')}
          >
            Generate key
          </button>
          <button
            type="button"
            aria-expanded={panel === 'import'}
            onClick={() => setPanel(panel === 'import' ? 'none' : 'import')}
          >
            Import key
          </button>
        </div>
      </header>
      <Notice error={error} status={status} />
      {panel === 'generate' && (
        <GenerateKeyPanel onDone={(k) => added(k, 'Generated')} onError={setError} />
      )}
      {panel === 'import' && (
        <ImportKeyPanel onDone={(k) => added(k, 'Imported')} onError={setError} />
      )}
      {keys === null ? (
        <p>Loading keys…</p>
      ) : keys.length === 0 ? (
        <p className="empty">No keys yet. Generate one, or import the key a platform gave you.</p>
      ) : (
        <KeysTable keys={keys} selected={selected} onSelect={setSelected} />
      )}
      {selected && keys?.some((k) => k.id === selected) && (
        <KeyDetails
          id={selected}
          secretMissing={keys.find((k) => k.id === selected)?.status === 'secret missing'}
          onDeleted={(name) => {
            setSelected(null);
            setStatus(`Deleted key "${name}" and its keychain item.`);
            void reload();
          }}
          onChanged={() => void reload()}
          onError={setError}
        />
      )}
    </section>
  );
}
