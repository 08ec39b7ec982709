import { decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { ALGORITHMS, familyOf, isAlgorithm } from '../../../shared/algorithms.ts';
import type { KeyRecord } from '../../../shared/keyRecord.ts';
import { InputError, TokenFormatError, TokenRejectedError } from '../errors.ts';
import type { MintFacts } from '../lifecycle/activity.ts';
import { decodeClaimsUnverified } from '../tokens/inspect.ts';
import { mintToken } from '../tokens/mint.ts';
import { formatSpan, isoFromSeconds } from '../time.ts';
import type { Vault } from '../vault/vault.ts';
import type { KeyRequirement, Links, Provider, RawParams, RemoteContext } from './types.ts';

export interface ProviderMintRequest {
  kind: string;
  /** Vault key (id, kid or name); required for tokens signed locally. */
  key?: string;
  /** The key's record when the caller has it already (a server minting for the same link again). */
  record?: KeyRecord;
  params: RawParams;
  ttlSeconds?: number;
  now?: number;
  remote?: Omit<RemoteContext, 'credential'>;
}

export interface ProviderToken {
  token: string;
  header: Record<string, unknown>;
  claims: JWTPayload;
  expiresAt: string | null;
  links: Links;
  warnings: string[];
  /**
   * True when Keycast signed the token itself with a vault key. False for a token a provider's
   * API issued: Keycast holds no key to check its signature, so it is shown as unverified
   * (SECURITY.md §16).
   */
  verified: boolean;
}

/**
 * The one path every provider token takes: the kind, the key, the parameters, the claims and the
 * lifetime are all checked before anything is signed; then the token is recorded in the activity
 * log (a token that cannot be recorded is not handed out) and comes back with its links.
 */
export async function mintForProvider(
  provider: Provider,
  vault: Vault,
  request: ProviderMintRequest,
): Promise<ProviderToken> {
  const { token, facts } = await mintUnrecorded(provider, vault, request);
  await vault.activity.recordToken(facts);
  return token;
}

/**
 * `mintForProvider` without the activity record, for a caller that writes it when the token
 * leaves: a redirect click with the use it counts (one transaction), OBS once its server is known.
 * A token minted here and never recorded must never leave the process.
 */
export async function mintUnrecorded(
  provider: Provider,
  vault: Vault,
  request: ProviderMintRequest,
): Promise<{ token: ProviderToken; facts: MintFacts }> {
  const kind = provider.kinds[request.kind];
  if (!kind) {
    const names = Object.keys(provider.kinds);
    const choose = names.length ? `: choose ${names.join(', ')}` : '';
    throw new InputError(
      `${provider.name} has no token kind "${request.kind}"${choose}${provider.kindHint ? `; ${provider.kindHint}` : ''}.`,
    );
  }
  if (kind.mode === 'remote') {
    const remote = await kind.fetch(request.params, request.ttlSeconds, {
      ...request.remote,
      credential: (name) => vault.credential(name),
    });
    const header: Record<string, unknown> = issuedHeader(provider.name, remote.token);
    const claims = decodeClaimsUnverified(remote.token);
    const exp = typeof claims.exp === 'number' ? isoFromSeconds(claims.exp) : null;
    const token: ProviderToken = {
      token: remote.token,
      header,
      claims,
      expiresAt: exp,
      links: remote.links ?? {},
      warnings: [],
      verified: false,
    };
    return { token, facts: factsOf(provider, request.kind, null, token, undefined) };
  }

  if (!request.key)
    throw new InputError(
      `${provider.name} ${request.kind} tokens are signed with a vault key: pass --key.`,
    );
  const record = request.record ?? vault.find(request.key);
  checkKey(kind.key ?? provider.key, record, provider.name);
  const prepared = kind.prepare(request.params, record);
  const ttl = request.ttlSeconds ?? kind.ttl.default;
  if (ttl > kind.ttl.max) {
    throw new InputError(
      `${provider.name} ${request.kind} tokens live at most ${formatSpan(kind.ttl.max)}; ${formatSpan(ttl)} is too long.`,
    );
  }
  const warnings = [...(prepared.warnings ?? [])];
  if (kind.ttl.warnAbove !== undefined && ttl > kind.ttl.warnAbove) {
    warnings.push(
      `This token lives ${formatSpan(ttl)}: anyone holding it (or its link) can act as this user until it expires. Prefer ${formatSpan(kind.ttl.default)}.`,
    );
  }
  const signer = await vault.signer(record);
  const minted = await mintToken(signer, {
    claims: prepared.claims,
    ttlSeconds: ttl,
    iat: kind.iat,
    jti: kind.jti,
    now: request.now,
  });
  const token: ProviderToken = {
    ...minted,
    links: prepared.links(minted.token),
    warnings,
    verified: true,
  };
  return { token, facts: factsOf(provider, request.kind, record, token, kind.redirect) };
}

/**
 * What the activity log keeps of a token: the key, the kind, the claims' identifiers and the host
 * of the link it goes into (the kind's browser link, else the first address among its links).
 */
function factsOf(
  provider: Provider,
  kind: string,
  record: KeyRecord | null,
  token: ProviderToken,
  redirect: string | undefined,
): MintFacts {
  const kid = record?.kid ?? (typeof token.header.kid === 'string' ? token.header.kid : null);
  return {
    route: 'mint',
    keyId: record?.id ?? null,
    kid,
    provider: provider.id,
    kind,
    claims: token.claims,
    expiresAt: token.expiresAt,
    destination: destinationOf(token.links, redirect),
    signedHere: token.verified,
  };
}

function destinationOf(links: Links, preferred: string | undefined): string | null {
  const first = preferred ? links[preferred] : undefined;
  if (typeof first === 'string') return first;
  for (const value of Object.values(links)) {
    const candidates = typeof value === 'string' ? [value] : Object.values(value);
    const address = candidates.find((c) => /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(c));
    if (address) return address;
  }
  return null;
}

/**
 * The header of a token a provider issued, refused outright when it names no algorithm Keycast
 * allows (SECURITY.md §8): above all `none`, an unsigned token anyone could have written.
 * Read before the format check, so an empty signature gets this sentence rather than a shape one.
 */
function issuedHeader(platform: string, token: string): ProtectedHeaderParameters {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new TokenFormatError(`${platform} issued a token whose header Keycast cannot read.`);
  }
  const { alg } = header;
  if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
    throw new TokenRejectedError(
      'unsigned',
      `${platform} issued an unsigned token (alg "none"): Keycast refuses it, as anyone could have written it; check the service account and the kid you asked with.`,
    );
  }
  if (typeof alg !== 'string' || !isAlgorithm(alg)) {
    const named =
      typeof alg === 'string' && /^[A-Za-z0-9_+-]{1,20}$/.test(alg)
        ? `alg "${alg}"`
        : 'no algorithm Keycast can name';
    throw new TokenRejectedError(
      'wrong-algorithm',
      `${platform} issued a token with ${named}, which Keycast does not accept (${ALGORITHMS.join(', ')}): it is refused.`,
    );
  }
  return header;
}

/** Refuses a key the platform would not accept, before anything is signed. */
export function checkKey(requirement: KeyRequirement, record: KeyRecord, platform: string): void {
  const bits = record.publicJwk?.n
    ? Buffer.from(record.publicJwk.n, 'base64url').length * 8
    : undefined;
  const algOk = requirement.algs.includes(record.alg);
  const sizeOk =
    !requirement.minRsaBits ||
    familyOf(record.alg) !== 'RSA' ||
    (bits ?? 0) >= requirement.minRsaBits;
  if (!algOk || !sizeOk) {
    const actual = bits ? `${record.alg} (${bits}-bit RSA)` : record.alg;
    throw new InputError(
      `${platform} needs ${requirement.describe}; key "${record.name}" is ${actual}. Generate one with: keycast keys generate --alg ${requirement.algs[0]}${requirement.minRsaBits ? ` --bits ${requirement.minRsaBits}` : ''}`,
    );
  }
}
