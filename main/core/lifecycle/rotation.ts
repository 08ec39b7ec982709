import { randomBytes } from 'node:crypto';
import { familyOf, RSA_SIZES } from '../../../shared/algorithms.ts';
import type { GuideStep } from '../../../shared/ipc.ts';
import type { KeyRecord } from '../../../shared/keyRecord.ts';
import { InputError, NotFoundError } from '../errors.ts';
export { RotationBusyError } from './rotationErrors.ts';
import { generateKeyMaterial } from '../keys/generate.ts';
import type { KeyMaterial } from '../keys/material.ts';
import { defaultUploadExpiry } from '../providers/kinescope.ts';
import { savedIssuerSettings } from '../providers/nativeframe.ts';
import { formatSpan } from '../time.ts';
import type { Vault } from '../vault/vault.ts';
import { withLease } from './rotationLease.ts';
import { defaultOverlapSeconds, modeOf, PLATFORM_NAMES, platformsOf } from './rotationPlatforms.ts';
import { recordRotationStep } from './rotationEvents.ts';
import {
  confirmInstructions,
  defaultClients,
  publishOn,
  retireOn,
  type PlatformClients,
  type StepContext,
} from './rotationSteps.ts';
import {
  insertRotation,
  markStep,
  openRotationOf,
  openRotations,
  rotationById,
  stepsOf,
  updateRotation,
  type RotationParams,
  type RotationPlatform,
  type RotationRow,
} from './rotationStore.ts';
import { switchOver, retireLocally, freeName } from './rotationSwitch.ts';

/** What a rotation runs with: the vault, a clock a test (or the app) can set, the API clients. */
export interface RotationEnv {
  vault: Vault;
  now?: () => Date;
  clients?: PlatformClients;
  /**
   * Called after each step is recorded. A throw stops the rotation right there, as a crash
   * would: tests inject failures between steps this way; the app shows progress with it.
   */
  afterStep?: (step: string, rotation: RotationRow) => void | Promise<void>;
}

export interface StartOptions {
  /** How long the predecessor keeps verifying after the switch; default: its provider's longest token. */
  overlapSeconds?: number;
  /** Switch no earlier than this (the successor is published at once). */
  switchAt?: Date;
  /** The platform API's address (self-hosted, tests); kept for resuming. */
  apiUrl?: string;
  /** A Native Frame issuer is registered again with both keys: its settings as registered. */
  nativeframe?: RotationParams['nativeframe'];
  /** A successor brought in from outside (`keys import --replaces`), instead of a generated one. */
  material?: KeyMaterial;
  /** The material came from the platform itself (Vonage's downloaded private.key). */
  imported?: boolean;
  kid?: string;
}

export interface ContinueOptions {
  /** The person confirms that a one-key platform now holds the successor. */
  confirm?: boolean;
}

/** Why a rotation stops before its end: a time not reached, or a person's confirmation. */
export interface RotationWait {
  reason: 'switch-time' | 'confirmation' | 'overlap';
  /** When it can go on by itself (null: when a person confirms). */
  until: string | null;
  message: string;
}

export interface RotationKeyView {
  id: string;
  name: string;
  kid: string;
  status: KeyRecord['status'];
}

export interface RotationSummary {
  id: string;
  name: string;
  mode: RotationRow['mode'];
  platforms: RotationPlatform[];
  overlapSeconds: number;
  createdAt: string;
  switchAt: string;
  switchedAt: string | null;
  retireAfter: string | null;
  completedAt: string | null;
  lastError: string | null;
  predecessor: RotationKeyView | null;
  successor: RotationKeyView | null;
  steps: { step: string; doneAt: string | null; remoteIds: string[] }[];
}

export interface RotationOutcome {
  rotation: RotationSummary;
  /** One sentence per step this run carried out. */
  done: string[];
  waiting: RotationWait | null;
  /** One-key platforms: what to paste where (shown until the switch). */
  instructions: GuideStep[];
}

const clock = (env: RotationEnv): (() => Date) => env.now ?? (() => new Date());
const clientsOf = (env: RotationEnv): PlatformClients => env.clients ?? defaultClients(env.vault);

/** The steps of a rotation, in order; each is recorded once done. */
export function plannedSteps(rotation: Pick<RotationRow, 'mode' | 'platforms'>): string[] {
  const remote = rotation.platforms.filter((p) => p === 'kinescope' || p === 'nativeframe');
  if (rotation.mode === 'confirm') return ['successor', 'switch', 'retire'];
  return [
    'successor',
    ...remote.map((p) => `publish:${p}`),
    'switch',
    ...remote.map((p) => `retire:${p}`),
    'retire',
  ];
}

