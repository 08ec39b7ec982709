import { useId, useState } from 'react';
import { call, messageOf } from '../api.ts';

export interface CopyFieldProps {
  label: string;
  value: string;
  /** Tokens, links with tokens and key fields: the clipboard is cleared again after 60 s. */
  sensitive?: boolean;
  multiline?: boolean;
}

/** A read-only value with a copy button; main writes the clipboard and clears it later. */
export function CopyField({ label, value, sensitive = false, multiline = false }: CopyFieldProps) {
  const id = useId();
  const [status, setStatus] = useState('');
  const copy = async (): Promise<void> => {
    try {
      const { clearsAt } = await call('copyText', { text: value, sensitive });
      setStatus(clearsAt ? 'Copied — the clipboard clears in 60 s' : 'Copied');
    } catch (error) {
      setStatus(messageOf(error));
    }
  };
  return (
    <div className="copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        {multiline ? (
          <textarea id={id} readOnly value={value} rows={Math.min(12, value.split('\n').length)} />
        ) : (
          <input id={id} readOnly value={value} />
        )}
        <button type="button" onClick={() => void copy()} aria-label={`Copy ${label}`}>
          Copy
        </button>
      </div>
      <span className="hint" role="status">
        {status}
      </span>
    </div>
  );
}
