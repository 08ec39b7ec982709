import type { KeyRecord } from '../../../shared/keyRecord.ts';
import { InputError } from '../errors.ts';
import { providerById } from '../providers/index.ts';
import { formatSpan } from '../time.ts';
import type { Vault } from '../vault/vault.ts';
import type { RotationMode, RotationPlatform } from './rotationStore.ts';

/** Platforms that accept a second key next to the first: the successor is published before the switch. */
const OVERLAP_PLATFORMS: ReadonlySet<RotationPlatform> = new Set([
  'kinescope',
  'nativeframe',
  'local',
]);

/** Platforms where a person pastes the one key the platform holds. */
const ONE_KEY_PLATFORMS: ReadonlySet<string> = new Set(['frameable', 'antmedia', 'vonage']);

export const PLATFORM_NAMES: Record<RotationPlatform, string> = {
  kinescope: 'Kinescope',
  nativeframe: 'Native Frame',
  frameable: 'Frameable',
  antmedia: 'Ant Media Server',
  vonage: 'Vonage Video',
  local: 'this vault (keycast serve, keys export)',
};

/**
 * Where a key's public part lives, from its uploads (Kinescope, a Native Frame issuer) and its
 * provider (the one-key platforms, where it was pasted by hand). A key uploaded nowhere and
 * tagged with no one-key platform is `local`: keycast serve's JWKS and the verify hooks read it
 * from the vault.
 */
export function platformsOf(record: KeyRecord): RotationPlatform[] {
  const uploaded = new Set((record.uploads ?? []).map((u) => u.provider));
  const platforms: RotationPlatform[] = [];
  if (uploaded.has('kinescope')) platforms.push('kinescope');
  if (uploaded.has('nativeframe')) platforms.push('nativeframe');
  if (platforms.length > 0) return platforms;
  if (record.provider && ONE_KEY_PLATFORMS.has(record.provider))
    return [record.provider as RotationPlatform];
  return ['local'];
}

export function modeOf(platforms: readonly RotationPlatform[]): RotationMode {
  return platforms.every((p) => OVERLAP_PLATFORMS.has(p)) ? 'overlap' : 'confirm';
}

/**
 * The default overlap: the longest lifetime a token of the key's provider can have (the largest
 * TTL maximum of its kinds signed locally), so every token signed before the switch expires
 * before its key is retired. A key with no provider (or none with local kinds) needs --overlap.
 */
export function defaultOverlapSeconds(vault: Vault, record: KeyRecord): number {
  const providerId =
    record.provider ??
    (record.uploads ?? []).find((u) => u.provider === 'kinescope' || u.provider === 'nativeframe')
      ?.provider ??
    null;
  const explain = `pass --overlap with the longest lifetime its tokens are given (e.g. --overlap 24h)`;
  if (!providerId) {
    throw new InputError(
      `Key "${record.name}" has no provider, so Keycast cannot know how long its tokens live: ${explain}.`,
    );
  }
  let provider;
  try {
    provider = providerById(providerId, vault);
  } catch {
    throw new InputError(
      `Key "${record.name}" is tagged with an unknown provider "${providerId}": ${explain}.`,
    );
  }
  const longest = Math.max(
    0,
    ...Object.values(provider.kinds).flatMap((kind) =>
      kind.mode === 'local' && (kind.key ?? provider.key).algs.includes(record.alg)
        ? [kind.ttl.max]
        : [],
    ),
  );
  if (longest === 0) {
    throw new InputError(
      `${provider.name} has no token kind signed with key "${record.name}" (${record.alg}), so Keycast cannot know how long its tokens live: ${explain}.`,
    );
  }
  return longest;
}

/** One sentence on what the overlap means, for the wizard and the CLI. */
export function describeOverlap(seconds: number): string {
  return `${formatSpan(seconds)} (tokens signed before the switch keep working that long)`;
}
