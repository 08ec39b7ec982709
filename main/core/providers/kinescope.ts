import { z } from 'zod';
import type { KeyRecord, PublicJwk } from '../../../shared/keyRecord.ts';
import { InputError } from '../errors.ts';
import { ApiClient, ProviderApiError } from '../net/http.ts';
import { parseUnixSeconds } from '../time.ts';
import type { Vault } from '../vault/vault.ts';
import { checkKey } from './mint.ts';
import {
  checkClaims,
  differingMembers,
  parseParams,
  text,
  type Links,
  type Provider,
} from './types.ts';

export const KINESCOPE_API = 'https://api.kinescope.io';
export const KINESCOPE_CREDENTIAL = 'kinescope';
const RS256_2048 = {
  algs: ['RS256'] as const,
  minRsaBits: 2048,
  describe: 'an RS256 RSA key of 2048 bits or more',
};

const chatParams = z.object({
  event: text(200),
  userId: text(200),
  username: text(200),
  nbf: z.string().optional(),
});

const chatClaims = z
  .object({
    aud: z.literal('chat'),
    user_id: z.string().min(1),
    username: z.string().min(1),
    event_id: z.string().min(1),
    nbf: z.number().int().nonnegative().optional(),
  })
  .strict();

export const chatLink = (eventId: string, token: string): Links => ({
  chat: `https://kinescope.io/chat/${encodeURIComponent(eventId)}?token=${encodeURIComponent(token)}`,
});

export const kinescope: Provider = {
  id: 'kinescope',
  name: 'Kinescope',
  key: RS256_2048,
  kinds: {
    chat: {
      mode: 'local',
      description: 'sign a viewer into an event chat',
      params: chatParams,
      ttl: { default: 3600, max: 7 * 86400 },
      redirect: 'chat',
      iat: true,
      jti: false,
      prepare(raw) {
        const p = parseParams(chatParams, raw, 'A Kinescope chat token');
        const claims = checkClaims(
          chatClaims,
          {
            aud: 'chat',
            user_id: p.userId,
            username: p.username,
            event_id: p.event,
            ...(p.nbf ? { nbf: parseUnixSeconds(p.nbf, '--nbf') } : {}),
          },
          'Kinescope',
        );
        return { claims, links: (token) => chatLink(p.event, token) };
      },
    },
  },
  linksFor(token, claims, raw) {
    const event = typeof raw.event === 'string' ? raw.event : claims.event_id;
    if (typeof event !== 'string' || !event)
      throw new InputError('Kinescope links need --event (the token names no event_id).');
    return { links: chatLink(event, token), warnings: [] };
  },
};

/**
 * A JWK as Kinescope answers it. Documented are id, kty, kid, created_at and expires_at; the
 * public members may be there too. Unknown members are kept, never a reason to refuse.
 */
const KinescopeJwkSchema = z
  .object({
    id: z.string().min(1),
    kid: z.string(),
    kty: z.string(),
    alg: z.string().nullish(),
    use: z.string().nullish(),
    n: z.string().nullish(),
    e: z.string().nullish(),
    created_at: z.string().nullish(),
    expires_at: z.string().nullish(),
  })
  .loose();
export type KinescopeJwk = z.infer<typeof KinescopeJwkSchema>;

/** Kinescope wraps results as {"data": …}; both that and a bare result are read. */
const enveloped = <T>(schema: z.ZodType<T>): z.ZodType<T> =>
  z.preprocess(
    (body: unknown) =>
      body !== null && typeof body === 'object' && !Array.isArray(body) && 'data' in body
        ? body.data
        : body,
    schema,
  );

const KEY_LIST = enveloped(z.array(KinescopeJwkSchema).nullable()).transform((k) => k ?? []);
const KEY = enveloped(KinescopeJwkSchema);
/** Answers Keycast does not read (a deleted key, an updated event): any JSON, or nothing. */
const NOT_READ = z.unknown();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The Kinescope API as documented: public-key upload for chat JWTs and the per-event switch. */
export class KinescopeClient {
  private readonly api: ApiClient;

  constructor(
    apiToken: string,
    options: { baseUrl?: string; timeoutMs?: number; signal?: AbortSignal } = {},
  ) {
    if (!UUID.test(apiToken.trim())) {
      throw new InputError(
        'The Kinescope API token must be a UUID (Dashboard → Settings → API tokens): store it with "keycast credentials set kinescope".',
      );
    }
    this.api = new ApiClient({
      service: 'Kinescope',
      baseUrl: options.baseUrl ?? KINESCOPE_API,
      bearer: apiToken.trim(),
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      credentialHint: 'store a valid token with "keycast credentials set kinescope"',
    });
  }

