import { useId, useRef, useState, type FormEvent } from 'react';
import type { ResponseOf } from '../../../../shared/ipc.ts';
import { call, messageOf } from '../../api.ts';
import { CopyField } from '../../components/CopyField.tsx';
import { Notice } from '../../components/Notice.tsx';
import { PassphraseField } from '../../components/PassphraseField.tsx';
import { BackupContents } from './BackupContents.tsx';
import { DialogSubmit } from './DialogSubmit.tsx';
import { newPassphraseProblem, PASSPHRASE_RULE } from './passphrase.ts';

/**
 * A new encrypted backup of the whole vault: the passphrase typed twice and checked here, then
 * main's save dialog. The passphrases are cleared after every attempt.
 */
export function BackupForm() {
  const [passphrase, setPassphrase] = useState('');
  const [repeated, setRepeated] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<ResponseOf<'backupVault'> | null>(null);
  const first = useRef<HTMLInputElement>(null);
  const id = useId();
  const ruleId = `${id}-rule`;

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const typed = passphrase;
    const problem = newPassphraseProblem(typed, repeated);
    setPassphrase('');
    setRepeated('');
    setResult(null);
    setError(problem);
    if (problem) {
      first.current?.focus();
      return;
    }
    setBusy(true);
    try {
      setResult(await call('backupVault', { passphrase: typed }));
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Back up</h3>
      <PassphraseField
        ref={first}
        label="Passphrase"
        value={passphrase}
        onChange={setPassphrase}
        autoComplete="new-password"
        describedBy={ruleId}
      />
      <PassphraseField
        label="Passphrase again"
        value={repeated}
        onChange={setRepeated}
        autoComplete="new-password"
        describedBy={ruleId}
      />
      <p id={ruleId} className="hint">
        {PASSPHRASE_RULE}
      </p>
      <DialogSubmit
        label="Back up…"
        busyLabel="Backing up…"
        busy={busy}
        error={error}
        whileOpen="Choose where to save the backup; it is encrypted after that."
        cancelled={
          result && !result.path ? 'No backup was written: the save dialog was closed.' : null
        }
      />
      {result?.path && result.summary && (
        <div className="backup-result">
          <Notice status="Encrypted backup written." />
          <CopyField label="Backup file" value={result.path} />
          <BackupContents summary={result.summary} keysTitle="Keys in the backup" />
          {result.missing.length > 0 && (
            <Notice
              error={`Left out because their keychain item is missing: ${result.missing.join(', ')}.`}
            />
          )}
        </div>
      )}
    </form>
  );
}
