import { z } from 'zod';
import type { KeyRecord } from '../../../shared/keyRecord.ts';
import { InputError } from '../errors.ts';
import { toJwks } from '../keys/export.ts';
import { ApiClient, ProviderApiError } from '../net/http.ts';
import type { Vault } from '../vault/vault.ts';
import { checkKey } from './mint.ts';
import {
  checkClaims,
  claimName,
  differingMembers,
  list,
  parseParams,
  text,
  type Provider,
  type RawParams,
  type RemoteContext,
} from './types.ts';

export const NATIVEFRAME_API = 'https://platform.nativeframe.com';
export const NATIVEFRAME_CREDENTIAL = 'nativeframe';
/** Native Frame's documented scopes (docs: Token Setup, "Available Scopes"). */
export const NATIVEFRAME_SCOPES = [
  'broadcaster',
  'viewer',
  'private-broadcaster',
  'private-viewer',
  'conference-owner',
  'conference-participant',
  'admin',
] as const;
/**
 * The claim that carries scopes in tokens Keycast mints as an external issuer. Native Frame's docs
 * do not define it; "scopes" mirrors the documented video-jwt request (videoToken.scopes) and can
 * be changed with --scope-claim to whatever the issuer was configured to read.
 */
export const DEFAULT_SCOPE_CLAIM = 'scopes';
const RS256_2048 = {
  algs: ['RS256'] as const,
  minRsaBits: 2048,
  describe: 'an RS256 RSA key of 2048 bits or more',
};

const scopes = list.pipe(
  z
    .array(z.enum(NATIVEFRAME_SCOPES, { error: `must be one of ${NATIVEFRAME_SCOPES.join(', ')}` }))
    .min(1, `needs at least one scope (${NATIVEFRAME_SCOPES.join(', ')})`),
);

const videoParams = z.object({
  nfKid: text(200),
  org: text(200),
  projectId: text(200),
  userId: text(200),
  scope: scopes,
  displayName: text(200).optional(),
});

const issuerParams = z.object({
  iss: text(500),
  aud: list.pipe(
    z.array(z.string().min(1)).min(1, 'needs the audience the issuer was registered with'),
  ),
  userId: text(200),
  scope: scopes,
  displayName: text(200).optional(),
  scopeClaim: claimName.default(DEFAULT_SCOPE_CLAIM),
});

const RESERVED = new Set(['iss', 'aud', 'sub', 'iat', 'exp', 'nbf', 'jti']);

/** The Native Frame auth API, authorised with the service-account JWT stored as a credential. */
export class NativeFrameClient {
  private readonly api: ApiClient;

  constructor(serviceJwt: string, options: { baseUrl?: string; timeoutMs?: number } = {}) {
    this.api = new ApiClient({
      service: 'Native Frame',
      baseUrl: options.baseUrl ?? NATIVEFRAME_API,
      bearer: serviceJwt.trim(),
      timeoutMs: options.timeoutMs,
      credentialHint:
        'store a current service-account JWT with "keycast credentials set nativeframe"',
    });
  }

  async videoToken(body: {
    kid: string;
    organizationSlug: string;
    projectId: string;
    videoToken: {
      scopes: string[];
      userId: string;
      ttl: number;
      data: { displayName?: string; mirrors: unknown[] };
    };
  }): Promise<string> {
    return (await this.api.request('POST', '/auth/v1/video-jwt', TOKEN_ANSWER, body)).token;
  }

  async serviceToken(body: { kid: string; roles: string[] }): Promise<string> {
    return (await this.api.request('POST', '/auth/v1/jwt', TOKEN_ANSWER, body)).token;
  }

  async putIssuer(
    iss: string,
    body: { iss: string; project: { id: string }; aud: string[]; roles: string[]; keys: unknown[] },
  ): Promise<IssuerAnswer> {
    return this.api.request(
      'PUT',
      `/auth/v1/issuers/${encodeURIComponent(iss)}`,
      ISSUER_ANSWER,
      body,
    );
  }
}

/**
 * A token as Native Frame's API answers it: three dot-separated base64url parts. An empty
 * signature passes here so that minting can refuse an unsigned token by name.
 */
const TOKEN_ANSWER = z
  .object({
    token: z
      .string()
      .max(16 * 1024)
      .regex(/^[\w-]+\.[\w-]+\.[\w-]*$/, 'is not a compact JWT'),
  })
  .loose();

/** The issuer as registered; its keys are compared with what was sent. */
const ISSUER_ANSWER = z
  .object({
    keys: z.array(
      z
        .object({
          kid: z.string(),
          kty: z.string().nullish(),
          n: z.string().nullish(),
          e: z.string().nullish(),
          alg: z.string().nullish(),
        })
        .loose(),
    ),
  })
  .loose();
type IssuerAnswer = z.infer<typeof ISSUER_ANSWER>;

const serviceParams = z.object({
  nfKid: text(200),
  role: list.transform((roles) => (roles.length > 0 ? roles : ['service-account'])),
});

async function client(context: RemoteContext): Promise<NativeFrameClient> {
  return new NativeFrameClient(await context.credential(NATIVEFRAME_CREDENTIAL), {
    baseUrl: context.apiBase,
    timeoutMs: context.timeoutMs,
  });
}

