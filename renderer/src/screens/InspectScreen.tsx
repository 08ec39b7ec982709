import { useState, type FormEvent } from 'react';
import type { InspectResult } from '../../../shared/ipc.ts';
import { call, messageOf } from '../api.ts';
import { Json } from '../components/Json.tsx';
import { Notice } from '../components/Notice.tsx';

/** How each refusal reads, for a person. */
export const REASON_TITLES: Record<string, string> = {
  format: 'Not a well-formed JWT',
  unsigned: 'Unsigned token',
  'bad-signature': 'Bad signature',
  'wrong-algorithm': 'Wrong algorithm',
  'unknown-kid': 'Unknown key',
  expired: 'Expired',
  'not-yet-valid': 'Not yet valid',
  'wrong-audience': 'Wrong audience',
  'wrong-issuer': 'Wrong issuer',
};

export function verdictOf(result: InspectResult): { label: string; tone: 'ok' | 'bad' | 'warn' } {
  if (!result.valid) return { label: 'Invalid', tone: 'bad' };
  if (!result.verified) return { label: 'Unverified — signature not checked', tone: 'warn' };
  return { label: 'Verified', tone: 'ok' };
}

export function InspectScreen() {
  const [token, setToken] = useState('');
  const [verifyWith, setVerifyWith] = useState<'none' | 'vault' | 'jwks'>('vault');
  const [jwks, setJwks] = useState('');
  const [audience, setAudience] = useState('');
  const [result, setResult] = useState<InspectResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    try {
      setResult(
        await call('inspectToken', {
          token,
          verifyWith,
          jwks: verifyWith === 'jwks' ? jwks : undefined,
          audience: audience.trim() || undefined,
        }),
      );
      setError(null);
    } catch (e) {
      setError(messageOf(e));
      setResult(null);
    }
  };

  const verdict = result ? verdictOf(result) : null;
  return (
    <section aria-labelledby="inspect-title">
      <header className="screen-header">
        <h1 id="inspect-title">Inspect a token</h1>
      </header>
      <form className="panel" onSubmit={(e) => void submit(e)} aria-label="Inspect a token">
        <label>
          Token
          <textarea
            rows={4}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            spellCheck={false}
          />
        </label>
        <fieldset>
          <legend>Check the signature against</legend>
          {(
            [
              ['vault', 'Keys in the vault'],
              ['jwks', 'A pasted JWKS'],
              ['none', 'Nothing (decode only)'],
            ] as const
          ).map(([value, label]) => (
            <label key={value} className="chip">
              <input
                type="radio"
                name="verify"
                checked={verifyWith === value}
                onChange={() => setVerifyWith(value)}
              />
              {label}
            </label>
          ))}
        </fieldset>
        {verifyWith === 'jwks' && (
          <label>
            JWKS
            <textarea
              rows={4}
              value={jwks}
              onChange={(e) => setJwks(e.target.value)}
              spellCheck={false}
            />
          </label>
        )}
        <label>
          Expected audience (optional)
          <input value={audience} onChange={(e) => setAudience(e.target.value)} />
        </label>
        <button type="submit" disabled={!token.trim()}>
          Inspect
        </button>
      </form>
      <Notice error={error} />
      {result && verdict && (
        <section className="panel result" aria-labelledby="verdict">
          <h2 id="verdict">
            <span className={`badge ${verdict.tone}`} data-testid="verdict">
              {verdict.label}
            </span>
          </h2>
          {result.errors.length > 0 && (
            <ul className="reasons" aria-label="Why">
              {result.errors.map((message, i) => (
                <li key={message}>
                  <strong>{REASON_TITLES[result.reasons[i] ?? ''] ?? 'Refused'}:</strong> {message}
                </li>
              ))}
            </ul>
          )}
          <p className="hint">
            Clock tolerance: {result.clockToleranceSeconds} s.{' '}
            {!result.verified && 'Claims below are decoded but unverified: anyone can write them.'}
          </p>
          {(['iat', 'nbf', 'exp'] as const).map((name) => {
            const t = result.times[name];
            return t ? (
              <p key={name}>
                <code>{name}</code> {t.iso} ({t.relative})
              </p>
            ) : null;
          })}
          <div className="grid two">
            {result.header && (
              <Json
                label={result.verified ? 'Header' : 'Header (unverified)'}
                value={result.header}
              />
            )}
            {result.claims && (
              <Json
                label={result.verified ? 'Claims' : 'Claims (unverified)'}
                value={result.claims}
              />
            )}
          </div>
        </section>
      )}
    </section>
  );
}
