import { useCallback, useEffect, useState } from 'react';
import type { ActivitySettings } from '../../../shared/activity.ts';
import type { ActivityRecordView, KeyView, ProviderView, ResponseOf } from '../../../shared/ipc.ts';
import { call, messageOf } from '../api.ts';
import { Notice } from '../components/Notice.tsx';
import { ActivityFilters } from './activity/ActivityFilters.tsx';
import { ActivitySettingsPanel } from './activity/ActivitySettingsPanel.tsx';
import { ActivityTable } from './activity/ActivityTable.tsx';
import { ANY, requestOf, type ActivityFilterState } from './activity/activityFilter.ts';

export const PAGE_SIZE = 200;

type Verification = ResponseOf<'verifyActivity'>;

/**
 * Every token minted and every key event, from this app, the CLI and `keycast serve`: filtered
 * as `keycast activity` filters, exported as CSV, its hash chain verified. Never a token.
 */
export function ActivityScreen() {
  const [filter, setFilter] = useState<ActivityFilterState>(ANY);
  const [records, setRecords] = useState<ActivityRecordView[] | null>(null);
  const [more, setMore] = useState(false);
  const [settings, setSettings] = useState<ActivitySettings | null>(null);
  const [keys, setKeys] = useState<KeyView[]>([]);
  const [providers, setProviders] = useState<ProviderView[]>([]);
  const [verification, setVerification] = useState<Verification | null>(null);
  const [showSettings, setShowSettings] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const load = useCallback(async (shown: ActivityFilterState, beforeId?: number) => {
    try {
      const page = await call('listActivity', { ...requestOf(shown), beforeId, limit: PAGE_SIZE });
      setRecords((before) => (beforeId && before ? [...before, ...page.records] : page.records));
      setMore(page.more);
      setSettings(page.settings);
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  }, []);

  useEffect(() => {
    Promise.all([call('listKeys', {}), call('listProviders', {})]).then(
      ([k, p]) => {
        setKeys(k.keys);
        setProviders(p.providers);
      },
      (e: unknown) => setError(messageOf(e)),
    );
  }, []);

  useEffect(() => {
    void load(filter);
  }, [filter, load]);

  const verify = async (): Promise<void> => {
    try {
      setVerification(await call('verifyActivity', {}));
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const exportCsv = async (): Promise<void> => {
    try {
      const result = await call('exportActivity', requestOf(filter));
      if (result.path) setStatus(`Exported ${result.count} record(s) to ${result.path}.`);
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <section aria-labelledby="activity-title">
      <header className="screen-header">
        <h1 id="activity-title">Activity</h1>
        <div className="actions">
          <button type="button" onClick={() => void verify()}>
            Verify
          </button>
          <button type="button" onClick={() => void exportCsv()}>
            Export CSV…
          </button>
          <button
            type="button"
            aria-expanded={showSettings}
            onClick={() => setShowSettings(!showSettings)}
          >
            Retention…
          </button>
        </div>
      </header>
      <p className="hint">
        Every token minted and every key event — from this app, the keycast command and keycast
        serve — with who it was for and where it went. Tokens themselves are never kept.
      </p>
      <Notice error={error} status={status} />
      {verification && <VerificationLine verification={verification} />}
      {showSettings && settings && (
        <ActivitySettingsPanel
          settings={settings}
          onSaved={(message) => {
            setStatus(message);
            setError(null);
            void load(filter);
          }}
          onError={setError}
        />
      )}
      <ActivityFilters value={filter} keys={keys} providers={providers} onChange={setFilter} />
      {records === null ? (
        <p className="hint">Loading…</p>
      ) : records.length === 0 ? (
        <p className="empty">No activity recorded that matches.</p>
      ) : (
        <>
          <ActivityTable records={records} keys={keys} />
          {more && (
            <button type="button" onClick={() => void load(filter, records.at(-1)!.id)}>
              Show older
            </button>
          )}
        </>
      )}
    </section>
  );
}

function VerificationLine({ verification }: { verification: Verification }) {
  const pruned = verification.prunedThrough
    ? `; records up to #${verification.prunedThrough} were pruned`
    : '';
  if (!verification.intact) {
    return (
      <p role="alert" className="notice bad">
        The activity log does not verify: {verification.problem?.message} Keep the data folder as it
        is for an investigation.
      </p>
    );
  }
  return (
    <p role="status" className="notice">
      The activity log is intact: {verification.records} record(s) verified{pruned}.
      {verification.head && (
        <>
          {' '}
          Newest #{verification.head.id}, hash <code>{verification.head.hash.slice(0, 16)}…</code>
        </>
      )}
    </p>
  );
}
