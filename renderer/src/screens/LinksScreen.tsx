import { useCallback, useEffect, useState } from 'react';
import type {
  ClickView,
  IssuedLinkView,
  LinkServerState,
  RedirectLinkView,
} from '../../../shared/ipc.ts';
import { call, messageOf } from '../api.ts';
import { Notice } from '../components/Notice.tsx';
import { ClicksTable } from './links/ClicksTable.tsx';
import { CreateLinkForm } from './links/CreateLinkForm.tsx';
import { ImportPanel } from './links/ImportPanel.tsx';
import { IssuedLink } from './links/IssuedLink.tsx';
import { firstChoice, type LinkCatalog } from './links/KindPicker.tsx';
import { LinksTable } from './links/LinksTable.tsx';
import { ServerPanel } from './links/ServerPanel.tsx';

/** How often the table and the clicks refresh while the server runs. */
export const POLL_MS = 2000;
const RECENT_CLICKS = 50;

/**
 * Redirect links: each click mints a fresh token and sends the browser on. Create one or import
 * a CSV of attendees, see the links and their clicks, and run the server that answers them.
 */
export function LinksScreen({ pollMs = POLL_MS }: { pollMs?: number }) {
  const [catalog, setCatalog] = useState<LinkCatalog | null>(null);
  const [links, setLinks] = useState<RedirectLinkView[] | null>(null);
  const [clicks, setClicks] = useState<ClickView[]>([]);
  const [server, setServer] = useState<LinkServerState | null>(null);
  const [panel, setPanel] = useState<'none' | 'create' | 'import'>('none');
  const [issued, setIssued] = useState<{ title: string; issued: IssuedLinkView } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const [list, recent] = await Promise.all([
        call('listLinks', {}),
        call('linkClicks', { limit: RECENT_CLICKS }),
      ]);
      setLinks(list.links);
      setClicks(recent.clicks);
    } catch (e) {
      setError(messageOf(e));
    }
  }, []);

  useEffect(() => {
    Promise.all([
      call('linkKinds', {}),
      call('listProviders', {}),
      call('listKeys', {}),
      call('linkServerState', {}),
    ]).then(
      ([kinds, providers, keys, state]) => {
        setCatalog({ kinds: kinds.kinds, providers: providers.providers, keys: keys.keys });
        setServer(state);
      },
      (e: unknown) => setError(messageOf(e)),
    );
    void reload();
  }, [reload]);

  // Clicks appear as they happen: while the server runs, the lists refresh on a timer.
  const running = server?.running === true;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => void reload(), pollMs);
    return () => clearInterval(timer);
  }, [running, pollMs, reload]);

  const initial = catalog ? firstChoice(catalog) : null;
  const changed = (message: string): void => {
    setStatus(message);
    setError(null);
    void reload();
  };

  return (
    <section aria-labelledby="links-title">
      <header className="screen-header">
        <h1 id="links-title">Links</h1>
        <div className="actions">
          <button
            type="button"
            aria-expanded={panel === 'create'}
            onClick={() => setPanel(panel === 'create' ? 'none' : 'create')}
          >
            Create link
          </button>
          <button
            type="button"
            aria-expanded={panel === 'import'}
            onClick={() => setPanel(panel === 'import' ? 'none' : 'import')}
          >
            Import CSV
          </button>
        </div>
      </header>
      <p className="hint">
        A redirect link mints a fresh short-lived token on every click and sends the browser to the
        platform with it, so an invitation sent days ahead still works.
      </p>
      <Notice error={error} status={status} />
      {server && (
        <ServerPanel
          state={server}
          onState={setServer}
          onError={setError}
          onPublicUrl={() => {
            setStatus('Saved the public URL: new links start with it.');
            void call('linkServerState', {}).then(setServer, () => undefined);
          }}
        />
      )}
      {catalog && initial === null && panel !== 'none' && (
        <p className="empty">No token kind here can be a redirect link.</p>
      )}
      {catalog && initial && panel === 'create' && (
        <CreateLinkForm
          catalog={catalog}
          initial={initial}
          onIssued={(created) => {
            setIssued({ title: `New link for “${created.link.label}”`, issued: created });
            setPanel('none');
            changed(`Created the link “${created.link.label}”.`);
          }}
          onError={(m) => {
            setError(m);
            setStatus(null);
          }}
        />
      )}
      {catalog && initial && panel === 'import' && (
        <ImportPanel catalog={catalog} initial={initial} onImported={() => void reload()} />
      )}
      {issued && (
        <IssuedLink
          title={issued.title}
          label={issued.issued.link.label}
          url={issued.issued.url}
          onDone={() => setIssued(null)}
        />
      )}
      {links === null ? (
        <p>Loading links…</p>
      ) : (
        <LinksTable
          links={links}
          onChanged={changed}
          onReissued={(reissued) =>
            setIssued({ title: `New address for “${reissued.link.label}”`, issued: reissued })
          }
          onError={setError}
        />
      )}
      <ClicksTable clicks={clicks} onRefresh={() => void reload()} />
    </section>
  );
}
