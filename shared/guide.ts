import { z } from 'zod';

/** One step of what to paste where on a platform: a provider's guide, or a one-key rotation's. */
export const GuideStepSchema = z
  .object({
    title: z.string(),
    detail: z.string(),
    /** Text to paste, shown with a copy button; null for a step that is only an instruction. */
    value: z.string().nullable(),
    /** The step's button copies the key's shared secret: main puts it on the clipboard itself. */
    copiesSecret: z.boolean(),
  })
  .strict();
export type GuideStep = z.infer<typeof GuideStepSchema>;
