import type { KeyRecord } from '../../../shared/keyRecord.ts';
import type {
  RotationOutcomeView,
  RotationPlan,
  RotationStepView,
} from '../../../shared/rotation.ts';
import { KeycastError } from '../errors.ts';
import { formatSpan } from '../time.ts';
import type { Vault } from '../vault/vault.ts';
import {
  plannedSteps,
  summarize,
  waitingNow,
  type RotationOutcome,
  type RotationSummary,
} from './rotation.ts';
import { defaultOverlapSeconds, modeOf, PLATFORM_NAMES, platformsOf } from './rotationPlatforms.ts';
import { confirmInstructions } from './rotationSteps.ts';
import { openRotationOf, type RotationMode, type RotationPlatform } from './rotationStore.ts';

interface Shape {
  name: string;
  mode: RotationMode;
  platforms: RotationPlatform[];
  overlapSeconds: number | null;
  retireAfter: string | null;
  switchAt: string | null;
}

/** What each step does, on which platform, in words for the wizard. */
export function describeStep(step: string, r: Shape): { title: string; detail: string } {
  const platform = PLATFORM_NAMES[r.platforms[0]!];
  const overlap = r.overlapSeconds === null ? 'the overlap' : formatSpan(r.overlapSeconds);
  const after = r.retireAfter ? `after ${r.retireAfter}` : `${overlap} after the switch`;
  switch (step) {
    case 'successor':
      return {
        title: 'Make the successor',
        detail: `A new key with the same algorithm, size, provider and attributes and a new kid; its private part goes straight to the system keychain. "${r.name}" keeps signing for now.`,
      };
    case 'publish:kinescope':
      return {
        title: 'Upload the successor to Kinescope',
        detail:
          "The successor's public key is uploaded (with expires_at) and read back. Kinescope then accepts tokens of both keys.",
      };
    case 'publish:nativeframe':
      return {
        title: 'Register the issuer with both keys',
        detail:
          "Native Frame's external issuer is registered again with both public keys in its JWKS.",
      };
    case 'switch':
      return r.mode === 'confirm'
        ? {
            title: 'Switch once you confirm the paste',
            detail: `${platform} holds one key, so there is no overlap: once you have put the new key into ${platform} and confirm it here, "${r.name}" signs with the successor. Tokens minted before stop working when ${platform} holds the new key; redirect links are unaffected (they mint at each click).`,
          }
        : {
            title: 'Switch',
            detail: `${r.switchAt ? `At ${r.switchAt} or later, new` : 'New'} tokens are signed by the successor, which takes the name "${r.name}", its redirect links, OBS keep-fresh and policy. The old key is renamed "(retiring)": it still verifies for ${overlap}, but signs nothing.`,
          };
    case 'retire:kinescope':
      return {
        title: 'Delete the old key from Kinescope',
        detail: `${capitalised(after)}: the old key is deleted at Kinescope, which then accepts the successor's tokens only.`,
      };
    case 'retire:nativeframe':
      return {
        title: 'Register the issuer with the successor alone',
        detail: `${capitalised(after)}: the issuer is registered again without the old key.`,
      };
    case 'retire':
      return {
        title: 'Retire the old key',
        detail:
          r.mode === 'confirm'
            ? 'Right after the switch the old key is marked retired; then it may be deleted.'
            : `${capitalised(after)}: the old key is marked retired and leaves keycast serve's JWKS; then it may be deleted.`,
      };
    default:
      return { title: step, detail: '' };
  }
}

const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

export function rotationView(summary: RotationSummary): RotationOutcomeView['rotation'] {
  return {
    ...summary,
    platforms: summary.platforms.map((p) => PLATFORM_NAMES[p]),
    steps: summary.steps.map((s) => ({
      ...s,
      ...describeStep(s.step, { ...summary, switchAt: null }),
    })),
  };
}

export function outcomeView(outcome: RotationOutcome): RotationOutcomeView {
  return { ...outcome, rotation: rotationView(outcome.rotation) };
}

/** What the wizard shows for a key: a new rotation's plan, and the one under way if there is one. */
export function planRotation(vault: Vault, ref: string, now = new Date()): RotationPlan {
  const record = vault.find(ref);
  const platforms = platformsOf(record);
  const mode = modeOf(platforms);
  let overlapSeconds: number | null = mode === 'confirm' ? 0 : null;
  let overlapProblem: string | null = null;
  if (mode === 'overlap') {
    try {
      overlapSeconds = defaultOverlapSeconds(vault, record);
    } catch (error) {
      if (!(error instanceof KeycastError)) throw error;
      overlapProblem = error.message;
    }
  }
  const shape: Shape = {
    name: record.name,
    mode,
    platforms,
    overlapSeconds,
    retireAfter: null,
    switchAt: null,
  };
  return {
    key: { id: record.id, name: record.name },
    mode,
    platforms: platforms.map((p) => PLATFORM_NAMES[p]),
    overlapSeconds,
    overlapProblem,
    needsIssuerSettings: platforms.includes('nativeframe'),
    steps: plannedSteps({ mode, platforms }).map((step): RotationStepView => ({
      step,
      ...describeStep(step, shape),
      doneAt: null,
      remoteIds: [],
    })),
    current: currentOutcome(vault, record, now),
  };
}

/** Where a rotation stands, without carrying out anything. */
function currentOutcome(vault: Vault, record: KeyRecord, now: Date): RotationOutcomeView | null {
  const open = vault.database.read(() => openRotationOf(vault.database.db, record.id));
  if (!open) return null;
  const summary = summarize(vault, open);
  const successor = summary.successor ? vault.find(summary.successor.id) : null;
  return {
    rotation: rotationView(summary),
    done: [],
    waiting: waitingNow(vault, open, now),
    instructions:
      open.mode === 'confirm' && !open.switchedAt && successor
        ? confirmInstructions(open.platforms[0]!, open, successor)
        : [],
  };
}
