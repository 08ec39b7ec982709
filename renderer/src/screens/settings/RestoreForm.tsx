import { useId, useState, type FormEvent } from 'react';
import type { RequestOf, ResponseOf } from '../../../../shared/ipc.ts';
import { call, messageOf } from '../../api.ts';
import { Notice } from '../../components/Notice.tsx';
import { PassphraseField } from '../../components/PassphraseField.tsx';
import { DialogSubmit } from './DialogSubmit.tsx';
import { BackupContents, ItemList } from './BackupContents.tsx';

type ConflictChoice = 'refuse' | NonNullable<RequestOf<'restoreVault'>['onConflict']>;

const CONFLICT_CHOICES: { value: ConflictChoice; label: string }[] = [
  { value: 'refuse', label: 'Refuse if anything clashes' },
  { value: 'skip', label: 'Skip what clashes' },
  { value: 'rename', label: 'Restore under a new name' },
];

/**
 * Restores an encrypted backup into this vault: the passphrase, what to do about clashes, then
 * main's open dialog. The passphrase is cleared after every attempt.
 */
export function RestoreForm() {
  const [passphrase, setPassphrase] = useState('');
  const [choice, setChoice] = useState<ConflictChoice>('refuse');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<ResponseOf<'restoreVault'> | null>(null);
  const id = useId();

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const typed = passphrase;
    setPassphrase('');
    setResult(null);
    if (!typed) return setError('Type the passphrase the backup was made with.');
    setError(null);
    setBusy(true);
    try {
      setResult(
        await call('restoreVault', {
          passphrase: typed,
          ...(choice === 'refuse' ? {} : { onConflict: choice }),
        }),
      );
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Restore</h3>
      <PassphraseField
        label="Backup passphrase"
        value={passphrase}
        onChange={setPassphrase}
        autoComplete="current-password"
      />
      <fieldset className="conflicts">
        <legend>When something in the backup clashes with what is here</legend>
        {CONFLICT_CHOICES.map((c) => (
          <label key={c.value} className="chip">
            <input
              type="radio"
              name={`${id}-conflict`}
              checked={choice === c.value}
              onChange={() => setChoice(c.value)}
            />
            {c.label}
          </label>
        ))}
        <p className="hint">
          The same key is never restored twice. Refusing changes nothing and names the clashes.
        </p>
      </fieldset>
      <DialogSubmit
        label="Restore…"
        busyLabel="Restoring…"
        busy={busy}
        error={error}
        whileOpen="Choose the backup file; it is decrypted after that."
        cancelled={
          result && !result.path ? 'Nothing was restored: the file dialog was closed.' : null
        }
      />
      {result?.path && result.summary && (
        <div className="backup-result">
          <Notice status={`Restored from ${result.path}.`} />
          <BackupContents summary={result.summary} keysTitle="Keys restored">
            <ItemList title="Renamed" items={result.renamed.map((r) => `${r.from} → ${r.to}`)} />
            <ItemList title="Skipped" items={result.skipped.map((s) => `${s.what}: ${s.why}`)} />
          </BackupContents>
        </div>
      )}
    </form>
  );
}
