import { z } from 'zod';
import { GuideStepSchema } from './guide.ts';
import { KeyStatusSchema } from './keyRecord.ts';

/**
 * The rotation wizard's vocabulary: what the app shows of a rotation (keys by id, name and kid;
 * never key material) and what it may ask for.
 */

export const ROTATION_MODES = ['overlap', 'confirm'] as const;

const RotationKeySchema = z
  .object({ id: z.string(), name: z.string(), kid: z.string(), status: KeyStatusSchema })
  .strict();

/** One step: what it does on the platform, and when it was done. */
export const RotationStepViewSchema = z
  .object({
    step: z.string(),
    title: z.string(),
    detail: z.string(),
    doneAt: z.string().nullable(),
    remoteIds: z.array(z.string()),
  })
  .strict();
export type RotationStepView = z.infer<typeof RotationStepViewSchema>;

export const RotationViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    mode: z.enum(ROTATION_MODES),
    /** Platform names as people read them (Kinescope, Native Frame…). */
    platforms: z.array(z.string()),
    overlapSeconds: z.number().int(),
    createdAt: z.string(),
    switchAt: z.string(),
    switchedAt: z.string().nullable(),
    retireAfter: z.string().nullable(),
    completedAt: z.string().nullable(),
    lastError: z.string().nullable(),
    predecessor: RotationKeySchema.nullable(),
    successor: RotationKeySchema.nullable(),
    steps: z.array(RotationStepViewSchema),
  })
  .strict();
export type RotationView = z.infer<typeof RotationViewSchema>;

/** What to paste where (one-key platforms); `copiesSecret`: the button copies the new secret. */
export const RotationInstructionSchema = GuideStepSchema;

export const RotationOutcomeSchema = z
  .object({
    rotation: RotationViewSchema,
    done: z.array(z.string()),
    waiting: z
      .object({
        reason: z.enum(['switch-time', 'confirmation', 'overlap']),
        until: z.string().nullable(),
        message: z.string(),
      })
      .strict()
      .nullable(),
    instructions: z.array(RotationInstructionSchema),
  })
  .strict();
export type RotationOutcomeView = z.infer<typeof RotationOutcomeSchema>;

/** Before a rotation starts: what it would do; once started, where it stands. */
export const RotationPlanSchema = z
  .object({
    key: z.object({ id: z.string(), name: z.string() }).strict(),
    mode: z.enum(ROTATION_MODES),
    platforms: z.array(z.string()),
    /** The default overlap; null when Keycast cannot know it (then the person gives one). */
    overlapSeconds: z.number().int().nullable(),
    overlapProblem: z.string().nullable(),
    /** A Native Frame issuer is registered again: its project id (and audiences, roles) are asked. */
    needsIssuerSettings: z.boolean(),
    /** The steps a new rotation would take, with what each does. */
    steps: z.array(RotationStepViewSchema),
    /** The unfinished rotation this key takes part in, if any. */
    current: RotationOutcomeSchema.nullable(),
  })
  .strict();
export type RotationPlan = z.infer<typeof RotationPlanSchema>;
