import type { Ref } from 'react';

export interface PassphraseFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** "new-password" when the passphrase is being chosen, "current-password" when it opens something. */
  autoComplete: 'new-password' | 'current-password';
  describedBy?: string;
  ref?: Ref<HTMLInputElement>;
}

/** A labelled passphrase input: hidden while typed, never spell-checked. */
export function PassphraseField({
  label,
  value,
  onChange,
  autoComplete,
  describedBy,
  ref,
}: PassphraseFieldProps) {
  return (
    <label>
      {label}
      <input
        ref={ref}
        type="password"
        autoComplete={autoComplete}
        spellCheck={false}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby={describedBy}
      />
    </label>
  );
}
