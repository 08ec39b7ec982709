import { z } from 'zod';
import { ALGORITHMS } from './algorithms.ts';

/** Public members only: the schema is strict so a private member can never be carried along. */
export const PublicJwkSchema = z
  .object({
    kty: z.enum(['RSA', 'EC', 'OKP']),
    kid: z.string().min(1),
    use: z.literal('sig'),
    alg: z.enum(ALGORITHMS),
    n: z.string().optional(),
    e: z.string().optional(),
    crv: z.enum(['P-256', 'P-384', 'Ed25519']).optional(),
    x: z.string().optional(),
    y: z.string().optional(),
  })
  .strict();
export type PublicJwk = z.infer<typeof PublicJwkSchema>;

export const KeyStatusSchema = z.enum(['active', 'retired']);

/** What the metadata file holds for one key. Never any secret material. */
export const KeyRecordSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    alg: z.enum(ALGORITHMS),
    kid: z.string().min(1),
    /** null for HMAC keys: a shared secret has no public half. */
    publicJwk: PublicJwkSchema.nullable(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    provider: z.string().nullable(),
    notes: z.string(),
    status: KeyStatusSchema,
  })
  .strict();
export type KeyRecord = z.infer<typeof KeyRecordSchema>;
