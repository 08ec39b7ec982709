import type { KeyView } from '../../../../shared/ipc.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';

/**
 * Asks before a key is deleted, and says so when it is still uploaded somewhere: deleting it here
 * does not stop that platform accepting its tokens.
 */
export function DeleteKeyDialog({
  keyView: key,
  onConfirm,
  onCancel,
}: {
  keyView: KeyView;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const uploaded = key.uploads.length > 0;
  return (
    <ConfirmDialog
      title={`Delete "${key.name}"?`}
      confirmLabel="Delete key"
      onConfirm={onConfirm}
      onCancel={onCancel}
    >
      <p>
        The private key is removed from the system keychain. Tokens it signed can no longer be
        verified here.
      </p>
      {uploaded && (
        <p className="bad">
          It is still uploaded to {key.uploads.map((u) => u.provider).join(', ')}: tokens that
          platform accepts stop working only when you remove it there too.
        </p>
      )}
    </ConfirmDialog>
  );
}
