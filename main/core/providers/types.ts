import { z } from 'zod';
import type { Algorithm } from '../../../shared/algorithms.ts';
import type { GuideStep } from '../../../shared/ipc.ts';
import type { KeyRecord } from '../../../shared/keyRecord.ts';
import { InputError } from '../errors.ts';

/** Flag values as the CLI (or the UI) hands them over: names are the camelCase of the flags. */
export type RawParams = Record<string, string | string[] | boolean | undefined>;

/** Named links a token goes into: a URL, or a small object (OBS server + key, WebRTC url + message). */
export type Links = Record<string, string | Record<string, string>>;

export interface KeyRequirement {
  algs: readonly Algorithm[];
  minRsaBits?: number;
  /** One sentence for the refusal message, e.g. "an RS256 RSA key of 2048 bits or more". */
  describe: string;
}

export interface TtlPolicy {
  default: number;
  max: number;
  /** Above this a warning is printed (anyone holding the link is that user). */
  warnAbove?: number;
}

/** What a kind makes of its parameters before anything is signed. */
export interface PreparedToken {
  claims: Record<string, unknown>;
  links: (token: string) => Links;
  warnings?: string[];
}

/** A token signed locally with a vault key. */
export interface LocalKind {
  mode: 'local';
  description: string;
  /** The parameters `prepare` reads: the CLI's flags and the app's form are both made from it. */
  params: z.ZodType;
  ttl: TtlPolicy;
  /** Whether the provider's documented claim set has `iat` / a random `jti`. */
  iat: boolean;
  jti: boolean;
  /**
   * The link a browser opens (a key of what `prepare` links to), for redirect links that mint a
   * fresh token on every click. Kinds without one (OBS publish, REST) cannot be redirect links.
   */
  redirect?: string;
  /** Overrides the provider's key requirement for this kind (Ant Media REST vs stream secrets). */
  key?: KeyRequirement;
  prepare(params: RawParams, key: KeyRecord): PreparedToken;
}

export interface RemoteContext {
  credential(name: string): Promise<string>;
  /** Overrides the provider's API base URL (tests, self-hosted platforms). */
  apiBase?: string;
  timeoutMs?: number;
}

export interface RemoteToken {
  token: string;
  links?: Links;
}

/** A token the provider's API issues (Native Frame's video and service tokens). */
export interface RemoteKind {
  mode: 'remote';
  description: string;
  params: z.ZodType;
  fetch(
    params: RawParams,
    ttlSeconds: number | undefined,
    context: RemoteContext,
  ): Promise<RemoteToken>;
}

export type TokenKind = LocalKind | RemoteKind;

export interface Provider {
  id: string;
  name: string;
  key: KeyRequirement;
  kinds: Record<string, TokenKind>;
  /** Added to the refusal of an unknown kind, e.g. how to create one. */
  kindHint?: string;
  /** What to paste where on the platform's side, for this key (copy-paste guides in the app). */
  guide?(key: KeyRecord): GuideStep[];
  /** Links for a token minted earlier (`keycast links`), from its claims plus flags. */
  linksFor?(token: string, claims: Record<string, unknown>, params: RawParams): LinkSet;
}

/** Links rebuilt for a token, with what the person should know about them (links left out). */
export interface LinkSet {
  links: Links;
  warnings: string[];
}

const kebab = (name: string): string => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Parses parameters with a zod schema; the first problem becomes one sentence naming the flag. */
export function parseParams<T>(schema: z.ZodType<T>, params: RawParams, context: string): T {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length > 0 ? kebab(String(issue.path[0])) : 'the input';
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  throw new InputError(
    missing
      ? `${context} needs ${field}.`
      : `${context}: ${field} ${issue.message.replace(/^Invalid input: /, '')}.`,
  );
}

/** Validates the claims a kind built against its claim schema: a bad value never reaches a token. */
export function checkClaims<T extends Record<string, unknown>>(
  schema: z.ZodType<T>,
  claims: Record<string, unknown>,
  context: string,
): T {
  const result = schema.safeParse(claims);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new InputError(
    `${context}: the claim "${issue.path.join('.')}" ${issue.message.replace(/^Invalid input: /, '')}.`,
  );
}

/**
 * A claim name a person chooses (e.g. --scope-claim): letters, digits, "_", "." and "-", and never
 * a name every JavaScript object already answers to (__proto__, constructor, prototype, toString…).
 * Written as a claim, __proto__ would replace the claims' prototype and the value would vanish
 * from the token; the others are shadowed or inherited. Refusing them is simpler than hoping.
 */
export const claimName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/,
    'must be a claim name: a letter or "_", then letters, digits, "_", "." or "-", at most 64',
  )
  .superRefine((name, ctx) => {
    if (name in Object.prototype || name === 'prototype')
      ctx.addIssue({
        code: 'custom',
        message: `cannot be "${name}", a name every JavaScript object already has: choose a plain claim name such as "scopes"`,
      });
  });

/** Reusable parameter shapes. */
export const text = (max = 1000): z.ZodString =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
/** A port flag as typed (a string), with the server's usual port as its default. */
export const port = (protocol: string, fallback: number): z.ZodDefault<z.ZodString> =>
  z
    .string()
    .regex(/^[1-9]\d{0,4}$/, 'must be a port number from 1 to 65535')
    .refine((p) => Number(p) <= 65535, 'must be a port number from 1 to 65535')
    .describe(`${protocol} port of the server (default ${fallback})`)
    .default(String(fallback));
/** A repeatable flag: absent, one value or many, always read as a list. */
export const list = z.preprocess(
  (v: unknown): unknown => (v === undefined ? [] : Array.isArray(v) ? (v as unknown[]) : [v]),
  z.array(z.string()),
);

/**
 * The members of a key read back from a platform that differ from what was sent (SECURITY.md
 * §29). `always` are compared as they are; `whenPresent` only when the answer holds them, because
 * the platforms' documented answers leave some out, and an absent (or null) member is no evidence
 * of a different key.
 */
export function differingMembers(
  sent: Record<string, unknown>,
  stored: Record<string, unknown>,
  always: readonly string[],
  whenPresent: readonly string[],
): string[] {
  return [
    ...always.filter((m) => stored[m] !== sent[m]),
    ...whenPresent.filter(
      (m) => stored[m] !== undefined && stored[m] !== null && stored[m] !== sent[m],
    ),
  ];
}
