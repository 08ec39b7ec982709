import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { GuideStep, KeyView, RemoteKey } from '../../../shared/ipc.ts';
import { call, messageOf } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { CopyField } from '../components/CopyField.tsx';
import { JobStatus } from '../components/JobStatus.tsx';
import { Notice } from '../components/Notice.tsx';
import { shortDate } from '../format.ts';
import { useJob } from '../useJob.ts';

const CREDENTIALS = [
  { name: 'kinescope', label: 'Kinescope API token' },
  { name: 'nativeframe', label: 'Native Frame service JWT' },
];

export function ProvidersScreen() {
  const [keys, setKeys] = useState<KeyView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const reloadKeys = useCallback(() => {
    call('listKeys', {}).then(
      (r) => setKeys(r.keys),
      (e: unknown) => setError(messageOf(e)),
    );
  }, []);
  useEffect(reloadKeys, [reloadKeys]);
  const report = { onError: setError, onStatus: (m: string) => (setStatus(m), setError(null)) };
  return (
    <section aria-labelledby="providers-title">
      <header className="screen-header">
        <h1 id="providers-title">Providers</h1>
      </header>
      <Notice error={error} status={status} />
      <Credentials {...report} />
      <Kinescope keys={keys} onKeysChanged={reloadKeys} {...report} />
      <Guides keys={keys} onError={setError} />
    </section>
  );
}

interface Report {
  onError: (message: string) => void;
  onStatus: (message: string) => void;
}