/**
 * Starts replacing a key: a successor with the same algorithm, size, provider and attributes (a
 * new kid) is made and recorded with the rotation in one transaction, then the steps run as far
 * as they can now: publishing where the platform holds two keys, the switch when due (`--at`)
 * or confirmed (one-key platforms), the retirement once the overlap is over.
 */
export async function startRotation(
  env: RotationEnv,
  ref: string,
  options: StartOptions = {},
): Promise<RotationOutcome> {
  const { vault } = env;
  const now = clock(env)();
  const predecessor = vault.find(ref);
  refuseUnrotatable(vault, predecessor);
  const platforms = platformsOf(predecessor);
  const mode = modeOf(platforms);
  if (mode === 'confirm' && options.switchAt) {
    throw new InputError(
      `${PLATFORM_NAMES[platforms[0]!]} holds one key, so "${predecessor.name}" switches when you confirm the paste, not at a set time: leave out --at.`,
    );
  }
  if (options.switchAt && options.switchAt.getTime() < now.getTime() - 60_000) {
    throw new InputError(
      `--at ${options.switchAt.toISOString()} is in the past: give a later time.`,
    );
  }
  const overlapSeconds =
    mode === 'overlap' ? (options.overlapSeconds ?? defaultOverlapSeconds(vault, predecessor)) : 0;
  const issuer = predecessor.uploads?.find((u) => u.provider === 'nativeframe')?.remoteId;
  const nativeframe =
    options.nativeframe ?? (issuer ? (savedIssuerSettings(vault, issuer) ?? undefined) : undefined);
  if (platforms.includes('nativeframe') && !nativeframe) {
    const iss = issuer;
    throw new InputError(
      `"${predecessor.name}" is registered with Native Frame issuer "${iss}", which is registered again with both keys: pass --project-id (and --aud, --role as registered).`,
    );
  }
  if (options.material && options.material.alg !== predecessor.alg) {
    throw new InputError(
      `The replacement is an ${options.material.alg} key but "${predecessor.name}" is ${predecessor.alg}: a successor has the same algorithm.`,
    );
  }
  const material = options.material ?? (await successorMaterial(predecessor));
  const expiresAt = successorExpiry(predecessor, now);
  const id = randomBytes(8).toString('hex');
  const nowIso = now.toISOString();
  const params: RotationParams = {
    ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
    ...(nativeframe ? { nativeframe } : {}),
    ...(options.imported ? { importedSuccessor: true } : {}),
    ...(platforms.includes('kinescope')
      ? {
          uploadExpiresAt: defaultUploadExpiry({ ...predecessor, expiresAt }, now),
        }
      : {}),
  };
  const successor = await vault.add(material, {
    name: vault.database.read(() => freeName(vault.database.db, predecessor.name, 'next')),
    kid: options.kid,
    expiresAt,
    provider: predecessor.provider,
    notes: predecessor.notes,
    attributes: predecessor.attributes,
    alsoWrite: (db, record) => {
      if (openRotationOf(db, predecessor.id)?.predecessorId === predecessor.id) {
        throw new InputError(
          `A rotation of "${predecessor.name}" was started meanwhile: carry on with keycast keys rotate "${predecessor.name}" --resume.`,
        );
      }
      insertRotation(db, {
        id,
        name: predecessor.name,
        predecessorId: predecessor.id,
        successorId: record.id,
        mode,
        platforms,
        params,
        overlapSeconds,
        createdAt: nowIso,
        switchAt: (options.switchAt ?? now).toISOString(),
        switchedAt: null,
        retireAfter: null,
        completedAt: null,
        lastError: null,
        updatedAt: nowIso,
      });
      markStep(db, id, 'successor', nowIso);
      recordRotationStep(vault, {
        rotationId: id,
        step: 'successor',
        keyId: record.id,
        kid: record.kid,
        provider: record.provider,
        otherKeyId: predecessor.id,
      });
    },
  });
  const done = [
    `Created the successor "${successor.name}" (kid ${successor.kid}) of "${predecessor.name}".`,
  ];
  const rotation = rotationById(vault.database.db, id)!;
  await env.afterStep?.('successor', rotation);
  return continueWith(env, rotation, {}, done);
}

/** Carries a rotation on from where it stopped: whatever is due now, nothing twice. */
export async function continueRotation(
  env: RotationEnv,
  rotationId: string,
  options: ContinueOptions = {},
): Promise<RotationOutcome> {
  const rotation = env.vault.database.read(() => rotationById(env.vault.database.db, rotationId));
  if (!rotation) throw new NotFoundError(`No rotation "${rotationId}" in ${env.vault.dataDir}.`);
  return continueWith(env, rotation, options, []);
}

