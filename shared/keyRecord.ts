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

/**
 * `retiring`: replaced by a successor in a rotation; it still verifies and stays published until
 * the overlap ends, but signs nothing.
 */
export const KeyStatusSchema = z.enum(['active', 'retiring', 'retired']);

/** Where a key's public part was uploaded, so it is not deleted by accident and can be found again. */
export const UploadSchema = z
  .object({
    provider: z.string().min(1),
    remoteId: z.string().min(1),
    uploadedAt: z.string(),
    expiresAt: z.string().nullable(),
  })
  .strict();
export type Upload = z.infer<typeof UploadSchema>;

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
    /** Provider settings that belong to the key, e.g. Vonage's application id. Never secret. */
    attributes: z.record(z.string(), z.string()).optional(),
    uploads: z.array(UploadSchema).optional(),
  })
  .strict();
export type KeyRecord = z.infer<typeof KeyRecordSchema>;
