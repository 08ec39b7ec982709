import type { GuideStep } from '../../../shared/ipc.ts';
import type { KeyRecord } from '../../../shared/keyRecord.ts';
import { InputError } from '../errors.ts';
import { toSpkiPem } from '../keys/export.ts';
import { ProviderApiError } from '../net/http.ts';
import { antmedia } from '../providers/antmedia.ts';
import { frameable } from '../providers/frameable.ts';
import {
  kinescopeClientFor,
  uploadToKinescope,
  type KinescopeClient,
} from '../providers/kinescope.ts';
import {
  NATIVEFRAME_CREDENTIAL,
  NativeFrameClient,
  registerIssuer,
} from '../providers/nativeframe.ts';
import { differingMembers } from '../providers/types.ts';
import type { Vault } from '../vault/vault.ts';
import { PLATFORM_NAMES } from './rotationPlatforms.ts';
import type { RotationPlatform, RotationRow } from './rotationStore.ts';

/** The platform API clients a rotation uses; tests and the app may hand in their own. */
export interface PlatformClients {
  kinescope: (apiUrl?: string) => Promise<KinescopeClient>;
  nativeframe: (apiUrl?: string) => Promise<NativeFrameClient>;
}

export function defaultClients(vault: Vault): PlatformClients {
  return {
    kinescope: (apiUrl) => kinescopeClientFor(vault, { baseUrl: apiUrl }),
    nativeframe: async (apiUrl) =>
      new NativeFrameClient(await vault.credential(NATIVEFRAME_CREDENTIAL), { baseUrl: apiUrl }),
  };
}

export interface StepContext {
  vault: Vault;
  rotation: RotationRow;
  predecessor: KeyRecord;
  successor: KeyRecord;
  clients: PlatformClients;
  now: Date;
}

/**
 * Puts the successor next to the predecessor on a platform that holds two keys. Idempotent: what
 * an interrupted run already put there is found (by kid at Kinescope; Native Frame's PUT replaces
 * the whole issuer) and recorded, never uploaded twice. Returns the platform's ids.
 */
export async function publishOn(platform: RotationPlatform, ctx: StepContext): Promise<string[]> {
  switch (platform) {
    case 'kinescope':
      return publishKinescope(ctx);
    case 'nativeframe':
      return registerIssuers(ctx, 'publish');
    default:
      return [];
  }
}

/** Takes the predecessor off a platform once the overlap is over. Idempotent as well. */
export async function retireOn(platform: RotationPlatform, ctx: StepContext): Promise<string[]> {
  switch (platform) {
    case 'kinescope':
      return retireKinescope(ctx);
    case 'nativeframe':
      return registerIssuers(ctx, 'retire');
    default:
      return [];
  }
}

async function publishKinescope(ctx: StepContext): Promise<string[]> {
  const { vault, successor, rotation } = ctx;
  const client = await ctx.clients.kinescope(rotation.params.apiUrl);
  const expiresAt = rotation.params.uploadExpiresAt!;
  const held = (await client.listKeys()).find((k) => k.kid === successor.kid);
  if (!held) {
    const updated = await uploadToKinescope(client, vault, successor, expiresAt);
    const upload = (updated.uploads ?? []).filter((u) => u.provider === 'kinescope').at(-1)!;
    return [upload.remoteId];
  }
  // Uploaded by a run that stopped before recording it: read back, compare, record.
  const stored = await client.getKey(held.id);
  const sent = successor.publicJwk as unknown as Record<string, unknown>;
  const differs = differingMembers(sent, stored, ['kid', 'kty'], ['n', 'e', 'alg']);
  if (differs.length > 0) {
    throw new ProviderApiError(
      `Kinescope holds a key with the successor's kid "${successor.kid}" (id ${held.id}) that is not the successor (${differs.join(', ')} differ): delete it there (keycast upload kinescope --delete ${held.id}), then resume.`,
    );
  }
  vault.recordUpload(successor.id, {
    provider: 'kinescope',
    remoteId: held.id,
    uploadedAt: stored.created_at ?? ctx.now.toISOString(),
    expiresAt: stored.expires_at ?? expiresAt,
  });
  return [held.id];
}

