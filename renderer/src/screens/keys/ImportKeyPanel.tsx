import { useState, type DragEvent, type FormEvent } from 'react';
import type { KeyView } from '../../../../shared/ipc.ts';
import { call, messageOf } from '../../api.ts';
import { ProviderSelect } from './ProviderSelect.tsx';

/** Brings in a key a platform gave you: a key file (chosen or dropped) or a pasted shared secret. */
export function ImportKeyPanel({
  onDone,
  onError,
}: {
  onDone: (key: KeyView) => void;
  onError: (m: string) => void;
}) {
  const [name, setName] = useState('');
  const [provider, setProvider] = useState('');
  const [appId, setAppId] = useState('');
  const [secret, setSecret] = useState('');
  const [encoding, setEncoding] = useState<'text' | 'base64' | 'base64url' | 'hex'>('text');
  const [hmac, setHmac] = useState<'HS256' | 'HS384' | 'HS512'>('HS256');
  const [dragging, setDragging] = useState(false);

  const common = { name: name.trim() || undefined, provider: provider || undefined };
  const fromPath = async (path: string): Promise<void> => {
    try {
      const { key } = await call('importKeyFile', {
        path,
        ...common,
        appId: appId.trim() || undefined,
      });
      onDone(key);
    } catch (e) {
      onError(messageOf(e));
    }
  };
  const choose = async (): Promise<void> => {
    try {
      const { path } = await call('chooseKeyFile', {});
      if (path) await fromPath(path);
    } catch (e) {
      onError(messageOf(e));
    }
  };
  const drop = (event: DragEvent): void => {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (file) void fromPath(window.keycast.pathForFile(file));
  };
  const pasteSecret = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    try {
      const { key } = await call('importSecret', { secret, encoding, alg: hmac, ...common });
      setSecret('');
      onDone(key);
    } catch (e) {
      onError(messageOf(e));
    }
  };
  return (
    <div className="panel" role="group" aria-label="Import a key">
      <div className="grid">
        <label>
          Name
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="from the file name"
          />
        </label>
        <ProviderSelect value={provider} onChange={setProvider} />
        {provider === 'vonage' && (
          <label>
            Vonage application id
            <input value={appId} onChange={(e) => setAppId(e.target.value)} />
          </label>
        )}
      </div>
      <div
        className={dragging ? 'dropzone active' : 'dropzone'}
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={drop}
      >
        <p>Drop a PEM, JWK or Vonage private.key file here, or</p>
        <button type="button" onClick={() => void choose()}>
          Choose file…
        </button>
      </div>
      <form onSubmit={(e) => void pasteSecret(e)} aria-label="Paste a shared secret">
        <div className="grid">
          <label>
            Shared secret (HMAC)
            <input
              type="password"
              autoComplete="off"
              value={secret}
              onChange={(e) => setSecret(e.target.value)}
            />
          </label>
          <label>
            Written as
            <select
              value={encoding}
              onChange={(e) => setEncoding(e.target.value as typeof encoding)}
            >
              <option value="text">text (Ant Media)</option>
              <option value="base64">base64</option>
              <option value="base64url">base64url</option>
              <option value="hex">hex</option>
            </select>
          </label>
          <label>
            Algorithm
            <select value={hmac} onChange={(e) => setHmac(e.target.value as typeof hmac)}>
              <option>HS256</option>
              <option>HS384</option>
              <option>HS512</option>
            </select>
          </label>
        </div>
        <button type="submit" disabled={!secret}>
          Import secret
        </button>
      </form>
    </div>
  );
}
