import type { ClickView } from '../../../../shared/ipc.ts';
import { whenOf } from './linkOptions.ts';

const OUTCOMES: Record<ClickView['outcome'], { text: string; tone: 'ok' | 'warn' | 'bad' }> = {
  redirected: { text: 'redirected', tone: 'ok' },
  'confirm-page': { text: 'confirm page shown', tone: 'warn' },
  unknown: { text: 'unknown link', tone: 'bad' },
  revoked: { text: 'revoked', tone: 'bad' },
  'not-yet-valid': { text: 'not yet valid', tone: 'bad' },
  expired: { text: 'expired', tone: 'bad' },
  'used-up': { text: 'used up', tone: 'bad' },
  error: { text: 'could not mint', tone: 'bad' },
};

/** The recent clicks: when, which link, what came of it, and who (shortened) — never a token. */
export function ClicksTable({ clicks, onRefresh }: { clicks: ClickView[]; onRefresh: () => void }) {
  return (
    <section aria-labelledby="clicks-title">
      <div className="screen-header">
        <h2 id="clicks-title">Recent clicks</h2>
        <button type="button" onClick={onRefresh}>
          Refresh
        </button>
      </div>
      {clicks.length === 0 ? (
        <p className="empty">No clicks yet.</p>
      ) : (
        <table className="clicks" aria-label="Recent clicks">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Link</th>
              <th scope="col">Outcome</th>
              <th scope="col">Client</th>
              <th scope="col">Agent</th>
            </tr>
          </thead>
          <tbody>
            {clicks.map((click, index) => (
              <tr key={`${click.at}-${index}`}>
                <td title={click.at}>{whenOf(click.at, true)}</td>
                <td>{click.label ?? (click.linkId ? 'a deleted link' : '—')}</td>
                <td>
                  <span className={`badge ${OUTCOMES[click.outcome].tone}`}>
                    {OUTCOMES[click.outcome].text}
                  </span>
                </td>
                <td>{click.client ?? '—'}</td>
                <td>{click.agent ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