function Credentials({ onError, onStatus }: Report) {
  const [stored, setStored] = useState<{ name: string; masked: string }[]>([]);
  const [name, setName] = useState('kinescope');
  const [secret, setSecret] = useState('');
  const reload = useCallback(() => {
    call('listCredentials', {}).then(
      (r) => setStored(r.credentials),
      (e: unknown) => onError(messageOf(e)),
    );
  }, [onError]);
  useEffect(reload, [reload]);
  const save = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    try {
      await call('setCredential', { name, secret });
      setSecret('');
      onStatus(`Stored the ${name} credential in the system keychain.`);
      reload();
    } catch (e) {
      onError(messageOf(e));
    }
  };
  const remove = async (credential: string): Promise<void> => {
    try {
      await call('deleteCredential', { name: credential });
      onStatus(`Deleted the ${credential} credential.`);
      reload();
    } catch (e) {
      onError(messageOf(e));
    }
  };
  return (
    <section className="panel" aria-labelledby="credentials-title">
      <h2 id="credentials-title">Credentials</h2>
      {stored.length === 0 ? (
        <p className="empty">No credentials stored.</p>
      ) : (
        <ul className="plain">
          {stored.map((c) => (
            <li key={c.name}>
              <strong>{c.name}</strong> <code aria-label="hidden value">{c.masked}</code>{' '}
              <button
                type="button"
                onClick={() => void remove(c.name)}
                aria-label={`Delete credential ${c.name}`}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={(e) => void save(e)} aria-label="Store a credential" className="grid">
        <label>
          Credential
          <select value={name} onChange={(e) => setName(e.target.value)}>
            {CREDENTIALS.map((c) => (
              <option key={c.name} value={c.name}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Secret
          <input
            type="password"
            autoComplete="off"
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
          />
        </label>
        <button type="submit" disabled={!secret.trim()}>
          Save to keychain
        </button>
      </form>
    </section>
  );
}

function Kinescope({
  keys,
  onKeysChanged,
  onError,
  onStatus,
}: Report & { keys: KeyView[]; onKeysChanged: () => void }) {
  const [remote, setRemote] = useState<RemoteKey[] | null>(null);
  const [keyId, setKeyId] = useState('');
  const [deleting, setDeleting] = useState<RemoteKey | null>(null);
  const [eventId, setEventId] = useState('');
  const [required, setRequired] = useState(true);
  const job = useJob();
  const candidates = keys.filter((k) => k.alg === 'RS256' && k.status === 'active');
  const chosen =
    keyId || candidates.find((k) => k.provider === 'kinescope')?.id || candidates[0]?.id || '';

  const refresh = async (): Promise<void> => {
    try {
      setRemote((await call('kinescopeKeys', {})).keys);
    } catch (e) {
      onError(messageOf(e));
    }
  };
  const upload = async (): Promise<void> => {
    try {
      const { key } = await job.run((jobId) => call('uploadToKinescope', { jobId, key: chosen }));
      onStatus(`Uploaded "${key.name}" to Kinescope and read it back: it matches.`);
      onKeysChanged();
      await refresh();
    } catch (e) {
      onError(messageOf(e));
    }
  };
  const remove = async (key: RemoteKey): Promise<void> => {
    setDeleting(null);
    try {
      await call('deleteFromKinescope', { remoteId: key.id });
      onStatus(`Deleted key ${key.kid} at Kinescope.`);
      onKeysChanged();
      await refresh();
    } catch (e) {
      onError(messageOf(e));
    }
  };
  const applyChat = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    try {
      await call('setKinescopeChatJwt', { eventId, required });
      onStatus(
        required
          ? `Chat of event ${eventId} now requires a signed token.`
          : `Chat of event ${eventId} no longer requires a token.`,
      );
    } catch (e) {
      onError(messageOf(e));
    }
  };
  return (
    <section className="panel" aria-labelledby="kinescope-title">
      <h2 id="kinescope-title">Kinescope</h2>
      <div className="grid">
        <label>
          Key to upload (RS256)
          <select value={chosen} onChange={(e) => setKeyId(e.target.value)}>
            {candidates.length === 0 && (
              <option value="">No RS256 key: generate one under Keys</option>
            )}
            {candidates.map((k) => (
              <option key={k.id} value={k.id}>
                {k.name}
              </option>
            ))}
          </select>
        </label>
        <div className="actions">
          <button type="button" disabled={!chosen || job.running} onClick={() => void upload()}>
            Upload public key
          </button>
          <JobStatus job={job} />
          <button type="button" onClick={() => void refresh()}>
            {remote ? 'Refresh key list' : 'Show Kinescope’s keys'}
          </button>
        </div>
      </div>
      {remote &&
        (remote.length === 0 ? (
          <p className="empty">Kinescope holds no keys.</p>
        ) : (
          <table aria-label="Keys at Kinescope">
            <thead>
              <tr>
                <th scope="col">Kid</th>
                <th scope="col">Algorithm</th>
                <th scope="col">Expires</th>
                <th scope="col">Vault key</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {remote.map((k) => (
                <tr key={k.id}>
                  <td>{k.kid}</td>
                  <td>{k.alg}</td>
                  <td>{shortDate(k.expiresAt)}</td>
                  <td>{k.localKey ?? '—'}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() => setDeleting(k)}
                      aria-label={`Delete ${k.kid} at Kinescope`}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.kid} at Kinescope?`}
          confirmLabel="Delete at Kinescope"
          onConfirm={() => void remove(deleting)}
          onCancel={() => setDeleting(null)}
        >
          <p>Chat tokens signed with this key stop working at once.</p>
        </ConfirmDialog>
      )}
      <form onSubmit={(e) => void applyChat(e)} aria-label="Chat JWT for an event" className="grid">
        <label>
          Live event id
          <input value={eventId} onChange={(e) => setEventId(e.target.value)} />
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            role="switch"
            checked={required}
            onChange={(e) => setRequired(e.target.checked)}
          />
          Require a signed token in the chat
        </label>
        <button type="submit" disabled={!eventId.trim()}>
          Apply
        </button>
      </form>
    </section>
  );
}

function Guides({ keys, onError }: { keys: KeyView[]; onError: (message: string) => void }) {
  const [provider, setProvider] = useState<'antmedia' | 'frameable'>('antmedia');
  const [keyId, setKeyId] = useState('');
  const [steps, setSteps] = useState<GuideStep[] | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const fitting = keys.filter((k) =>
    provider === 'antmedia' ? k.alg === 'HS256' : k.alg === 'RS256',
  );
  const chosen = fitting.some((k) => k.id === keyId)
    ? keyId
    : ((fitting.find((k) => k.provider === provider) ?? fitting[0])?.id ?? '');
  useEffect(() => {
    setSteps(null);
    if (!chosen) return;
    call('providerGuide', { provider, key: chosen }).then(
      (r) => setSteps(r.steps),
      (e: unknown) => onError(messageOf(e)),
    );
  }, [provider, chosen, onError]);
  const copySecret = async (): Promise<void> => {
    try {
      await call('copyKeySecret', { id: chosen });
      setCopied('Secret copied from the keychain — the clipboard clears in 60 s');
    } catch (e) {
      onError(messageOf(e));
    }
  };
  return (
    <section className="panel" aria-labelledby="guides-title">
      <h2 id="guides-title">Set-up guides</h2>
      <div className="grid">
        <label>
          Platform
          <select value={provider} onChange={(e) => setProvider(e.target.value as typeof provider)}>
            <option value="antmedia">Ant Media Server</option>
            <option value="frameable">Frameable</option>
          </select>
        </label>
        <label>
          Key
          <select value={chosen} onChange={(e) => setKeyId(e.target.value)}>
            {fitting.length === 0 && (
              <option value="">
                No {provider === 'antmedia' ? 'HS256 secret' : 'RS256 key'} yet
              </option>
            )}
            {fitting.map((k) => (
              <option key={k.id} value={k.id}>
                {k.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {steps && (
        <ol className="guide">
          {steps.map((step) => (
            <li key={step.title}>
              <strong>{step.title}</strong>
              <p>{step.detail}</p>
              {step.value && <CopyField label={step.title} value={step.value} multiline />}
              {step.copiesSecret && (
                <>
                  <button type="button" onClick={() => void copySecret()}>
                    Copy secret
                  </button>
                  <Notice status={copied} />
                </>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
