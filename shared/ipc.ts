import { z } from 'zod';
import { ACTIVITY_EVENTS, ACTIVITY_SOURCES } from './activity.ts';
import { ALGORITHMS, RSA_SIZES } from './algorithms.ts';
import { GuideStepSchema } from './guide.ts';
import { UploadSchema } from './keyRecord.ts';
import { RotationOutcomeSchema, RotationPlanSchema } from './rotation.ts';
import { StatusReportSchema } from './status.ts';

export { GuideStepSchema, type GuideStep } from './guide.ts';

/**
 * The IPC contract: one entry per action, request schema → response schema. Main validates every
 * request and every response against it; the preload exposes one function per entry, named after
 * it. Response schemas are strict objects so nothing unlisted (a private member) can ride along.
 */

const name = z.string().trim().min(1).max(200);
const keyRef = z.string().min(1).max(200);
const jobId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a job id');
const none = z.object({}).strict();
const iso = z.string();

export const KeyStatusViewSchema = z.enum([
  'active',
  'expired',
  'retiring',
  'retired',
  'secret missing',
]);

/** A key as the UI lists it: no key material at all (the details carry the public key). */
export const KeyViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    alg: z.enum(ALGORITHMS),
    kid: z.string(),
    /** RFC 7638 thumbprint of the public key; null for shared secrets (a hash of a secret is not shown). */
    fingerprint: z.string().nullable(),
    provider: z.string().nullable(),
    createdAt: iso,
    expiresAt: iso.nullable(),
    /** Expires within 14 days. */
    expiresSoon: z.boolean(),
    status: KeyStatusViewSchema,
    uploads: z.array(UploadSchema),
    notes: z.string(),
    attributes: z.record(z.string(), z.string()),
  })
  .strict();
export type KeyView = z.infer<typeof KeyViewSchema>;

const keyResult = z.object({ key: KeyViewSchema }).strict();

export const FormFieldSchema = z
  .object({
    name: z.string(),
    label: z.string(),
    type: z.enum(['text', 'list', 'boolean', 'select']),
    required: z.boolean(),
    help: z.string().nullable(),
    options: z.array(z.string()),
    pattern: z.string().nullable(),
    maxLength: z.number().nullable(),
    defaultValue: z.union([z.string(), z.boolean()]).nullable(),
  })
  .strict();
export type FormField = z.infer<typeof FormFieldSchema>;

export const TokenKindViewSchema = z
  .object({
    id: z.string(),
    description: z.string(),
    mode: z.enum(['local', 'remote']),
    /** Algorithms a key must have to sign this kind (empty for tokens the provider issues). */
    algs: z.array(z.enum(ALGORITHMS)),
    keyDescription: z.string(),
    ttl: z
      .object({ default: z.number(), max: z.number(), warnAbove: z.number().nullable() })
      .strict()
      .nullable(),
    fields: z.array(FormFieldSchema),
  })
  .strict();
export type TokenKindView = z.infer<typeof TokenKindViewSchema>;

export const ProviderViewSchema = z
  .object({ id: z.string(), name: z.string(), kinds: z.array(TokenKindViewSchema) })
  .strict();
export type ProviderView = z.infer<typeof ProviderViewSchema>;

export const ParamsSchema = z.record(
  z.string().max(100),
  z.union([z.string().max(10_000), z.array(z.string().max(10_000)).max(100), z.boolean()]),
);
export type Params = z.infer<typeof ParamsSchema>;

export const LinksSchema = z.record(
  z.string(),
  z.union([z.string(), z.record(z.string(), z.string())]),
);
export type LinksView = z.infer<typeof LinksSchema>;

const claimsSchema = z.record(z.string(), z.unknown());

export const MintResultSchema = z
  .object({
    token: z.string(),
    header: claimsSchema,
    claims: claimsSchema,
    expiresAt: iso.nullable(),
    links: LinksSchema,
    warnings: z.array(z.string()),
    /** False for a token a provider's API issued: shown as unverified (SECURITY.md §16). */
    verified: z.boolean(),
  })
  .strict();
export type MintResult = z.infer<typeof MintResultSchema>;

const timeClaim = z.object({ unix: z.number(), iso: z.string(), relative: z.string() }).strict();

