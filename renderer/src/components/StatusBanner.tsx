import { useEffect, useState } from 'react';
import type { StatusItem, StatusKind, StatusReport } from '../../../shared/status.ts';
import { call, messageOf } from '../api.ts';
import { shortDate } from '../format.ts';

/** How often the banner asks again while the app stays on one screen. */
export const STATUS_REFRESH_MS = 5 * 60_000;
/** Items shown before "Show all". */
const FIRST = 3;

const LABELS: Record<StatusKind, string> = {
  'key-expired': 'Expired',
  'key-expiring': 'Expires',
  'upload-expired': 'Upload expired',
  'upload-expiring': 'Upload expires',
  retiring: 'Retiring',
  'rotation-waiting': 'Waiting for you',
  'secret-missing': 'Secret missing',
  'keychain-unavailable': 'Keychain',
  quarantined: 'Quarantined',
  'activity-broken': 'Activity log',
};

/** What stops signing or verifying now, as opposed to what is coming. */
const URGENT: ReadonlySet<StatusKind> = new Set([
  'key-expired',
  'upload-expired',
  'secret-missing',
  'keychain-unavailable',
  'activity-broken',
]);

/**
 * The same report as `keycast status`, above every screen: nothing when nothing is due, else one
 * line per item with what to do. Asked again when the screen changes (`refreshKey`) and every few
 * minutes.
 */
export function StatusBanner({
  refreshKey,
  refreshMs = STATUS_REFRESH_MS,
}: {
  refreshKey?: string;
  refreshMs?: number;
}) {
  const [report, setReport] = useState<StatusReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [all, setAll] = useState(false);

  useEffect(() => {
    let alive = true;
    const load = (): void => {
      call('statusReport', {}).then(
        (r) => {
          if (!alive) return;
          setReport(r);
          setError(null);
        },
        (e: unknown) => {
          if (alive) setError(messageOf(e));
        },
      );
    };
    load();
    const timer = setInterval(load, refreshMs);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [refreshKey, refreshMs]);

  if (error) {
    return (
      <p role="status" className="notice warn">
        Keycast could not check what expires: {error}
      </p>
    );
  }
  if (!report?.due) return null;
  const urgent = report.items.some((i) => URGENT.has(i.kind));
  const shown = all ? report.items : report.items.slice(0, FIRST);
  const count = report.items.length;
  return (
    <section
      aria-label="Needs attention"
      className={`notice status-banner ${urgent ? 'bad' : 'warn'}`}
    >
      <strong>
        {count === 1 ? '1 thing needs' : `${count} things need`} your attention (within{' '}
        {report.windowDays} days)
      </strong>
      <ul>
        {shown.map((item) => (
          <StatusLine key={item.id} item={item} />
        ))}
      </ul>
      {count > FIRST && (
        <button type="button" className="link" onClick={() => setAll(!all)}>
          {all ? 'Show fewer' : `Show all ${count}`}
        </button>
      )}
    </section>
  );
}

function StatusLine({ item }: { item: StatusItem }) {
  return (
    <li data-kind={item.kind}>
      <span className="badge">{LABELS[item.kind]}</span>{' '}
      {item.at && (
        <>
          <time dateTime={item.at} title={item.at}>
            {shortDate(item.at)}
          </time>{' '}
        </>
      )}
      {item.message}
    </li>
  );
}
