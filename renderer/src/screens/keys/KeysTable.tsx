import { startTransition, useEffect, useState } from 'react';
import type { KeyView } from '../../../../shared/ipc.ts';
import { abbreviate, daysUntil, shortDate } from '../../format.ts';

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