export const InspectResultSchema = z
  .object({
    valid: z.boolean(),
    /** False until the signature was checked against a vault key or a pasted JWKS. */
    verified: z.boolean(),
    checkedWith: z.enum(['none', 'vault', 'jwks']),
    header: claimsSchema.nullable(),
    claims: claimsSchema.nullable(),
    errors: z.array(z.string()),
    reasons: z.array(z.string()),
    times: z
      .object({ iat: timeClaim.optional(), nbf: timeClaim.optional(), exp: timeClaim.optional() })
      .strict(),
    clockToleranceSeconds: z.number(),
  })
  .strict();
export type InspectResult = z.infer<typeof InspectResultSchema>;

export const ThemeSchema = z.enum(['system', 'light', 'dark']);
export const SettingsSchema = z
  .object({
    theme: ThemeSchema,
    /** Default lifetime in seconds per "provider/kind". */
    defaultTtls: z.record(z.string().max(100), z.number().int().positive().max(31_536_000)),
  })
  .strict();
export type Settings = z.infer<typeof SettingsSchema>;

export const GUIDE_PROVIDERS = ['antmedia', 'frameable'] as const;

export const RemoteKeySchema = z
  .object({
    id: z.string(),
    kid: z.string(),
    alg: z.string(),
    expiresAt: z.string().nullable(),
    /** The vault key with this kid, if any. */
    localKey: z.string().nullable(),
  })
  .strict();
export type RemoteKey = z.infer<typeof RemoteKeySchema>;

const copied = z.object({ clearsAt: iso.nullable() }).strict();

const passphrase = z.string().min(1).max(1024);

/** What a backup holds or a restore wrote: names and kids, never a secret. */
export const BackupSummarySchema = z
  .object({
    keys: z.array(z.object({ name: z.string(), kid: z.string(), alg: z.string() }).strict()),
    credentials: z.array(z.string()),
    templates: z.array(z.string()),
  })
  .strict();
export type BackupSummaryView = z.infer<typeof BackupSummarySchema>;

/* ---- Redirect links (the Links screen) ---- */

/** A link's state now; the same words as `keycast redirects list`. */
export const LINK_STATUSES = ['active', 'revoked', 'not yet valid', 'expired', 'used up'] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

/** What a click came to; never the token, never the link's secret id. */
export { CLICK_OUTCOMES } from './links.ts';
import { CLICK_OUTCOMES } from './links.ts';

const linkRef = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true });
const csvColumn = z.string().min(1).max(200);
const sheetId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a sheet id');

/**
 * A redirect link as the app lists it: never its hash and never its secret id (the database has
 * only the hash; the URL exists once, in the answer to create, reissue or import).
 */
export const RedirectLinkViewSchema = z
  .object({
    id: z.string(),
    label: z.string(),
    provider: z.string(),
    kind: z.string(),
    keyId: z.string(),
    /** The signing key's name; null if the vault no longer has it. */
    keyName: z.string().nullable(),
    /** The attendee's parameters (name, email, event URL…): what each click's token names. */
    params: z.record(z.string(), z.union([z.string(), z.array(z.string()), z.boolean()])),
    tokenTtlSeconds: z.number(),
    validFrom: iso.nullable(),
    validUntil: iso.nullable(),
    maxUses: z.number().nullable(),
    uses: z.number(),
    confirm: z.boolean(),
    note: z.string(),
    createdAt: iso,
    revokedAt: iso.nullable(),
    lastClickAt: iso.nullable(),
    status: z.enum(LINK_STATUSES),
  })
  .strict();
export type RedirectLinkView = z.infer<typeof RedirectLinkViewSchema>;

/** A link with its URL: only in the answers to create and reissue. */
export const IssuedLinkSchema = z
  .object({ link: RedirectLinkViewSchema, url: z.string() })
  .strict();
export type IssuedLinkView = z.infer<typeof IssuedLinkSchema>;

export const ClickViewSchema = z
  .object({
    at: iso,
    outcome: z.enum(CLICK_OUTCOMES),
    linkId: z.string().nullable(),
    /** The link's label, if the link still exists. */
    label: z.string().nullable(),
    /** Shortened: an IPv4 /24 or IPv6 /48. */
    client: z.string().nullable(),
    /** A browser family such as "Chrome" or "Outlook". */
    agent: z.string().nullable(),
  })
  .strict();
export type ClickView = z.infer<typeof ClickViewSchema>;

