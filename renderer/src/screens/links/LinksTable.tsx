import { useId, useState } from 'react';
import {
  LINK_STATUSES,
  type IssuedLinkView,
  type LinkStatus,
  type RedirectLinkView,
} from '../../../../shared/ipc.ts';
import { call, messageOf } from '../../api.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { whenOf } from './linkOptions.ts';

/** Rows drawn at most; the filter narrows a long list. */
export const MAX_ROWS = 500;

/** Whether a link matches the filter text: its label, provider, kind, note or parameters. */
export function matches(link: RedirectLinkView, text: string): boolean {
  const needle = text.trim().toLowerCase();
  if (!needle) return true;
  const haystack = [
    link.label,
    link.provider,
    link.kind,
    link.note,
    link.keyName ?? '',
    ...Object.values(link.params).flat().map(String),
  ];
  return haystack.some((value) => value.toLowerCase().includes(needle));
}

type Pending = { action: 'revoke' | 'reissue' | 'delete'; link: RedirectLinkView };

/**
 * The links: label, provider and kind, uses of the maximum, last click and status, filterable;
 * revoke, reissue (its new URL is shown once) and delete, each after a question.
 */
export function LinksTable({
  links,
  onChanged,
  onReissued,
  onError,
}: {
  links: RedirectLinkView[];
  onChanged: (status: string) => void;
  onReissued: (issued: IssuedLinkView) => void;
  onError: (message: string) => void;
}) {
  const id = useId();
  const [filter, setFilter] = useState('');
  const [status, setStatus] = useState<LinkStatus | ''>('');
  const [pending, setPending] = useState<Pending | null>(null);
  const shown = links.filter((l) => matches(l, filter) && (!status || l.status === status));

  const act = async ({ action, link }: Pending): Promise<void> => {
    setPending(null);
    try {
      if (action === 'revoke') {
        await call('revokeLink', { id: link.id });
        onChanged(`Revoked “${link.label}”: the link no longer works.`);
      } else if (action === 'reissue') {
        onReissued(await call('reissueLink', { id: link.id }));
        onChanged(`Reissued “${link.label}”: the old link no longer works.`);
      } else {
        await call('deleteLink', { id: link.id });
        onChanged(`Deleted “${link.label}”.`);
      }
    } catch (e) {
      onError(messageOf(e));
    }
  };

  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Links ({links.length})</h2>
      <div className="grid filters">
        <label>
          Filter links
          <input
            type="search"
            value={filter}
            placeholder="label, email, provider, note…"
            onChange={(e) => setFilter(e.target.value)}
          />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value as LinkStatus | '')}>
            <option value="">any</option>
            {LINK_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </div>
      {links.length === 0 ? (
        <p className="empty">No links yet. Create one, or import a CSV of attendees.</p>
      ) : (
        <table className="links" aria-label="Redirect links">
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Provider / kind</th>
              <th scope="col">Uses</th>
              <th scope="col">Last click</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {shown.slice(0, MAX_ROWS).map((link) => (
              <tr key={link.id}>
                <th scope="row" title={link.note || undefined}>
                  {link.label}
                  {link.confirm && <span className="hint"> · confirm step</span>}
                </th>
                <td>
                  {link.provider} / {link.kind}
                </td>
                <td>
                  {link.uses}/{link.maxUses ?? '∞'}
                </td>
                <td>{whenOf(link.lastClickAt)}</td>
                <td>
                  <span className={link.status === 'active' ? 'badge ok' : 'badge bad'}>
                    {link.status}
                  </span>
                </td>
                <td className="row-actions">
                  <button
                    type="button"
                    disabled={link.status === 'revoked'}
                    aria-label={`Reissue ${link.label}`}
                    onClick={() => setPending({ action: 'reissue', link })}
                  >
                    Reissue
                  </button>
                  <button
                    type="button"
                    disabled={link.status === 'revoked'}
                    aria-label={`Revoke ${link.label}`}
                    onClick={() => setPending({ action: 'revoke', link })}
                  >
                    Revoke
                  </button>
                  <button
                    type="button"
                    className="danger"
                    aria-label={`Delete ${link.label}`}
                    onClick={() => setPending({ action: 'delete', link })}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {shown.length > MAX_ROWS && (
        <p className="hint">
          Showing {MAX_ROWS} of {shown.length} links: filter to find the others.
        </p>
      )}
      {links.length > 0 && shown.length === 0 && (
        <p className="empty">No link matches the filter.</p>
      )}
      {pending && (
        <ConfirmDialog
          title={QUESTIONS[pending.action].title(pending.link.label)}
          confirmLabel={QUESTIONS[pending.action].confirm}
          onConfirm={() => void act(pending)}
          onCancel={() => setPending(null)}
        >
          <p>{QUESTIONS[pending.action].detail}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

const QUESTIONS = {
  revoke: {
    title: (label: string) => `Revoke the link for “${label}”?`,
    confirm: 'Revoke link',
    detail:
      'The link stops working at once, for good; its clicks are kept. To give the attendee a working link again, create a new one.',
  },
  reissue: {
    title: (label: string) => `Reissue the link for “${label}”?`,
    confirm: 'Reissue link',
    detail:
      'The link gets a new address, shown once; the old address stops working at once. Uses and options stay as they are.',
  },
  delete: {
    title: (label: string) => `Delete the link for “${label}”?`,
    confirm: 'Delete link',
    detail:
      'The link stops working and is removed from the list; its clicks stay in the click list without it.',
  },
};