export const nativeframe: Provider = {
  id: 'nativeframe',
  name: 'Native Frame',
  key: RS256_2048,
  kinds: {
    video: {
      mode: 'remote',
      description: 'a user video token issued by Native Frame (POST /auth/v1/video-jwt)',
      params: videoParams,
      async fetch(raw: RawParams, ttlSeconds, context) {
        const p = parseParams(videoParams, raw, 'A Native Frame video token');
        const token = await (
          await client(context)
        ).videoToken({
          kid: p.nfKid,
          organizationSlug: p.org,
          projectId: p.projectId,
          videoToken: {
            scopes: p.scope,
            userId: p.userId,
            ttl: ttlSeconds ?? 3600,
            data: { ...(p.displayName ? { displayName: p.displayName } : {}), mirrors: [] },
          },
        });
        return { token };
      },
    },
    service: {
      mode: 'remote',
      description: 'a service token issued by Native Frame (POST /auth/v1/jwt)',
      params: serviceParams,
      async fetch(raw: RawParams, _ttl, context) {
        const p = parseParams(serviceParams, raw, 'A Native Frame service token');
        return {
          token: await (await client(context)).serviceToken({ kid: p.nfKid, roles: p.role }),
        };
      },
    },
    issuer: {
      mode: 'local',
      description: 'a user token signed locally as a registered external issuer',
      params: issuerParams,
      ttl: { default: 3600, max: 86400 },
      iat: true,
      jti: false,
      prepare(raw) {
        const p = parseParams(issuerParams, raw, 'A Native Frame issuer token');
        if (RESERVED.has(p.scopeClaim))
          throw new InputError(`--scope-claim cannot be the registered claim "${p.scopeClaim}".`);
        const schema = z
          .object({
            iss: z.string(),
            aud: z.union([z.string(), z.array(z.string())]),
            sub: z.string(),
            [p.scopeClaim]: z.array(z.enum(NATIVEFRAME_SCOPES)),
            data: z.object({ displayName: z.string() }).optional(),
          })
          .strict();
        const claims = checkClaims(
          schema,
          {
            iss: p.iss,
            aud: p.aud.length === 1 ? p.aud[0] : p.aud,
            sub: p.userId,
            [p.scopeClaim]: p.scope,
            ...(p.displayName ? { data: { displayName: p.displayName } } : {}),
          },
          'Native Frame',
        );
        return { claims, links: () => ({}) };
      },
    },
  },
};

/** What an external issuer was registered with, besides its keys. */
export interface IssuerSettings {
  projectId: string;
  aud: string[];
  roles: string[];
}

const issuerSettingName = (iss: string): string => `nativeframe.issuer:${iss}`;

/** The settings the issuer was last registered with from this vault, or null. */
export function savedIssuerSettings(vault: Vault, iss: string): IssuerSettings | null {
  const saved = vault.settings.get(issuerSettingName(iss)) as Partial<IssuerSettings> | undefined;
  const strings = (v: unknown): v is string[] =>
    Array.isArray(v) && v.every((x) => typeof x === 'string');
  return saved && typeof saved.projectId === 'string' && strings(saved.aud) && strings(saved.roles)
    ? { projectId: saved.projectId, aud: saved.aud, roles: saved.roles }
    : null;
}

/**
 * Registers vault keys as an external issuer (PUT /auth/v1/issuers/{iss}) with their public JWKS,
 * then checks the answer names every kid, and records the upload on each key.
 */
export async function registerIssuer(
  api: NativeFrameClient,
  vault: Vault,
  records: KeyRecord[],
  options: { iss: string; projectId: string; aud: string[]; roles: string[] },
): Promise<IssuerAnswer> {
  for (const record of records) checkKey(RS256_2048, record, 'Native Frame');
  const jwks = toJwks(records);
  const answer = await api.putIssuer(options.iss, {
    iss: options.iss,
    project: { id: options.projectId },
    aud: options.aud,
    roles: options.roles,
    keys: jwks.keys,
  });
  const problems = jwks.keys.flatMap((sent) => {
    const stored = answer.keys.find((k) => k.kid === sent.kid);
    if (!stored) return [`${sent.kid} is missing`];
    const differs = differingMembers(sent, stored, [], ['kty', 'n', 'e', 'alg']);
    return differs.length ? [`${sent.kid} has a different ${differs.join(', ')}`] : [];
  });
  if (problems.length > 0)
    throw new ProviderApiError(
      `Native Frame's issuer does not hold the keys as sent (${problems.join('; ')}): check it in the dashboard and register again.`,
    );
  // Kept so a rotation can register the issuer again without asking for them (none is secret).
  vault.settings.set(issuerSettingName(options.iss), {
    projectId: options.projectId,
    aud: options.aud,
    roles: options.roles,
  } satisfies IssuerSettings);
  const uploadedAt = new Date().toISOString();
  for (const record of records) {
    // Registering the issuer again replaces its upload entry on each key.
    vault.recordUpload(record.id, {
      provider: 'nativeframe',
      remoteId: options.iss,
      uploadedAt,
      expiresAt: record.expiresAt,
    });
  }
  return answer;
}