/** Which provider kinds can be a redirect link, and which of their links a click is sent to. */
export const LinkKindSchema = z
  .object({ provider: z.string(), kind: z.string(), destination: z.string() })
  .strict();
export type LinkKind = z.infer<typeof LinkKindSchema>;

/** A link's options beside the provider's parameters. */
const linkOptions = {
  tokenTtlSeconds: z.number().int().positive().max(31_536_000).optional(),
  validFrom: instant.nullable().optional(),
  validUntil: instant.nullable().optional(),
  maxUses: z.number().int().min(1).max(1_000_000).nullable().optional(),
  confirm: z.boolean().optional(),
  note: z.string().max(2000).optional(),
};

/** An attendee CSV import: the sheet main holds, the mapping parameter ← column, fixed values. */
const importRequest = {
  sheetId,
  provider: name,
  kind: name,
  key: keyRef,
  map: z.record(z.string().min(1).max(100), csvColumn),
  params: ParamsSchema,
  labelColumn: csvColumn.optional(),
  ...linkOptions,
};

export const RowProblemSchema = z.object({ line: z.number(), problem: z.string() }).strict();
export type RowProblemView = z.infer<typeof RowProblemSchema>;

const sheetRow = z.object({ line: z.number(), values: z.record(z.string(), z.string()) }).strict();

export const ListenSchema = z
  .object({
    host: z
      .string()
      .trim()
      .regex(/^(\[?[0-9A-Fa-f:.]+\]?|[A-Za-z0-9.-]{1,253})$/, 'must be an address or host name'),
    port: z.number().int().min(0).max(65_535),
  })
  .strict();

export const LinkServerStateSchema = z
  .object({
    running: z.boolean(),
    /** Where it listens while running, e.g. http://127.0.0.1:8080. */
    address: z.string().nullable(),
    /** The address it listens on (or would, by default). */
    listen: ListenSchema,
    /** The address links are given out under: its host is what the server answers to. */
    publicUrl: z.string(),
    /**
     * What the person should know about the running server: it listens where other machines can
     * reach it (SECURITY.md §30), or some links' signing key expired (those answer 503).
     */
    warning: z.string().nullable(),
    startedAt: iso.nullable(),
  })
  .strict();
export type LinkServerState = z.infer<typeof LinkServerStateSchema>;

/* ---- OBS (the Mint result's "Send to OBS", Settings → OBS) ---- */

/** Why OBS cannot be used now; the same names as the core's ObsError problems. */
export const OBS_PROBLEMS = [
  'not-running',
  'server-off',
  'unreachable',
  'password-missing',
  'password-wrong',
  'not-obs-websocket-5',
  'too-old',
  'live',
  'read-back',
  'stream-refused',
  'timeout',
  'request-failed',
] as const;

/** What OBS says about itself and its stream: the server, never the stream key. */
export const ObsStatusSchema = z
  .object({
    obsVersion: z.string(),
    websocketVersion: z.string(),
    streaming: z.boolean(),
    reconnecting: z.boolean(),
    serviceType: z.string(),
    server: z.string().nullable(),
    /** OBS 30+ has a WHIP output. */
    whip: z.boolean(),
  })
  .strict();
export type ObsStatusView = z.infer<typeof ObsStatusSchema>;

/** OBS as the app shows it: ready, live, or the problem in one sentence. */
export const ObsStateSchema = z
  .object({
    state: z.enum(['ready', 'live', 'problem']),
    /** The obs-websocket address asked. */
    url: z.string(),
    status: ObsStatusSchema.nullable(),
    problem: z.enum(OBS_PROBLEMS).nullable(),
    message: z.string().nullable(),
  })
  .strict();
export type ObsStateView = z.infer<typeof ObsStateSchema>;

/** The saved connection: the password stays in the keychain, only whether one is stored. */
export const ObsConnectionSchema = z
  .object({ url: z.string(), defaultUrl: z.string(), passwordStored: z.boolean() })
  .strict();
export type ObsConnectionView = z.infer<typeof ObsConnectionSchema>;

const obsUrl = z.string().trim().min(1).max(2000);
const obsPassword = z.string().min(1).max(1024);
const ttlSeconds = z.number().int().positive().max(31_536_000);

/** What to mint for OBS: what the Mint form holds. */
const obsMint = {
  provider: name,
  kind: name,
  key: keyRef,
  params: ParamsSchema,
  ttlSeconds: ttlSeconds.optional(),
  /** WHIP (OBS 30+) instead of custom RTMP. */
  whip: z.boolean().optional(),
};

