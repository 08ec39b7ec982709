import { z } from 'zod';
import type { KeyRecord } from '../../../shared/keyRecord.ts';
import { InputError } from '../errors.ts';
import { checkClaims, list, parseParams, text, type Provider, type RawParams } from './types.ts';

/**
 * Vonage Video: tokens signed with the application's own private key (private.key from the
 * dashboard), carrying its application id. The id can be stored on the key (attribute
 * `applicationId`, set with `keys import --app-id`) or given with --app-id.
 */
export const VONAGE_ROLES = ['publisher', 'subscriber', 'publisheronly', 'moderator'] as const;
const APP_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function applicationId(raw: RawParams, key: KeyRecord): string {
  const id = typeof raw.appId === 'string' ? raw.appId : key.attributes?.applicationId;
  if (!id) {
    throw new InputError(
      `Vonage tokens carry the application id: pass --app-id, or store it on the key with "keycast keys import private.key --provider vonage --app-id ID".`,
    );
  }
  if (!APP_ID.test(id))
    throw new InputError(`"${id}" is not a Vonage application id (a UUID from the dashboard).`);
  return id;
}

const restClaims = z.object({ application_id: z.string().regex(APP_ID) }).strict();

/** Optional where the key carries the id (attribute `applicationId`). */
const appIdParams = z.object({
  appId: z.string().regex(APP_ID, 'must be a Vonage application id (a UUID)').optional(),
});

const clientParams = appIdParams.extend({
  session: text(500),
  // --role is repeatable for other providers; Vonage takes exactly one.
  role: z.preprocess(
    (v: unknown): unknown => (Array.isArray(v) && v.length === 1 ? (v as unknown[])[0] : v),
    z
      .enum(VONAGE_ROLES, { error: `must be one of ${VONAGE_ROLES.join(', ')}, given once` })
      .default('publisher'),
  ),
  data: z.string().max(1000, 'must be at most 1000 characters').optional(),
  layoutClass: list,
});

const clientClaims = restClaims
  .extend({
    sub: z.literal('video'),
    acl: z.object({ paths: z.object({ '/session/**': z.object({}).strict() }).strict() }).strict(),
    scope: z.literal('session.connect'),
    session_id: z.string().min(1),
    role: z.enum(VONAGE_ROLES),
    connection_data: z.string().max(1000).optional(),
    initial_layout_class_list: z
      .string()
      .max(1000, 'must be at most 1000 characters once joined')
      .optional(),
  })
  .strict();

export const vonage: Provider = {
  id: 'vonage',
  name: 'Vonage Video',
  key: {
    algs: ['RS256'],
    minRsaBits: 2048,
    describe: "the application's RS256 RSA private key (private.key)",
  },
  kinds: {
    rest: {
      mode: 'local',
      description: 'call the Vonage Video REST API',
      params: appIdParams,
      ttl: { default: 15 * 60, max: 86400 },
      iat: true,
      jti: true,
      prepare(raw, key) {
        const claims = checkClaims(
          restClaims,
          { application_id: applicationId(raw, key) },
          'Vonage',
        );
        return { claims, links: () => ({}) };
      },
    },
    client: {
      mode: 'local',
      description: 'connect a client to a session (publisher, subscriber, moderator…)',
      params: clientParams,
      ttl: { default: 86400, max: 30 * 86400 },
      iat: true,
      jti: true,
      prepare(raw, key) {
        const p = parseParams(clientParams, raw, 'A Vonage client token');
        const layout = p.layoutClass.join(' ');
        const claims = checkClaims(
          clientClaims,
          {
            application_id: applicationId(raw, key),
            sub: 'video',
            acl: { paths: { '/session/**': {} } },
            scope: 'session.connect',
            session_id: p.session,
            role: p.role,
            ...(p.data !== undefined ? { connection_data: p.data } : {}),
            ...(layout ? { initial_layout_class_list: layout } : {}),
          },
          'Vonage',
        );
        return { claims, links: () => ({}) };
      },
    },
  },
};
