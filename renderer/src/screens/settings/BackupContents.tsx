import { useId, type ReactNode } from 'react';
import type { BackupSummaryView } from '../../../../shared/ipc.ts';

/** One labelled list in a backup or restore result; "none" when it is empty. */
export function ItemList({ title, items }: { title: string; items: ReactNode[] }) {
  const id = useId();
  return (
    <>
      <dt id={id}>{title}</dt>
      <dd>
        {items.length === 0 ? (
          <span className="empty">none</span>
        ) : (
          <ul className="plain" aria-labelledby={id}>
            {items.map((item, index) => (
              <li key={index}>{item}</li>
            ))}
          </ul>
        )}
      </dd>
    </>
  );
}

/** What a backup holds or a restore wrote: key names and kids, credential and template names. */
export function BackupContents({
  summary,
  keysTitle,
  children,
}: {
  summary: BackupSummaryView;
  keysTitle: string;
  /** Further ItemLists (renamed, skipped). */
  children?: ReactNode;
}) {
  return (
    <dl className="facts backup-contents">
      <ItemList
        title={keysTitle}
        items={summary.keys.map((k) => (
          <>
            <strong>{k.name}</strong> <span className="hint">{k.alg}</span>
            <br />
            <code>kid {k.kid}</code>
          </>
        ))}
      />
      <ItemList title="Credentials" items={summary.credentials} />
      <ItemList title="Templates" items={summary.templates} />
      {children}
    </dl>
  );
}