/** Keep OBS's token fresh: what to mint, and how close to expiry a new one goes in. */
export const KeepFreshSettingsSchema = z
  .object({
    enabled: z.boolean(),
    ...obsMint,
    marginSeconds: z.number().int().min(60).max(86_400),
  })
  .strict();
export type KeepFreshSettings = z.infer<typeof KeepFreshSettingsSchema>;

export const KeepFreshStateSchema = z
  .object({
    settings: KeepFreshSettingsSchema.nullable(),
    /** The signing key's name; null if the vault no longer has it. */
    keyName: z.string().nullable(),
    running: z.boolean(),
    /** The last look at OBS: what was decided or what stood in the way. */
    last: z
      .object({ at: iso, message: z.string(), pushed: z.boolean(), problem: z.boolean() })
      .strict()
      .nullable(),
    nextCheckAt: iso.nullable(),
  })
  .strict();
export type KeepFreshStateView = z.infer<typeof KeepFreshStateSchema>;

/** One activity record as the Activity screen shows it: never a token, a secret or a full URL. */
export const ActivityRecordViewSchema = z
  .object({
    id: z.number().int(),
    at: iso,
    source: z.string(),
    event: z.string(),
    keyId: z.string().nullable(),
    kid: z.string().nullable(),
    provider: z.string().nullable(),
    kind: z.string().nullable(),
    jti: z.string().nullable(),
    subjects: z.record(z.string(), z.string()).nullable(),
    expiresAt: iso.nullable(),
    destination: z.string().nullable(),
    detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  })
  .strict();
export type ActivityRecordView = z.infer<typeof ActivityRecordViewSchema>;

export const ActivitySettingsSchema = z
  .object({
    retentionDays: z.number().int().min(1).max(3650),
    hashSubjects: z.boolean(),
  })
  .strict();

/** The Activity screen's filters: the same as `keycast activity`. */
const activityFilter = {
  /** A date, a date-time, or a duration back from now (7d). */
  since: z.string().trim().min(1).max(40).optional(),
  key: keyRef.optional(),
  provider: name.optional(),
  kind: name.optional(),
  event: z.enum(ACTIVITY_EVENTS).optional(),
  source: z.enum(ACTIVITY_SOURCES).optional(),
  subject: z.string().trim().min(1).max(200).optional(),
};

export const ActivityVerificationSchema = z
  .object({
    intact: z.boolean(),
    records: z.number().int(),
    head: z.object({ id: z.number().int(), hash: z.string() }).strict().nullable(),
    prunedThrough: z.number().int().nullable(),
    problem: z
      .object({
        kind: z.enum(['changed', 'removed', 'anchor']),
        id: z.number().int(),
        message: z.string(),
      })
      .strict()
      .nullable(),
  })
  .strict();

