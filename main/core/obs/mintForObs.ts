import { providerById } from '../providers/index.ts';
import { mintUnrecorded } from '../providers/mint.ts';
import type { RawParams } from '../providers/types.ts';
import type { Vault } from '../vault/vault.ts';
import { serviceFromLinks, type ObsService } from './push.ts';

/** What to mint for OBS: exactly what `keycast mint` takes. */
export interface ObsMintRequest {
  provider: string;
  kind: string;
  key: string;
  params: RawParams;
  ttlSeconds?: number;
  /** WHIP (OBS 30+) instead of custom RTMP. */
  whip?: boolean;
}

export interface ObsMint {
  service: ObsService;
  expiresAt: string | null;
  warnings: string[];
  /** The kid of the key that signed it: keep-fresh knows its own tokens by it. */
  kid: string;
}

/**
 * Mints a token as `keycast mint` does and turns its links into OBS's stream settings. The token
 * is recorded in the activity log once OBS's settings are made, with the host of the server OBS
 * will stream to; a token whose links make no OBS settings never leaves and is not recorded.
 */
export async function mintForObs(vault: Vault, request: ObsMintRequest): Promise<ObsMint> {
  const provider = providerById(request.provider, vault);
  const record = vault.find(request.key);
  const { token: minted, facts } = await mintUnrecorded(provider, vault, {
    kind: request.kind,
    record,
    key: request.key,
    params: request.params,
    ttlSeconds: request.ttlSeconds,
  });
  const service = serviceFromLinks(minted.links, {
    whip: request.whip ?? false,
    what: `${provider.name} ${request.kind} tokens`,
  });
  await vault.activity.recordToken({ ...facts, route: 'obs', destination: service.server });
  return {
    service,
    expiresAt: minted.expiresAt,
    warnings: minted.warnings,
    kid: record.kid,
  };
}