async function retireKinescope(ctx: StepContext): Promise<string[]> {
  const { vault, predecessor, successor, rotation } = ctx;
  const client = await ctx.clients.kinescope(rotation.params.apiUrl);
  const recorded = (predecessor.uploads ?? [])
    .filter((u) => u.provider === 'kinescope')
    .map((u) => u.remoteId);
  const held = await client.listKeys();
  // The predecessor's recorded uploads, and any copy of it found by kid; never the successor.
  const doomed = held
    .filter(
      (k) => k.kid !== successor.kid && (k.kid === predecessor.kid || recorded.includes(k.id)),
    )
    .map((k) => k.id);
  for (const id of doomed) await client.deleteKey(id);
  // Forgotten only once Kinescope no longer holds them (deleted now, or by an earlier run).
  for (const id of new Set([...recorded, ...doomed]))
    vault.forgetUploadOf(predecessor.id, 'kinescope', id);
  return doomed;
}

/**
 * Native Frame holds an external issuer's keys as one JWKS, replaced whole by each PUT: during
 * the overlap it holds every current key of the issuer plus the successor, after it the same
 * without the predecessor.
 */
async function registerIssuers(ctx: StepContext, phase: 'publish' | 'retire'): Promise<string[]> {
  const { vault, predecessor, successor, rotation } = ctx;
  const settings = rotation.params.nativeframe;
  if (!settings) {
    throw new InputError(
      `Rotating "${rotation.name}" re-registers its Native Frame issuer, which needs the project id: pass --project-id (and --aud, --role as registered) to keycast keys rotate.`,
    );
  }
  const api = await ctx.clients.nativeframe(rotation.params.apiUrl);
  const issuers = [
    ...new Set(
      (predecessor.uploads ?? [])
        .filter((u) => u.provider === 'nativeframe')
        .map((u) => u.remoteId),
    ),
  ];
  // A retire run after an earlier one forgot the predecessor's upload: the successor names the issuer.
  if (issuers.length === 0 && phase === 'retire') {
    issuers.push(
      ...new Set(
        (vault.find(successor.id).uploads ?? [])
          .filter((u) => u.provider === 'nativeframe')
          .map((u) => u.remoteId),
      ),
    );
  }
  for (const iss of issuers) {
    const members = vault
      .list()
      .filter(
        (r) =>
          r.status !== 'retired' &&
          r.id !== successor.id &&
          (phase === 'publish' || r.id !== predecessor.id) &&
          (r.uploads ?? []).some((u) => u.provider === 'nativeframe' && u.remoteId === iss),
      );
    await registerIssuer(api, vault, [...members, vault.find(successor.id)], {
      iss,
      projectId: settings.projectId,
      aud: settings.aud,
      roles: settings.roles,
    });
    if (phase === 'retire') vault.forgetUploadOf(predecessor.id, 'nativeframe', iss);
  }
  return issuers;
}

/**
 * What to paste where on a platform that holds one key (Frameable, Ant Media, Vonage): the
 * provider's own guide for the successor where it has one, and what the switch means.
 */
export function confirmInstructions(
  platform: RotationPlatform,
  rotation: RotationRow,
  successor: KeyRecord,
): GuideStep[] {
  const name = PLATFORM_NAMES[platform];
  const noOverlap: GuideStep = {
    title: `${name} holds one key: there is no overlap`,
    detail: `Tokens minted with the old key stop working as soon as ${name} holds the new one. Redirect links are unaffected: they mint a fresh token at each click.`,
    value: null,
    copiesSecret: false,
  };
  const confirm: GuideStep = {
    title: 'Confirm the paste',
    detail: `Once ${name} holds the new key, switch: keycast keys rotate "${rotation.name}" --confirm-pasted. From then on "${rotation.name}" signs with the new key.`,
    value: null,
    copiesSecret: false,
  };
  let steps: GuideStep[];
  if (platform === 'frameable') steps = frameable.guide!(successor).slice(0, 2);
  else if (platform === 'antmedia')
    steps = antmedia.guide!(successor).filter((s) => s.copiesSecret || s.title.startsWith('Open'));
  else if (platform === 'vonage')
    steps = rotation.params.importedSuccessor ? [] : vonageSteps(rotation, successor);
  else steps = [];
  return [noOverlap, ...steps, confirm];
}

function vonageSteps(rotation: RotationRow, successor: KeyRecord): GuideStep[] {
  const app = successor.attributes?.applicationId;
  return [
    {
      title: 'Open the application in the Vonage dashboard',
      detail: `Applications → ${app ?? 'your application'} → Edit → Authentication.`,
      value: null,
      copiesSecret: false,
    },
    {
      title: 'Replace its public key',
      detail: `Paste this public key of "${successor.name}" as the application's public key and save. If you use "Generate public and private key" there instead, this rotation is not the one to confirm: bring the downloaded private.key in with keycast keys import private.key --replaces "${rotation.name}" after deleting "${successor.name}".`,
      value: toSpkiPem(successor),
      copiesSecret: false,
    },
  ];
}