export const CONTRACT = {
  appInfo: {
    request: none,
    response: z
      .object({
        version: z.string(),
        dataDir: z.string(),
        keychain: z.object({ available: z.boolean(), message: z.string().nullable() }).strict(),
        clockToleranceSeconds: z.number(),
        /** What the data folder said when it was opened: a migration done, a database restored. */
        notices: z.array(z.string()),
      })
      .strict(),
  },
  listKeys: { request: none, response: z.object({ keys: z.array(KeyViewSchema) }).strict() },
  generateKey: {
    request: z
      .object({
        jobId,
        alg: z.enum(ALGORITHMS),
        bits: z
          .number()
          .refine((b) => (RSA_SIZES as readonly number[]).includes(b), 'must be 2048, 3072 or 4096')
          .optional(),
        name: name.optional(),
        provider: name.optional(),
        expiresInDays: z.number().int().positive().max(3650).optional(),
        printable: z.boolean().optional(),
      })
      .strict(),
    response: keyResult,
  },
  chooseKeyFile: {
    request: none,
    response: z.object({ path: z.string().nullable() }).strict(),
  },
  importKeyFile: {
    request: z
      .object({
        path: z.string().min(1).max(4096),
        name: name.optional(),
        provider: name.optional(),
        alg: z.enum(ALGORITHMS).optional(),
        appId: name.optional(),
      })
      .strict(),
    response: keyResult,
  },
  importSecret: {
    request: z
      .object({
        secret: z.string().min(1).max(4096),
        encoding: z.enum(['text', 'base64', 'base64url', 'hex']),
        alg: z.enum(['HS256', 'HS384', 'HS512']),
        name: name.optional(),
        provider: name.optional(),
      })
      .strict(),
    response: keyResult,
  },
  keyDetails: {
    request: z.object({ id: keyRef }).strict(),
    response: z
      .object({
        key: KeyViewSchema,
        jwk: z.string().nullable(),
        jwks: z.string().nullable(),
        pem: z.string().nullable(),
      })
      .strict(),
  },
  saveKeyAs: {
    request: z.object({ id: keyRef, format: z.enum(['jwk', 'jwks', 'pem']) }).strict(),
    response: z.object({ path: z.string().nullable() }).strict(),
  },
  deleteKey: {
    request: z
      .object({
        id: keyRef,
        evenIfUploaded: z.boolean(),
        /** A retiring key (inside its rotation overlap) is refused unless this is true (§26). */
        evenIfRetiring: z.boolean().optional(),
      })
      .strict(),
    response: z.object({ deleted: z.string() }).strict(),
  },
  copyKeySecret: {
    request: z.object({ id: keyRef }).strict(),
    response: copied,
  },
  listProviders: {
    request: none,
    response: z.object({ providers: z.array(ProviderViewSchema) }).strict(),
  },
  mintToken: {
    request: z
      .object({
        provider: name,
        kind: name,
        key: keyRef.optional(),
        params: ParamsSchema,
        ttlSeconds: z.number().int().positive().optional(),
      })
      .strict(),
    response: MintResultSchema,
  },
  inspectToken: {
    request: z
      .object({
        token: z.string().max(20_000),
        verifyWith: z.enum(['none', 'vault', 'jwks']),
        jwks: z.string().max(200_000).optional(),
        audience: z.string().max(500).optional(),
      })
      .strict(),
    response: InspectResultSchema,
  },
  listCredentials: {
    request: none,
    response: z
      .object({
        credentials: z.array(z.object({ name: z.string(), masked: z.string() }).strict()),
      })
      .strict(),
  },
  setCredential: {
    request: z
      .object({
        name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a short lowercase name'),
        secret: z.string().min(1).max(8192),
      })
      .strict(),
    response: none,
  },
  deleteCredential: {
    request: z.object({ name: name }).strict(),
    response: none,
  },
  kinescopeKeys: {
    request: none,
    response: z.object({ keys: z.array(RemoteKeySchema) }).strict(),
  },
  uploadToKinescope: {
    request: z.object({ jobId, key: keyRef }).strict(),
    response: keyResult,
  },
  deleteFromKinescope: {
    request: z.object({ remoteId: z.string().min(1).max(200) }).strict(),
    response: none,
  },
  setKinescopeChatJwt: {
    request: z
      .object({ eventId: z.string().trim().min(1).max(200), required: z.boolean() })
      .strict(),
    response: none,
  },
  providerGuide: {
    request: z.object({ provider: z.enum(GUIDE_PROVIDERS), key: keyRef }).strict(),
    response: z.object({ steps: z.array(GuideStepSchema) }).strict(),
  },
  getSettings: { request: none, response: SettingsSchema },
  saveSettings: { request: SettingsSchema, response: SettingsSchema },
  copyText: {
    request: z.object({ text: z.string().max(200_000), sensitive: z.boolean() }).strict(),
    response: copied,
  },
  openExternal: {
    request: z.object({ url: z.string().max(20_000) }).strict(),
    response: none,
  },
  backupVault: {
    request: z.object({ passphrase, keys: z.array(keyRef).max(10_000).optional() }).strict(),
    /** path null: the user cancelled the save dialog. */
    response: z
      .object({
        path: z.string().nullable(),
        summary: BackupSummarySchema.nullable(),
        /** Keys left out because their keychain item is missing. */
        missing: z.array(z.string()),
      })
      .strict(),
  },
  restoreVault: {
    request: z.object({ passphrase, onConflict: z.enum(['skip', 'rename']).optional() }).strict(),
    response: z
      .object({
        path: z.string().nullable(),
        summary: BackupSummarySchema.nullable(),
        skipped: z.array(z.object({ what: z.string(), why: z.string() }).strict()),
        renamed: z.array(z.object({ from: z.string(), to: z.string() }).strict()),
      })
      .strict(),
  },
  cancelJob: {
    request: z.object({ jobId }).strict(),
    response: z.object({ cancelled: z.boolean() }).strict(),
  },
  linkKinds: {
    request: none,
    response: z.object({ kinds: z.array(LinkKindSchema) }).strict(),
  },
  listLinks: {
    request: none,
    response: z.object({ links: z.array(RedirectLinkViewSchema), publicUrl: z.string() }).strict(),
  },
  setLinksPublicUrl: {
    /** An empty URL goes back to the default (this machine, port 8080). */
    request: z.object({ publicUrl: z.string().trim().max(2000) }).strict(),
    response: z.object({ publicUrl: z.string() }).strict(),
  },
  createLink: {
    request: z
      .object({
        provider: name,
        kind: name,
        key: keyRef,
        params: ParamsSchema,
        label: z.string().max(200).optional(),
        ...linkOptions,
      })
      .strict(),
    response: IssuedLinkSchema,
  },
  revokeLink: {
    request: z.object({ id: linkRef }).strict(),
    response: z.object({ link: RedirectLinkViewSchema }).strict(),
  },
  reissueLink: {
    request: z.object({ id: linkRef }).strict(),
    response: IssuedLinkSchema,
  },
  deleteLink: {
    request: z.object({ id: linkRef }).strict(),
    response: z.object({ deleted: z.string() }).strict(),
  },
  linkClicks: {
    request: z
      .object({ linkId: linkRef.optional(), limit: z.number().int().min(1).max(1000).optional() })
      .strict(),
    response: z.object({ clicks: z.array(ClickViewSchema) }).strict(),
  },
  chooseAttendeeCsv: {
    request: none,
    response: z.object({ path: z.string().nullable() }).strict(),
  },
  openAttendeeCsv: {
    /** Main reads and parses the file (from the dialog, or a dropped file's path) and keeps it. */
    request: z.object({ path: z.string().min(1).max(4096) }).strict(),
    response: z
      .object({
        sheetId,
        fileName: z.string(),
        columns: z.array(z.string()),
        rowCount: z.number(),
        /** The first rows, for the mapping's preview. */
        rows: z.array(sheetRow),
      })
      .strict(),
  },
  checkAttendeeImport: {
    /** Every row checked as one link would be (the mint checks); nothing is created. */
    request: z.object({ jobId, ...importRequest }).strict(),
    response: z
      .object({
        rowCount: z.number(),
        problems: z.array(RowProblemSchema),
        /** How many problems there were in all (the list stops at 1000). */
        problemCount: z.number(),
        /** The first rows as links: their label and parameters. */
        planned: z.array(
          z
            .object({ line: z.number(), label: z.string().nullable(), params: ParamsSchema })
            .strict(),
        ),
      })
      .strict(),
  },
  importAttendees: {
    /**
     * Asks where to save the CSV with its link column, then creates every link or none and writes
     * the file (mode 0600). path null: the save dialog was cancelled and nothing was created.
     */
    request: z.object({ jobId, ...importRequest }).strict(),
    response: z
      .object({
        path: z.string().nullable(),
        created: z.array(
          z
            .object({ line: z.number(), id: z.string(), label: z.string(), url: z.string() })
            .strict(),
        ),
      })
      .strict(),
  },
  linkServerState: { request: none, response: LinkServerStateSchema },
  startLinkServer: { request: ListenSchema, response: LinkServerStateSchema },
  stopLinkServer: { request: none, response: LinkServerStateSchema },
  obsState: { request: none, response: ObsStateSchema },
  sendToObs: {
    /** Main mints a fresh token from these values and puts it into OBS; the answer has no key. */
    request: z.object({ ...obsMint, start: z.boolean().optional() }).strict(),
    response: z
      .object({
        status: ObsStatusSchema,
        expiresAt: iso.nullable(),
        started: z.boolean(),
        warnings: z.array(z.string()),
      })
      .strict(),
  },
  getObsConnection: { request: none, response: ObsConnectionSchema },
  saveObsConnection: {
    request: z
      .object({
        url: obsUrl,
        /** Saved to the keychain (credential "obs"); left as it is when absent. */
        password: obsPassword.optional(),
        forgetPassword: z.boolean().optional(),
      })
      .strict(),
    response: ObsConnectionSchema,
  },
  testObsConnection: {
    /** The given address and password, or the saved ones. */
    request: z.object({ url: obsUrl.optional(), password: obsPassword.optional() }).strict(),
    response: ObsStateSchema,
  },
  obsKeepFreshState: { request: none, response: KeepFreshStateSchema },
  saveObsKeepFresh: { request: KeepFreshSettingsSchema, response: KeepFreshStateSchema },
  /** What expires within 30 days or waits for the person: the banner on every screen. */
  statusReport: { request: none, response: StatusReportSchema },
  /** The Activity screen: records newest first, a page at a time (`beforeId`). */
  listActivity: {
    request: z
      .object({
        ...activityFilter,
        beforeId: z.number().int().positive().optional(),
        limit: z.number().int().min(1).max(1000).optional(),
      })
      .strict(),
    response: z
      .object({
        records: z.array(ActivityRecordViewSchema),
        /** More records match beyond this page. */
        more: z.boolean(),
        settings: ActivitySettingsSchema,
      })
      .strict(),
  },
  /** Every record the filters match, as CSV, to a file the person chooses in a save dialog. */
  exportActivity: {
    request: z.object(activityFilter).strict(),
    response: z.object({ path: z.string().nullable(), count: z.number().int() }).strict(),
  },
  verifyActivity: { request: none, response: ActivityVerificationSchema },
  saveActivitySettings: {
    request: z
      .object({
        retentionDays: z.number().int().min(1).max(3650).optional(),
        hashSubjects: z.boolean().optional(),
      })
      .strict(),
    response: ActivitySettingsSchema,
  },
  pruneActivity: {
    request: none,
    response: z
      .object({
        pruned: z.number().int(),
        through: z.number().int().nullable(),
        olderThanDays: z.number().int(),
      })
      .strict(),
  },
  /** The Rotate… wizard: each step and what it does on the platform; the rotation under way. */
  rotationPlan: { request: z.object({ id: keyRef }).strict(), response: RotationPlanSchema },
  startRotation: {
    request: z
      .object({
        jobId,
        id: keyRef,
        /** Seconds; default: the provider's longest token lifetime. */
        overlapSeconds: z
          .number()
          .int()
          .min(1)
          .max(366 * 86400)
          .optional(),
        /** ISO time: switch no earlier (the successor is published at once). */
        switchAt: iso.optional(),
        /** Native Frame issuer settings, as registered. */
        projectId: z.string().trim().min(1).max(200).optional(),
        aud: z.array(z.string().min(1).max(500)).max(20).optional(),
        roles: z.array(z.string().min(1).max(100)).max(20).optional(),
      })
      .strict(),
    response: RotationOutcomeSchema,
  },
  /** Resume (whatever is due now) or, with confirm, switch a one-key platform's rotation. */
  continueRotation: {
    request: z.object({ jobId, id: keyRef, confirm: z.boolean() }).strict(),
    response: RotationOutcomeSchema,
  },
} as const satisfies Record<string, { request: z.ZodType; response: z.ZodType }>;

