import { InputError } from '../errors.ts';
import type { Vault } from '../vault/vault.ts';
import { antmedia } from './antmedia.ts';
import { customProvider, savedTemplates } from './custom.ts';
import { frameable } from './frameable.ts';
import { kinescope } from './kinescope.ts';
import { mediamtx } from './mediamtx.ts';
import { nativeframe } from './nativeframe.ts';
import type { Provider } from './types.ts';
import { vonage } from './vonage.ts';

export const BUILT_IN_PROVIDERS: readonly Provider[] = [
  antmedia,
  kinescope,
  vonage,
  frameable,
  nativeframe,
  mediamtx,
];
export const PROVIDER_IDS = [...BUILT_IN_PROVIDERS.map((p) => p.id), 'custom'] as const;

/** Every provider, the custom one with this vault's templates as its kinds. */
export function allProviders(vault: Vault): Provider[] {
  return [...BUILT_IN_PROVIDERS, customProvider(savedTemplates(vault))];
}

/** A provider by id; the custom provider's kinds are the templates saved in this vault. */
export function providerById(id: string, vault: Vault): Provider {
  if (id === 'custom') return customProvider(savedTemplates(vault));
  const provider = BUILT_IN_PROVIDERS.find((p) => p.id === id);
  if (!provider)
    throw new InputError(`Unknown provider "${id}": choose ${PROVIDER_IDS.join(', ')}.`);
  return provider;
}
