import type { Vault } from '../vault/vault.ts';

/** One rotation step as the activity log records it: ids and names, never key material. */
export interface RotationStepEvent {
  rotationId: string;
  step: string;
  keyId: string;
  kid: string;
  provider: string | null;
  /** The other key of the rotation (the successor for the predecessor's events, and so on). */
  otherKeyId: string;
  remoteIds?: readonly string[];
}

/**
 * The single place rotation steps reach the activity log. Called inside the step's own
 * transaction (the log's append joins it), so a step is recorded exactly when it is done.
 */
export function recordRotationStep(vault: Vault, event: RotationStepEvent): void {
  vault.activity.append(
    vault.activity.entryNow({
      event: 'rotation-step',
      keyId: event.keyId,
      kid: event.kid,
      provider: event.provider,
      detail: {
        rotation: event.rotationId,
        step: event.step,
        other: event.otherKeyId,
        ...(event.remoteIds && event.remoteIds.length > 0
          ? { remoteIds: event.remoteIds.join(' ') }
          : {}),
      },
    }),
  );
}
