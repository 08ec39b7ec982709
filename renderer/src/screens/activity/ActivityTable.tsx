import type { ActivityRecordView, KeyView } from '../../../../shared/ipc.ts';
import { whenOf } from '../links/linkOptions.ts';
import { detailText, eventText } from './activityFilter.ts';

/** The records, newest first: what happened, where, with which key, for whom — never a token. */
export function ActivityTable({
  records,
  keys,
}: {
  records: ActivityRecordView[];
  keys: KeyView[];
}) {
  const names = new Map(keys.map((k) => [k.id, k.name]));
  return (
    <table className="activity" aria-label="Activity">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Time</th>
          <th scope="col">From</th>
          <th scope="col">Event</th>
          <th scope="col">Key</th>
          <th scope="col">Provider</th>
          <th scope="col">Subject</th>
          <th scope="col">Sent to</th>
          <th scope="col">Expires</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        {records.map((r) => (
          <tr key={r.id}>
            <td>{r.id}</td>
            <td title={r.at}>{whenOf(r.at, true)}</td>
            <td>{r.source}</td>
            <td>{eventText(r)}</td>
            <td title={r.kid ?? undefined}>
              {(r.keyId && names.get(r.keyId)) ?? (r.kid ? `kid ${r.kid.slice(0, 12)}…` : '—')}
            </td>
            <td>{[r.provider, r.kind].filter(Boolean).join(' ') || '—'}</td>
            <td>{r.subjects ? Object.values(r.subjects).join(', ') : '—'}</td>
            <td>{r.destination ?? '—'}</td>
            <td title={r.expiresAt ?? undefined}>{whenOf(r.expiresAt, true)}</td>
            <td>{detailText(r.detail) || '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
