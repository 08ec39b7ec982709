import { KeycastError } from '../errors.ts';
import { isDue, listPolicies } from './policies.ts';
import {
  continueRotation,
  startRotation,
  unfinishedRotations,
  type RotationEnv,
  type RotationOutcome,
} from './rotation.ts';
import { RotationBusyError } from './rotationErrors.ts';
import { PLATFORM_NAMES } from './rotationPlatforms.ts';
import type { RotationRow } from './rotationStore.ts';

/**
 * `started`: a policy's rotation began. `advanced`: an unfinished rotation took its due steps.
 * `waiting`: a rotation needs a person (a paste to confirm). `busy`: another process has it.
 * `failed`: a step went wrong (the rotation keeps its state; the next run tries again).
 */
export type MaintainActionKind = 'started' | 'advanced' | 'waiting' | 'busy' | 'failed';

export interface MaintainAction {
  kind: MaintainActionKind;
  /** The name scripts use for the key being rotated. */
  key: string;
  rotationId: string | null;
  /** One line: what was done, or what went wrong and what to do. */
  message: string;
}

export interface MaintainReport {
  at: string;
  actions: MaintainAction[];
  /** How many actions failed: `keycast maintain` exits non-zero when there is one. */
  failed: number;
}

/**
 * What cron, a systemd timer or the app (hourly while open) runs: every unfinished rotation takes
 * the steps that are due and need no person (a switch at its `--at`, a retirement after the
 * overlap, whatever an interruption left undone), then every policy that is due starts its
 * rotation. Steps waiting for a confirmation are reported, never taken. A failure is reported
 * and the rest carries on.
 */
export async function maintain(env: RotationEnv): Promise<MaintainReport> {
  const now = (env.now ?? (() => new Date()))();
  const actions: MaintainAction[] = [];
  for (const rotation of unfinishedRotations(env.vault)) {
    actions.push(...(await advance(env, rotation)));
  }
  const open = new Set(unfinishedRotations(env.vault).map((r) => r.predecessorId));
  for (const { record, row, view } of listPolicies(env.vault)) {
    if (record.status !== 'active' || open.has(record.id) || !isDue(view, now)) continue;
    try {
      const outcome = await startRotation(env, record.id, {
        overlapSeconds: row.overlapSeconds ?? undefined,
        apiUrl: row.params.apiUrl,
        nativeframe: row.params.nativeframe,
      });
      actions.push(
        action(
          'started',
          outcome,
          `due since ${view.dueAt}: ${[...outcome.done, waitingLine(outcome)].filter(Boolean).join(' ')}`,
        ),
      );
    } catch (error) {
      actions.push(failure(record.name, null, error));
    }
  }
  return {
    at: now.toISOString(),
    actions,
    failed: actions.filter((a) => a.kind === 'failed').length,
  };
}

async function advance(env: RotationEnv, rotation: RotationRow): Promise<MaintainAction[]> {
  if (rotation.mode === 'confirm' && !rotation.switchedAt) {
    const platform = PLATFORM_NAMES[rotation.platforms[0]!];
    const secret =
      rotation.platforms[0] === 'antmedia' ? ' --secret-out FILE (the new secret to paste)' : '';
    return [
      {
        kind: 'waiting',
        key: rotation.name,
        rotationId: rotation.id,
        message: `waits for the new key to be put into ${platform}: see what to paste with keycast keys rotate "${rotation.name}" --resume${secret}, then confirm with --confirm-pasted.`,
      },
    ];
  }
  try {
    const outcome = await continueRotation(env, rotation.id);
    if (outcome.done.length === 0) return [];
    return [
      action(
        'advanced',
        outcome,
        [...outcome.done, waitingLine(outcome)].filter(Boolean).join(' '),
      ),
    ];
  } catch (error) {
    if (error instanceof RotationBusyError)
      return [
        { kind: 'busy', key: rotation.name, rotationId: rotation.id, message: error.message },
      ];
    return [failure(rotation.name, rotation.id, error)];
  }
}

function action(
  kind: MaintainActionKind,
  outcome: RotationOutcome,
  message: string,
): MaintainAction {
  return { kind, key: outcome.rotation.name, rotationId: outcome.rotation.id, message };
}

function waitingLine(outcome: RotationOutcome): string {
  return outcome.waiting ? outcome.waiting.message : '';
}

function failure(key: string, rotationId: string | null, error: unknown): MaintainAction {
  // Keycast's own errors are sentences for people; anything else is named, never a stack.
  const message =
    error instanceof KeycastError
      ? error.message
      : `an unexpected error (${error instanceof Error ? error.name : 'unknown'}); run keycast keys rotate "${key}" --resume with KEYCAST_DEBUG=1 for details.`;
  return { kind: 'failed', key, rotationId, message };
}
