import { useState } from 'react';
import type { ActivitySettings } from '../../../../shared/activity.ts';
import { call, messageOf } from '../../api.ts';

/** How long records are kept, whether subjects are hashed, and pruning now. */
export function ActivitySettingsPanel({
  settings,
  onSaved,
  onError,
}: {
  settings: ActivitySettings;
  onSaved: (message: string) => void;
  onError: (message: string) => void;
}) {
  const [days, setDays] = useState(String(settings.retentionDays));
  const [hashed, setHashed] = useState(settings.hashSubjects);
  const [busy, setBusy] = useState(false);
  const valid = /^\d{1,4}$/.test(days) && Number(days) >= 1 && Number(days) <= 3650;

  const run = async (work: () => Promise<string>): Promise<void> => {
    setBusy(true);
    try {
      onSaved(await work());
    } catch (e) {
      onError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="panel"
      aria-label="Activity settings"
      onSubmit={(event) => {
        event.preventDefault();
        void run(async () => {
          const saved = await call('saveActivitySettings', {
            retentionDays: Number(days),
            hashSubjects: hashed,
          });
          return `Records are kept ${saved.retentionDays} days; subjects are stored ${saved.hashSubjects ? 'as keyed hashes' : 'as they are'}.`;
        });
      }}
    >
      <h2>Keeping records</h2>
      <div className="grid">
        <label>
          Keep records for (days)
          <input
            inputMode="numeric"
            value={days}
            aria-invalid={!valid}
            onChange={(e) => setDays(e.target.value.trim())}
          />
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={hashed} onChange={(e) => setHashed(e.target.checked)} />
          Store who tokens are for as keyed hashes
        </label>
      </div>
      <p className="hint">
        Older records are pruned; the hash of the last one pruned is kept, so the rest still
        verifies. Hashed subjects are still found by the Subject filter; the key stays in the system
        keychain.
      </p>
      <div className="actions">
        <button type="submit" disabled={busy || !valid}>
          Save
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              const result = await call('pruneActivity', {});
              return result.through === null
                ? `Nothing is older than ${result.olderThanDays} days.`
                : `Pruned ${result.pruned} record(s) older than ${result.olderThanDays} days.`;
            })
          }
        >
          Prune now
        </button>
      </div>
    </form>
  );
}
