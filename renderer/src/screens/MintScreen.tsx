import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type {
  KeyView,
  LinksView,
  MintResult,
  ProviderView,
  Settings,
} from '../../../shared/ipc.ts';
import { call, messageOf } from '../api.ts';
import { CopyField } from '../components/CopyField.tsx';
import { Countdown } from '../components/Countdown.tsx';
import { KindFields } from '../components/KindFields.tsx';
import { LifetimePresets } from '../components/LifetimePresets.tsx';
import { Json } from '../components/Json.tsx';
import { Notice } from '../components/Notice.tsx';
import { isHttpsUrl, labelOf } from '../../../shared/text.ts';
import { LINK_LABELS, PART_LABELS, formatSpan } from '../format.ts';
import { fieldError, initialValues, paramsFrom, type FieldValue } from '../validate.ts';
import { ObsSend, type MintRequest } from './mint/ObsSend.tsx';

export function MintScreen() {
  const [providers, setProviders] = useState<ProviderView[]>([]);
  const [keys, setKeys] = useState<KeyView[]>([]);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [providerId, setProviderId] = useState('antmedia');
  const [kindId, setKindId] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<{ minted: MintResult; request: MintRequest } | null>(null);

  useEffect(() => {
    Promise.all([call('listProviders', {}), call('listKeys', {}), call('getSettings', {})]).then(
      ([p, k, s]) => {
        setProviders(p.providers);
        setKeys(k.keys);
        setSettings(s);
      },
      (e: unknown) => setError(messageOf(e)),
    );
  }, []);

  const provider = providers.find((p) => p.id === providerId);
  const kind = provider?.kinds.find((k) => k.id === kindId) ?? provider?.kinds[0];

  return (
    <section aria-labelledby="mint-title">
      <header className="screen-header">
        <h1 id="mint-title">Mint a token</h1>
      </header>
      <Notice error={error} />
      <div className="grid">
        <label>
          Provider
          <select
            value={providerId}
            onChange={(e) => {
              setProviderId(e.target.value);
              setKindId('');
              setResult(null);
            }}
          >
            {providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Token kind
          <select
            value={kind?.id ?? ''}
            onChange={(e) => {
              setKindId(e.target.value);
              setResult(null);
            }}
          >
            {provider?.kinds.map((k) => (
              <option key={k.id} value={k.id}>
                {k.id} — {k.description}
              </option>
            ))}
          </select>
        </label>
      </div>
      {provider && provider.kinds.length === 0 && (
        <p className="empty">No custom templates yet: add one with “keycast templates add FILE”.</p>
      )}
      {provider && kind && settings && (
        <MintForm
          key={`${provider.id}/${kind.id}`}
          provider={provider}
          kind={kind}
          keys={keys}
          defaultTtl={settings.defaultTtls[`${provider.id}/${kind.id}`]}
          onMinted={(minted, request) => {
            setResult({ minted, request });
            setError(null);
          }}
          onError={(m) => {
            setError(m);
            setResult(null);
          }}
        />
      )}
      {result && <MintedToken result={result.minted} request={result.request} />}
    </section>
  );
}

type Kind = ProviderView['kinds'][number];

function MintForm({
  provider,
  kind,
  keys,
  defaultTtl,
  onMinted,
  onError,
}: {
  provider: ProviderView;
  kind: Kind;
  keys: KeyView[];
  defaultTtl: number | undefined;
  onMinted: (result: MintResult, request: MintRequest) => void;
  onError: (message: string) => void;
}) {
  const usable = useMemo(
    () => keys.filter((k) => kind.algs.includes(k.alg) && k.status === 'active'),
    [keys, kind],
  );
  const [keyId, setKeyId] = useState(
    () => (usable.find((k) => k.provider === provider.id) ?? usable[0])?.id ?? '',
  );
  const [values, setValues] = useState<Record<string, FieldValue>>(() =>
    initialValues(kind.fields),
  );
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const max = kind.ttl?.max ?? 86_400;
  const [ttl, setTtl] = useState(Math.min(defaultTtl ?? kind.ttl?.default ?? 3600, max));
  const [customMinutes, setCustomMinutes] = useState('');
  const [busy, setBusy] = useState(false);

  const errors = Object.fromEntries(
    kind.fields.map((f) => [f.name, fieldError(f, values[f.name])]),
  );
  const ttlError =
    customMinutes && (!(Number(customMinutes) > 0) || Number(customMinutes) * 60 > max)
      ? `Choose between 1 minute and ${formatSpan(max)} (the provider's maximum).`
      : null;

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setTouched(Object.fromEntries(kind.fields.map((f) => [f.name, true])));
    if (Object.values(errors).some(Boolean) || ttlError) return;
    if (kind.mode === 'local' && !keyId) {
      onError(`Mint needs ${kind.keyDescription}: generate or import one under Keys first.`);
      return;
    }
    setBusy(true);
    try {
      const request: MintRequest = {
        provider: provider.id,
        kind: kind.id,
        key: kind.mode === 'local' ? keyId : undefined,
        params: paramsFrom(kind.fields, values),
        ttlSeconds: ttl,
      };
      onMinted(await call('mintToken', request), request);
    } catch (e) {
      onError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="panel"
      onSubmit={(e) => void submit(e)}
      aria-label={`${provider.name} ${kind.id} token`}
      noValidate
    >
      {kind.mode === 'local' ? (
        <div className="field">
          <label htmlFor="signing-key">Signing key</label>
          <select
            id="signing-key"
            value={keyId}
            onChange={(e) => setKeyId(e.target.value)}
            aria-describedby="key-hint"
          >
            {usable.length === 0 && <option value="">No suitable key</option>}
            {usable.map((k) => (
              <option key={k.id} value={k.id}>
                {k.name} ({k.alg})
              </option>
            ))}
          </select>
          <span id="key-hint" className="hint">
            Needs {kind.keyDescription}.
          </span>
        </div>
      ) : (
        <p className="hint">
          This token is issued by {provider.name}’s API with your stored credential.
        </p>
      )}
      <div className="grid">
        <KindFields
          fields={kind.fields}
          values={values}
          errors={errors}
          touched={touched}
          onValues={setValues}
          onTouched={setTouched}
        />
      </div>
      <fieldset className="ttl">
        <legend>Lifetime (at most {formatSpan(max)})</legend>
        <LifetimePresets
          name="ttl"
          max={max}
          ttl={ttl}
          customMinutes={customMinutes}
          onChange={(choice) => {
            setCustomMinutes(choice.customMinutes);
            setTtl(choice.ttl ?? ttl);
          }}
          customInput={
            ttlError ? { 'aria-invalid': true, 'aria-describedby': 'ttl-error' } : undefined
          }
        />
        <span className="hint">Now: {formatSpan(ttl)}</span>
        {ttlError && (
          <span id="ttl-error" className="field-error">
            {ttlError}
          </span>
        )}
      </fieldset>
      <button type="submit" disabled={busy}>
        {busy ? 'Minting…' : 'Mint token'}
      </button>
    </form>
  );
}

/**
 * The token and what comes with it; one a provider's API issued is labelled unverified (§16). A
 * result with OBS settings (a publish kind) can be sent to OBS when the form's values are known.
 */
export function MintedToken({ result, request }: { result: MintResult; request?: MintRequest }) {
  const forObs = request?.key !== undefined && typeof result.links.obs === 'object';
  return (
    <section className="panel result" aria-labelledby="result-title">
      <h2 id="result-title">
        {result.verified ? (
          'Minted token'
        ) : (
          <>
            Issued token{' '}
            <span className="badge warn" data-testid="verdict">
              Unverified — signature not checked
            </span>
          </>
        )}
      </h2>
      {!result.verified && (
        <p className="hint">
          The provider’s API issued this token. Keycast holds no key to check its signature, so
          treat its header and claims as what the API says, not as proven.
        </p>
      )}
      {result.warnings.map((w) => (
        <p key={w} role="alert" className="notice warn">
          {w}
        </p>
      ))}
      {result.expiresAt && <Countdown expiresAt={result.expiresAt} />}
      <CopyField label="Token" value={result.token} sensitive multiline />
      {forObs && request && (
        <ObsSend request={request} whipAvailable={typeof result.links.whip === 'object'} />
      )}
      <Links links={result.links} />
      <div className="grid two">
        <Json label="Header" value={result.header} />
        <Json label="Claims" value={result.claims} />
      </div>
    </section>
  );
}

export function Links({ links }: { links: LinksView }) {
  const [refused, setRefused] = useState<string | null>(null);
  const entries = Object.entries(links);
  if (entries.length === 0) return null;
  const open = async (url: string): Promise<void> => {
    try {
      await call('openExternal', { url });
      setRefused(null);
    } catch (e) {
      setRefused(messageOf(e));
    }
  };
  return (
    <div className="links">
      <h3>Links</h3>
      <Notice error={refused} />
      {entries.map(([name, value]) => {
        const label = LINK_LABELS[name] ?? labelOf(name);
        if (typeof value === 'string') {
          return (
            <div key={name} className="link-row">
              <CopyField label={label} value={value} sensitive />
              {isHttpsUrl(value) && (name === 'chat' || name === 'event' || name === 'link') && (
                <button type="button" onClick={() => void open(value)}>
                  Open {label.toLowerCase()}
                </button>
              )}
            </div>
          );
        }
        return (
          <fieldset key={name} className="link-group">
            <legend>{label}</legend>
            {Object.entries(value).map(([part, text]) => (
              <CopyField
                key={part}
                label={`${label} ${PART_LABELS[part] ?? labelOf(part)}`}
                value={text}
                sensitive
                multiline={part === 'message'}
              />
            ))}
          </fieldset>
        );
      })}
    </div>
  );
}