/** The unfinished rotation a key (by id, kid or name; predecessor or successor) takes part in. */
export function findOpenRotation(vault: Vault, ref: string): RotationRow {
  const record = vault.find(ref);
  const rotation = vault.database.read(() => openRotationOf(vault.database.db, record.id));
  if (!rotation) {
    throw new NotFoundError(
      `No rotation of "${record.name}" is under way: start one with keycast keys rotate "${record.name}".`,
    );
  }
  return rotation;
}

export function unfinishedRotations(vault: Vault): RotationRow[] {
  return vault.database.read(() => openRotations(vault.database.db));
}

async function continueWith(
  env: RotationEnv,
  rotation: RotationRow,
  options: ContinueOptions,
  done: string[],
): Promise<RotationOutcome> {
  const waiting = await withLease(env.vault, rotation.id, () =>
    walk(env, rotation.id, options, done),
  );
  return outcome(env.vault, rotation.id, done, waiting);
}

async function walk(
  env: RotationEnv,
  rotationId: string,
  options: ContinueOptions,
  done: string[],
): Promise<RotationWait | null> {
  const { vault } = env;
  for (;;) {
    const rotation = vault.database.read(() => rotationById(vault.database.db, rotationId));
    if (!rotation || rotation.completedAt) return null;
    const recorded = new Set(
      vault.database.read(() => stepsOf(vault.database.db, rotationId)).map((s) => s.step),
    );
    const next = plannedSteps(rotation).find((step) => !recorded.has(step));
    if (!next) return null;
    const now = clock(env)();
    const waiting = waitBefore(rotation, next, now, options);
    if (waiting) return waiting;
    try {
      done.push(await runStep(env, rotation, next, now));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      vault.write(() =>
        updateRotation(vault.database.db, rotationId, {
          lastError: `${next}: ${message}`.slice(0, 500),
          updatedAt: now.toISOString(),
        }),
      );
      throw error;
    }
    await env.afterStep?.(
      next,
      vault.database.read(() => rotationById(vault.database.db, rotationId))!,
    );
  }
}

/** What the rotation waits for now (null: its next step is due, or it is complete). */
export function waitingNow(vault: Vault, rotation: RotationRow, now: Date): RotationWait | null {
  if (rotation.completedAt) return null;
  const recorded = new Set(
    vault.database.read(() => stepsOf(vault.database.db, rotation.id)).map((s) => s.step),
  );
  const next = plannedSteps(rotation).find((step) => !recorded.has(step));
  return next ? waitBefore(rotation, next, now, {}) : null;
}

function waitBefore(
  rotation: RotationRow,
  step: string,
  now: Date,
  options: ContinueOptions,
): RotationWait | null {
  const quoted = `"${rotation.name}"`;
  if (step === 'switch') {
    if (rotation.mode === 'confirm' && !options.confirm) {
      const platform = PLATFORM_NAMES[rotation.platforms[0]!];
      return {
        reason: 'confirmation',
        until: null,
        message: `Waiting for you to put the new key into ${platform}; then switch with: keycast keys rotate ${quoted} --confirm-pasted`,
      };
    }
    if (rotation.mode === 'overlap' && Date.parse(rotation.switchAt) > now.getTime()) {
      return {
        reason: 'switch-time',
        until: rotation.switchAt,
        message: `The successor is published; ${quoted} switches to it at ${rotation.switchAt} (keycast maintain, or keycast keys rotate ${quoted} --resume then).`,
      };
    }
  }
  if (step.startsWith('retire') && rotation.retireAfter) {
    if (Date.parse(rotation.retireAfter) > now.getTime()) {
      return {
        reason: 'overlap',
        until: rotation.retireAfter,
        message: `The predecessor keeps verifying until ${rotation.retireAfter}; keycast maintain (or keycast keys rotate ${quoted} --resume) retires it then.`,
      };
    }
  }
  return null;
}

async function runStep(
  env: RotationEnv,
  rotation: RotationRow,
  step: string,
  now: Date,
): Promise<string> {
  const { vault } = env;
  if (step === 'switch') return switchOver(vault, rotation, now);
  if (step === 'retire') return retireLocally(vault, rotation, now);
  const [phase, platform] = step.split(':') as ['publish' | 'retire', RotationPlatform];
  const ctx: StepContext = {
    vault,
    rotation,
    predecessor: vault.find(rotation.predecessorId),
    successor: vault.find(rotation.successorId),
    clients: clientsOf(env),
    now,
  };
  const ids = phase === 'publish' ? await publishOn(platform, ctx) : await retireOn(platform, ctx);
  vault.write(() => {
    markStep(vault.database.db, rotation.id, step, now.toISOString(), ids);
    const key = phase === 'publish' ? ctx.successor : ctx.predecessor;
    recordRotationStep(vault, {
      rotationId: rotation.id,
      step,
      keyId: key.id,
      kid: key.kid,
      provider: platform,
      otherKeyId: phase === 'publish' ? ctx.predecessor.id : ctx.successor.id,
      remoteIds: ids,
    });
  });
  const where = PLATFORM_NAMES[platform];
  if (platform === 'kinescope') {
    return phase === 'publish'
      ? `Published the successor at Kinescope (${ids.join(', ')}, expires_at ${rotation.params.uploadExpiresAt}); read back and matched.`
      : ids.length > 0
        ? `Deleted the predecessor from Kinescope (${ids.join(', ')}).`
        : 'Kinescope no longer holds the predecessor.';
  }
  return phase === 'publish'
    ? `Registered ${where} issuer ${ids.join(', ')} with both keys.`
    : `Registered ${where} issuer ${ids.join(', ')} with the successor alone.`;
}

