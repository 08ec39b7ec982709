import { z } from 'zod';

/**
 * What `keycast status` and the app's banner report: things about to expire or waiting for a
 * person. Shared by core, the IPC contract and the renderer; no secret ever goes in here.
 */
export const STATUS_KINDS = [
  'key-expired',
  'key-expiring',
  'upload-expired',
  'upload-expiring',
  'retiring',
  'rotation-waiting',
  'secret-missing',
  'keychain-unavailable',
  'quarantined',
  'activity-broken',
] as const;
export type StatusKind = (typeof STATUS_KINDS)[number];

/** How far ahead expiries are reported. */
export const STATUS_WINDOW_DAYS = 30;

export const StatusItemSchema = z
  .object({
    /** Stable for one thing (a key, an upload, a record): reminders and lists are keyed by it. */
    id: z.string(),
    kind: z.enum(STATUS_KINDS),
    /** The key it is about; null for a quarantined record or the keychain itself. */
    key: z.object({ id: z.string(), name: z.string() }).strict().nullable(),
    /** When it happens or happened (ISO 8601); null for what has no date (a missing secret). */
    at: z.string().nullable(),
    /** One sentence: what is due and what to do. */
    message: z.string(),
  })
  .strict();
export type StatusItem = z.infer<typeof StatusItemSchema>;

export const StatusReportSchema = z
  .object({
    generatedAt: z.string(),
    windowDays: z.number(),
    /** True when at least one item is listed (`keycast status` then exits 1). */
    due: z.boolean(),
    items: z.array(StatusItemSchema),
  })
  .strict();
export type StatusReport = z.infer<typeof StatusReportSchema>;
