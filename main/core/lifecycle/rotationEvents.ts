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

/** The part of the activity log a rotation writes to (main/core/lifecycle/activity.ts). */
interface ActivityAppender {
  entryNow(draft: {
    event: 'rotation-step';
    keyId: string;
    kid: string;
    provider: string | null;
    detail: Record<string, string | number | boolean | null>;
  }): unknown;
  append(entry: unknown): unknown;
}

/**
 * The single place rotation steps reach the activity log. Called inside the step's own
 * transaction, so a step is recorded exactly when it is done. A vault without a log (an older
 * build) records nothing.
 */
export function recordRotationStep(vault: Vault, event: RotationStepEvent): void {
  const log = (vault as unknown as { activity?: ActivityAppender }).activity;
  if (!log || typeof log.append !== 'function' || typeof log.entryNow !== 'function') return;
  log.append(
    log.entryNow({
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
