import { useCallback, useEffect, useState } from 'react';
import type { KeyView } from '../../../../shared/ipc.ts';
import { call, messageOf } from '../../api.ts';
import { CopyField } from '../../components/CopyField.tsx';
import { Notice } from '../../components/Notice.tsx';
import { DeleteKeyDialog } from './DeleteKeyDialog.tsx';
import { RotateWizard } from './RotateWizard.tsx';

/** One key: its public forms to copy or save, rotation, and deletion. */
export function KeyDetails({
  id,
  secretMissing,
  onDeleted,
  onChanged,
  onError,
}: {
  id: string;
  /** From the key list: the details answer does not check the keychain. */
  secretMissing: boolean;
  onDeleted: (name: string) => void;
  /** A rotation changed the keys (a successor, a retiring key): the table reloads. */
  onChanged: () => void;
  onError: (m: string) => void;
}) {
  const [details, setDetails] = useState<{
    key: KeyView;
    jwk: string | null;
    jwks: string | null;
    pem: string | null;
  } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    call('keyDetails', { id }).then(setDetails, (e: unknown) => onError(messageOf(e)));
  }, [id, onError, version]);
  // A rotation renames this key and changes its JWKS: the details are read again with the table.
  const rotated = useCallback(() => {
    setVersion((v) => v + 1);
    onChanged();
  }, [onChanged]);
  if (!details) return null;
  const { key } = details;
  const uploaded = key.uploads.length > 0;
  const saveAs = async (format: 'jwk' | 'jwks' | 'pem'): Promise<void> => {
    try {
      const { path } = await call('saveKeyAs', { id, format });
      setSaved(path ? `Saved to ${path}` : null);
    } catch (e) {
      onError(messageOf(e));
    }
  };
  const remove = async (): Promise<void> => {
    setConfirming(false);
    try {
      await call('deleteKey', { id, evenIfUploaded: uploaded });
      onDeleted(key.name);
    } catch (e) {
      onError(messageOf(e));
    }
  };
  return (
    <section className="panel details" aria-labelledby="details-title">
      <h2 id="details-title">{key.name}</h2>
      {secretMissing && (
        <p role="status" className="notice bad">
          <strong>Secret missing:</strong> the system keychain has no private part for this key, so
          it cannot sign tokens or check them. If the keychain is locked, unlock it and open Keys
          again. Otherwise restore a backup that holds the key (Settings → Restore…), which puts the
          private part back, or delete this record and import the key again.
        </p>
      )}
      <dl className="facts">
        <dt>Algorithm</dt>
        <dd>{key.alg}</dd>
        <dt>Kid</dt>
        <dd>{key.kid}</dd>
        <dt>Fingerprint</dt>
        <dd>{key.fingerprint ?? 'none: a shared secret has no public part'}</dd>
        {key.attributes.applicationId && (
          <>
            <dt>Vonage application</dt>
            <dd>{key.attributes.applicationId}</dd>
          </>
        )}
      </dl>
      {details.jwk && details.jwks && details.pem ? (
        <>
          <CopyField label="Public JWK" value={details.jwk} multiline sensitive />
          <CopyField label="JWKS" value={details.jwks} multiline sensitive />
          <CopyField label="Public key (PEM)" value={details.pem} multiline sensitive />
          <div className="actions">
            <button type="button" onClick={() => void saveAs('jwk')}>
              Save JWK as…
            </button>
            <button type="button" onClick={() => void saveAs('jwks')}>
              Save JWKS as…
            </button>
            <button type="button" onClick={() => void saveAs('pem')}>
              Save PEM as…
            </button>
          </div>
          <Notice status={saved} />
        </>
      ) : (
        <p>
          This is a shared secret: the server needs the secret itself (see Providers → guides). It
          has no public part to export.
        </p>
      )}
      <div className="actions">
        {key.status !== 'retired' && (
          <button type="button" aria-expanded={rotating} onClick={() => setRotating(!rotating)}>
            {key.status === 'retiring' ? 'Rotation…' : 'Rotate…'}
          </button>
        )}
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Delete key…
        </button>
      </div>
      {rotating && (
        <RotateWizard keyId={id} onChanged={rotated} onClose={() => setRotating(false)} />
      )}
      {confirming && (
        <DeleteKeyDialog
          keyView={key}
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(false)}
        />
      )}
    </section>
  );
}
