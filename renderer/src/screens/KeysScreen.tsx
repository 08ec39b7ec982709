import {
  startTransition,
  useCallback,
  useEffect,
  useState,
  type DragEvent,
  type FormEvent,
} from 'react';
import { ALGORITHMS, type Algorithm } from '../../../shared/algorithms.ts';
import type { KeyView } from '../../../shared/ipc.ts';
import { call, messageOf } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { CopyField } from '../components/CopyField.tsx';
import { JobStatus } from '../components/JobStatus.tsx';
import { Notice } from '../components/Notice.tsx';
import { abbreviate, daysUntil, shortDate } from '../format.ts';
import { useJob } from '../useJob.ts';
import { RotateWizard } from './keys/RotateWizard.tsx';

const PROVIDERS = [
  '',
  'antmedia',
  'kinescope',
  'vonage',
  'frameable',
  'nativeframe',
  'mediamtx',
  'custom',
];

/** The provider tag of a new key (optional). */
function ProviderSelect({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <label>
      Provider
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {PROVIDERS.map((p) => (
          <option key={p} value={p}>
            {p || '—'}
          </option>
        ))}
      </select>
    </label>
  );
}

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
        <GeneratePanel onDone={(k) => added(k, 'Generated')} onError={setError} />
      )}
      {panel === 'import' && (
        <ImportPanel onDone={(k) => added(k, 'Imported')} onError={setError} />
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

/** Rows drawn in the first frame; the rest follow right after it, so a long vault opens at once. */
export const FIRST_ROWS = 60;

export function KeysTable({
  keys,
  selected,
  onSelect,
  now = Date.now(),
}: {
  keys: KeyView[];
  selected: string | null;
  onSelect: (id: string) => void;
  now?: number;
}) {
  const [shown, setShown] = useState(FIRST_ROWS);
  useEffect(() => {
    if (keys.length <= shown) return;
    const timer = setTimeout(() => startTransition(() => setShown(keys.length)), 0);
    return () => clearTimeout(timer);
  }, [keys.length, shown]);
  return (
    <table className="keys" aria-label="Keys in the vault">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Provider</th>
          <th scope="col">Algorithm</th>
          <th scope="col">Kid</th>
          <th scope="col">Fingerprint</th>
          <th scope="col">Created</th>
          <th scope="col">Expires</th>
          <th scope="col">Status</th>
          <th scope="col">Uploaded to</th>
        </tr>
      </thead>
      <tbody>
        {keys.slice(0, Math.max(shown, FIRST_ROWS)).map((k) => (
          <tr key={k.id} aria-selected={k.id === selected}>
            <th scope="row">
              <button
                type="button"
                className="link"
                onClick={() => onSelect(k.id)}
                aria-label={`Details of ${k.name}`}
              >
                {k.name}
              </button>
            </th>
            <td>{k.provider ?? '—'}</td>
            <td>{k.alg}</td>
            <td title={k.kid}>{abbreviate(k.kid)}</td>
            <td title={k.fingerprint ?? 'shared secret'}>
              {k.fingerprint ? abbreviate(k.fingerprint) : 'secret'}
            </td>
            <td>{shortDate(k.createdAt)}</td>
            <td>
              {shortDate(k.expiresAt)}
              {k.expiresSoon && k.expiresAt && (
                <span className="badge warn"> ⚠ in {daysUntil(k.expiresAt, now)} d</span>
              )}
            </td>
            <td>
              <StatusBadge status={k.status} />
            </td>
            <td>
              {k.uploads.length ? [...new Set(k.uploads.map((u) => u.provider))].join(', ') : '—'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A key's status; a missing secret stands apart from expired or retired: the key cannot sign. */
function StatusBadge({ status }: { status: KeyView['status'] }) {
  if (status === 'secret missing')
    return (
      <span className="badge missing" title="The system keychain has no private part for this key">
        <span aria-hidden="true">⚠ </span>
        {status}
      </span>
    );
  // Retiring is a planned state (a rotation's overlap), not a fault.
  const tone = status === 'active' ? 'ok' : status === 'retiring' ? 'warn' : 'bad';
  return <span className={`badge ${tone}`}>{status}</span>;
}

function GeneratePanel({
  onDone,
  onError,
}: {
  onDone: (key: KeyView) => void;
  onError: (m: string) => void;
}) {
  const [alg, setAlg] = useState<Algorithm>('RS256');
  const [bits, setBits] = useState(2048);
  const [name, setName] = useState('');
  const [provider, setProvider] = useState('');
  const [days, setDays] = useState('');
  const job = useJob();
  const rsa = alg.startsWith('RS') || alg.startsWith('PS');
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    try {
      const { key } = await job.run((jobId) =>
        call('generateKey', {
          jobId,
          alg,
          bits: rsa ? bits : undefined,
          name: name.trim() || undefined,
          provider: provider || undefined,
          expiresInDays: days ? Number(days) : undefined,
        }),
      );
      onDone(key);
    } catch (e) {
      onError(messageOf(e));
    }
  };
  return (
    <form className="panel" onSubmit={(e) => void submit(e)} aria-label="Generate a key">
      <div className="grid">
        <label>
          Algorithm
          <select value={alg} onChange={(e) => setAlg(e.target.value as Algorithm)}>
            {ALGORITHMS.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        {rsa && (
          <label>
            RSA size
            <select value={bits} onChange={(e) => setBits(Number(e.target.value))}>
              {[2048, 3072, 4096].map((b) => (
                <option key={b} value={b}>
                  {b} bits
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Name
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. kinescope-2026"
          />
        </label>
        <ProviderSelect value={provider} onChange={setProvider} />
        <label>
          Expires in (days)
          <input
            type="number"
            min={1}
            max={3650}
            value={days}
            onChange={(e) => setDays(e.target.value)}
            placeholder="never"
          />
        </label>
      </div>
      <div className="actions">
        <button type="submit" disabled={job.running}>
          {job.running ? 'Generating…' : 'Generate'}
        </button>
        <JobStatus job={job} />
      </div>
    </form>
  );
}

function ImportPanel({
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

function KeyDetails({
  id,
  secretMissing,
  onDeleted,
  onChanged,
  onError,
}: {
  id: string;
  /** From the key list: the details answer does not check the keychain. */
  secretMissing: boolean;
  onDeleted: (name: string) => void;
  /** A rotation changed the keys (a successor, a retiring key): the table reloads. */
  onChanged: () => void;
  onError: (m: string) => void;
}) {
  const [details, setDetails] = useState<{
    key: KeyView;
    jwk: string | null;
    jwks: string | null;
    pem: string | null;
  } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    call('keyDetails', { id }).then(setDetails, (e: unknown) => onError(messageOf(e)));
  }, [id, onError, version]);
  // A rotation renames this key and changes its JWKS: the details are read again with the table.
  const rotated = useCallback(() => {
    setVersion((v) => v + 1);
    onChanged();
  }, [onChanged]);
  if (!details) return null;
  const { key } = details;
  const uploaded = key.uploads.length > 0;
  const saveAs = async (format: 'jwk' | 'jwks' | 'pem'): Promise<void> => {
    try {
      const { path } = await call('saveKeyAs', { id, format });
      setSaved(path ? `Saved to ${path}` : null);
    } catch (e) {
      onError(messageOf(e));
    }
  };
  const remove = async (): Promise<void> => {
    setConfirming(false);
    try {
      await call('deleteKey', { id, evenIfUploaded: uploaded });
      onDeleted(key.name);
    } catch (e) {
      onError(messageOf(e));
    }
  };
  return (
    <section className="panel details" aria-labelledby="details-title">
      <h2 id="details-title">{key.name}</h2>
      {secretMissing && (
        <p role="status" className="notice bad">
          <strong>Secret missing:</strong> the system keychain has no private part for this key, so
          it cannot sign tokens or check them. If the keychain is locked, unlock it and open Keys
          again. Otherwise restore a backup that holds the key (Settings → Restore…), which puts the
          private part back, or delete this record and import the key again.
        </p>
      )}
      <dl className="facts">
        <dt>Algorithm</dt>
        <dd>{key.alg}</dd>
        <dt>Kid</dt>
        <dd>{key.kid}</dd>
        <dt>Fingerprint</dt>
        <dd>{key.fingerprint ?? 'none: a shared secret has no public part'}</dd>
        {key.attributes.applicationId && (
          <>
            <dt>Vonage application</dt>
            <dd>{key.attributes.applicationId}</dd>
          </>
        )}
      </dl>
      {details.jwk && details.jwks && details.pem ? (
        <>
          <CopyField label="Public JWK" value={details.jwk} multiline sensitive />
          <CopyField label="JWKS" value={details.jwks} multiline sensitive />
          <CopyField label="Public key (PEM)" value={details.pem} multiline sensitive />
          <div className="actions">
            <button type="button" onClick={() => void saveAs('jwk')}>
              Save JWK as…
            </button>
            <button type="button" onClick={() => void saveAs('jwks')}>
              Save JWKS as…
            </button>
            <button type="button" onClick={() => void saveAs('pem')}>
              Save PEM as…
            </button>
          </div>
          <Notice status={saved} />
        </>
      ) : (
        <p>
          This is a shared secret: the server needs the secret itself (see Providers → guides). It
          has no public part to export.
        </p>
      )}
      <div className="actions">
        {key.status !== 'retired' && (
          <button type="button" aria-expanded={rotating} onClick={() => setRotating(!rotating)}>
            {key.status === 'retiring' ? 'Rotation…' : 'Rotate…'}
          </button>
        )}
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Delete key…
        </button>
      </div>
      {rotating && (
        <RotateWizard keyId={id} onChanged={rotated} onClose={() => setRotating(false)} />
      )}
      {confirming && (
        <ConfirmDialog
          title={`Delete "${key.name}"?`}
          confirmLabel="Delete key"
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(false)}
        >
          <p>
            The private key is removed from the system keychain. Tokens it signed can no longer be
            verified here.
          </p>
          {uploaded && (
            <p className="bad">
              It is still uploaded to {key.uploads.map((u) => u.provider).join(', ')}: tokens that
              platform accepts stop working only when you remove it there too.
            </p>
          )}
        </ConfirmDialog>
      )}
    </section>
  );
}