function outcome(
  vault: Vault,
  rotationId: string,
  done: string[],
  waiting: RotationWait | null,
): RotationOutcome {
  const rotation = vault.database.read(() => rotationById(vault.database.db, rotationId))!;
  const summary = summarize(vault, rotation);
  const successor = safeFind(vault, rotation.successorId);
  const instructions =
    rotation.mode === 'confirm' && !rotation.switchedAt && successor
      ? confirmInstructions(rotation.platforms[0]!, rotation, successor)
      : [];
  return { rotation: summary, done, waiting, instructions };
}

export function summarize(vault: Vault, rotation: RotationRow): RotationSummary {
  const recorded = vault.database.read(() => stepsOf(vault.database.db, rotation.id));
  const view = (id: string): RotationKeyView | null => {
    const record = safeFind(vault, id);
    return record
      ? { id: record.id, name: record.name, kid: record.kid, status: record.status }
      : null;
  };
  return {
    id: rotation.id,
    name: rotation.name,
    mode: rotation.mode,
    platforms: rotation.platforms,
    overlapSeconds: rotation.overlapSeconds,
    createdAt: rotation.createdAt,
    switchAt: rotation.switchAt,
    switchedAt: rotation.switchedAt,
    retireAfter: rotation.retireAfter,
    completedAt: rotation.completedAt,
    lastError: rotation.lastError,
    predecessor: view(rotation.predecessorId),
    successor: view(rotation.successorId),
    steps: plannedSteps(rotation).map((step) => {
      const found = recorded.find((s) => s.step === step);
      return { step, doneAt: found?.doneAt ?? null, remoteIds: found?.remoteIds ?? [] };
    }),
  };
}

function safeFind(vault: Vault, id: string): KeyRecord | null {
  try {
    return vault.find(id);
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

function refuseUnrotatable(vault: Vault, record: KeyRecord): void {
  if (record.status === 'retired')
    throw new InputError(`Key "${record.name}" is retired: there is nothing left to rotate.`);
  const open = vault.database.read(() => openRotationOf(vault.database.db, record.id));
  if (record.status === 'retiring' || open?.predecessorId === record.id) {
    throw new InputError(
      `A rotation of "${open?.name ?? record.name}" is already under way: carry on with keycast keys rotate "${open?.name ?? record.name}" --resume.`,
    );
  }
  if (open && !open.switchedAt) {
    throw new InputError(
      `Key "${record.name}" is the waiting successor in the rotation of "${open.name}": carry that on with keycast keys rotate "${open.name}" --resume.`,
    );
  }
}

/** A new key like the predecessor: same algorithm and RSA size; Ant Media's secret printable. */
async function successorMaterial(predecessor: KeyRecord): Promise<KeyMaterial> {
  const family = familyOf(predecessor.alg);
  let bits: number | undefined;
  if (family === 'RSA' && predecessor.publicJwk?.n) {
    const size = Buffer.from(predecessor.publicJwk.n, 'base64url').length * 8;
    bits = RSA_SIZES.find((s) => s >= size) ?? RSA_SIZES.at(-1)!;
  }
  return generateKeyMaterial(predecessor.alg, {
    bits,
    printable: family === 'oct' && predecessor.provider === 'antmedia',
  });
}

/** The successor lives as long as the predecessor was meant to, counted from now. */
function successorExpiry(predecessor: KeyRecord, now: Date): string | null {
  if (!predecessor.expiresAt) return null;
  const lifetime = Date.parse(predecessor.expiresAt) - Date.parse(predecessor.createdAt);
  if (!Number.isFinite(lifetime) || lifetime <= 0) return null;
  return new Date(now.getTime() + lifetime).toISOString();
}

/** One line for a summary: "chat: overlap 7d, Kinescope". */
export function describeRotation(summary: RotationSummary): string {
  const where = summary.platforms.map((p) => PLATFORM_NAMES[p]).join(', ');
  return summary.mode === 'overlap'
    ? `"${summary.name}" on ${where}, overlap ${formatSpan(summary.overlapSeconds)}`
    : `"${summary.name}" on ${where}, switched when you confirm the paste`;
}
