import { useState } from 'react';
import { CopyField } from '../../components/CopyField.tsx';
import { QrCode } from './QrCode.tsx';

/**
 * A link's URL, which carries its secret id: shown this once (Keycast keeps only a hash of it),
 * with a copy button that clears the clipboard later and a QR code for in-person events.
 */
export function IssuedLink({
  title,
  label,
  url,
  onDone,
}: {
  title: string;
  label: string;
  url: string;
  onDone: () => void;
}) {
  return (
    <section className="panel issued" aria-labelledby="issued-title">
      <h2 id="issued-title">{title}</h2>
      <p className="notice warn">
        Copy this link now: it is shown once. Keycast keeps only a hash of it; a lost link is
        reissued (the old one stops working).
      </p>
      <div className="issued-body">
        <div>
          <CopyField label="Link URL" value={url} sensitive />
        </div>
        <QrCode value={url} label={`QR code of the link for ${label}`} />
      </div>
      <div className="actions">
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
    </section>
  );
}

/** The links an import created: label, copy and a QR code each (the saved CSV has them all). */
export function ImportedLinks({
  links,
  shown = 100,
}: {
  links: { line: number; label: string; url: string }[];
  shown?: number;
}) {
  const [qr, setQr] = useState<number | null>(null);
  return (
    <details className="imported">
      <summary>The {links.length} new links</summary>
      <ul className="plain">
        {links.slice(0, shown).map((link) => (
          <li key={link.line}>
            <CopyField
              label={`Link for ${link.label} (line ${link.line})`}
              value={link.url}
              sensitive
            />
            <button
              type="button"
              aria-expanded={qr === link.line}
              onClick={() => setQr(qr === link.line ? null : link.line)}
            >
              QR code
            </button>
            {qr === link.line && (
              <QrCode value={link.url} label={`QR code of the link for ${link.label}`} />
            )}
          </li>
        ))}
      </ul>
      {links.length > shown && (
        <p className="hint">
          The first {shown} are listed here; the saved CSV has every one in its “link” column.
        </p>
      )}
    </details>
  );
}