  async listKeys(): Promise<KinescopeJwk[]> {
    return this.api.request('GET', '/v1/jwk', KEY_LIST);
  }

  async getKey(id: string): Promise<KinescopeJwk> {
    return this.api.request('GET', `/v1/jwk/${encodeURIComponent(id)}`, KEY);
  }

  async deleteKey(id: string): Promise<void> {
    await this.api.request('DELETE', `/v1/jwk/${encodeURIComponent(id)}`, NOT_READ);
  }

  async addKey(body: Record<string, string>): Promise<KinescopeJwk> {
    return this.api.request('POST', '/v1/jwk', KEY, body);
  }

  /** Requires (or stops requiring) a signed JWT in a live event's chat. */
  async enableChatJwt(eventId: string, required = true): Promise<void> {
    if (!eventId.trim())
      throw new InputError('Enabling chat JWT needs the live event id (--event).');
    await this.api.request('PUT', `/v2/live/events/${encodeURIComponent(eventId)}`, NOT_READ, {
      chat_jwt_required: required,
    });
  }
}

/** The client with the API token stored in the vault's keychain. */
export async function kinescopeClientFor(
  vault: Vault,
  options: { baseUrl?: string; signal?: AbortSignal } = {},
): Promise<KinescopeClient> {
  return new KinescopeClient(await vault.credential(KINESCOPE_CREDENTIAL), options);
}

/** Refuses a credential whose form its provider would reject, before it is stored. */
export function checkCredentialForm(name: string, secret: string): void {
  if (name === KINESCOPE_CREDENTIAL) new KinescopeClient(secret); // the constructor checks the form
}

const PUBLIC_RSA_MEMBERS = ['kty', 'e', 'use', 'kid', 'alg', 'n'] as const;

/**
 * Uploads a key's public JWK (SECURITY.md §29): checked first (RS256, 2048+ bits, public members
 * only, a kid Kinescope does not already hold), read back after and compared, then recorded on the key.
 */
export async function uploadToKinescope(
  client: KinescopeClient,
  vault: Vault,
  record: KeyRecord,
  expiresAt: string,
): Promise<KeyRecord> {
  checkKey(RS256_2048, record, 'Kinescope');
  const jwk = record.publicJwk as PublicJwk;
  const body: Record<string, string> = {};
  for (const member of PUBLIC_RSA_MEMBERS) body[member] = String(jwk[member]);
  body.expires_at = expiresAt;

  const existing = await client.listKeys();
  const clash = existing.find((k) => k.kid === jwk.kid);
  if (clash) {
    throw new InputError(
      `Kinescope already holds a key with kid "${jwk.kid}" (id ${clash.id}): it is uploaded already, or delete that one first.`,
    );
  }
  const created = await client.addKey(body);
  const stored = await client.getKey(created.id);
  // Kinescope documents only {id, kty, kid, created_at, expires_at} as its answer.
  const differs = differingMembers(body, stored, ['kid', 'kty'], ['n', 'e', 'alg']);
  if (differs.length > 0) {
    await client.deleteKey(created.id).catch(() => undefined);
    throw new ProviderApiError(
      `Kinescope stored a different key (${differs.join(', ')} differ), so it was deleted again: nothing was uploaded.`,
    );
  }
  const upload = {
    provider: 'kinescope',
    remoteId: created.id,
    uploadedAt: new Date().toISOString(),
    expiresAt,
  };
  return vault.recordUpload(record.id, upload);
}

/** Deletes a key at Kinescope and forgets the upload on whichever record carried it. */
export async function deleteFromKinescope(
  client: KinescopeClient,
  vault: Vault,
  remoteId: string,
): Promise<KeyRecord | null> {
  await client.deleteKey(remoteId);
  return vault.forgetUpload('kinescope', remoteId);
}

/** The API's required expires_at: the key's own expiry, else one year from now. */
export function defaultUploadExpiry(record: KeyRecord, now = new Date()): string {
  if (record.expiresAt) return record.expiresAt;
  return new Date(now.getTime() + 365 * 86400 * 1000).toISOString();
}