export type Contract = typeof CONTRACT;
export type Action = keyof Contract;
export const ACTIONS = Object.keys(CONTRACT) as Action[];

export type RequestOf<A extends Action> = z.input<Contract[A]['request']>;
export type ResponseOf<A extends Action> = z.output<Contract[A]['response']>;

/** What crosses IPC: a result or a person-readable error, never a stack. */
export type Envelope<T> =
  { ok: true; value: T } | { ok: false; error: { kind: string; message: string } };

/** The IPC channel of an action; one prefix so main can refuse anything else. */
export const channelOf = (action: Action): string => `keycast:${action}`;
export const PROGRESS_CHANNEL = 'keycast:progress';

export const ProgressSchema = z
  .object({
    jobId,
    stage: z.string(),
    /** 0..1 where the work can say; null while it cannot. */
    fraction: z.number().min(0).max(1).nullable(),
  })
  .strict();
export type Progress = z.infer<typeof ProgressSchema>;

/** The API the preload puts on `window.keycast`: one named function per action. */
export type KeycastApi = {
  [A in Action]: (request: RequestOf<A>) => Promise<Envelope<ResponseOf<A>>>;
} & {
  onProgress(listener: (progress: Progress) => void): () => void;
  /** The file system path of a dropped file (Electron's webUtils), for import. */
  pathForFile(file: File): string;
};
