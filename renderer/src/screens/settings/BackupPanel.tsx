import { BackupForm } from './BackupForm.tsx';
import { RestoreForm } from './RestoreForm.tsx';

/** Settings → backup and restore: an encrypted file with every key, credential and template. */
export function BackupPanel() {
  return (
    <section className="panel" aria-labelledby="backup-title">
      <h2 id="backup-title">Backup and restore</h2>
      <p>
        An encrypted backup is how keys move to another machine or to a server running{' '}
        <code>keycast serve</code>.
      </p>
      <div className="grid two backup">
        <BackupForm />
        <RestoreForm />
      </div>
    </section>
  );
}
