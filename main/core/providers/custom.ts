import { z } from 'zod';
import { isHttpsUrl } from '../../../shared/text.ts';
import { ALGORITHMS } from '../../../shared/algorithms.ts';
import { InputError } from '../errors.ts';
import type { Vault } from '../vault/vault.ts';
import {
  list,
  parseParams,
  type Links,
  type LocalKind,
  type Provider,
  type RawParams,
} from './types.ts';

/**
 * A provider for anything else: saved templates with an algorithm, claims holding {placeholders}
 * filled from --set name=value, a TTL default and maximum, and an optional link template.
 */
const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;
const RESERVED_CLAIMS = ['iat', 'exp', 'jti'];
/** Ten years: a lifetime a date can hold with room to spare, and longer than any stream token needs. */
export const MAX_TEMPLATE_TTL_SECONDS = 10 * 365 * 86400;
const ttlSeconds = z
  .number()
  .int()
  .positive()
  .max(MAX_TEMPLATE_TTL_SECONDS, `must be at most ${MAX_TEMPLATE_TTL_SECONDS} seconds (10 years)`);

export const TemplateSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be lower-case letters, digits, "_" or "-"'),
    description: z.string().max(200).optional(),
    alg: z.enum(ALGORITHMS),
    claims: z.record(z.string(), z.unknown()),
    ttl: z.object({ default: ttlSeconds, max: ttlSeconds }).strict(),
    link: z.string().optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.ttl.default > t.ttl.max)
      ctx.addIssue({ code: 'custom', path: ['ttl'], message: 'default must not exceed max' });
    for (const claim of RESERVED_CLAIMS) {
      if (claim in t.claims)
        ctx.addIssue({
          code: 'custom',
          path: ['claims', claim],
          message: 'is set by Keycast itself',
        });
    }
    if (placeholdersIn(t.claims).has('token')) {
      ctx.addIssue({
        code: 'custom',
        path: ['claims'],
        message: '{token} can only appear in the link',
      });
    }
    if (t.link !== undefined) {
      if (!t.link.includes('{token}'))
        ctx.addIssue({ code: 'custom', path: ['link'], message: 'must contain {token}' });
      const sample = t.link.replace(PLACEHOLDER, 'x');
      if (!isHttpsUrl(sample))
        ctx.addIssue({
          code: 'custom',
          path: ['link'],
          message: 'must be an https:// URL template',
        });
    }
  });
export type Template = z.infer<typeof TemplateSchema>;

function placeholdersIn(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === 'string')
    for (const match of value.matchAll(PLACEHOLDER)) found.add(match[1]!);
  else if (Array.isArray(value)) value.forEach((v) => placeholdersIn(v, found));
  else if (value && typeof value === 'object')
    Object.values(value).forEach((v) => placeholdersIn(v, found));
  return found;
}

function fill(value: unknown, values: Record<string, string>): unknown {
  if (typeof value === 'string')
    // Own properties only: "{constructor}" must never be filled from Object.prototype.
    return value.replace(PLACEHOLDER, (_, name: string) =>
      Object.hasOwn(values, name) ? values[name]! : '',
    );
  if (Array.isArray(value)) return value.map((v) => fill(v, values));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, values)]));
  }
  return value;
}

/** Checks a template as it is saved; the message names the field. */
export function validateTemplate(input: unknown): Template {
  const result = TemplateSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new InputError(
    `The template is not valid: ${issue.path.join('.') || 'it'} ${issue.message}.`,
  );
}

const setParams = z.object({ set: list });

function setValues(raw: RawParams): Record<string, string> {
  const { set } = parseParams(setParams, raw, 'A custom token');
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const entry of set) {
    const at = entry.indexOf('=');
    if (at < 1) throw new InputError(`--set takes name=value; got "${entry}".`);
    values[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return values;
}

function kindFor(template: Template): LocalKind {
  const needed = placeholdersIn(template.claims);
  const linkNeeds = template.link ? placeholdersIn(template.link) : new Set<string>();
  linkNeeds.delete('token');
  return {
    mode: 'local',
    description: template.description ?? `custom template "${template.name}"`,
    params: setParams.extend({
      set: list.meta({
        description: `name=value for each placeholder: ${[...needed, ...linkNeeds].join(', ') || 'none'}`,
      }),
    }),
    ttl: template.ttl,
    key: { algs: [template.alg], describe: `a ${template.alg} key (the template's algorithm)` },
    iat: true,
    jti: true,
    ...(template.link ? { redirect: 'link' } : {}),
    prepare(raw) {
      const values = setValues(raw);
      const all = new Set([...needed, ...linkNeeds]);
      const missing = [...all].filter((name) => !Object.hasOwn(values, name));
      if (missing.length)
        throw new InputError(
          `Template "${template.name}" needs ${missing.map((m) => `--set ${m}=…`).join(', ')}.`,
        );
      const unknown = Object.keys(values).filter((name) => !all.has(name));
      if (unknown.length)
        throw new InputError(
          `Template "${template.name}" has no placeholder ${unknown.map((u) => `{${u}}`).join(', ')}.`,
        );
      const claims = fill(template.claims, values) as Record<string, unknown>;
      const linkValues: Record<string, string> = Object.fromEntries(
        Object.entries(values).map(([k, v]) => [k, encodeURIComponent(v)]),
      );
      return {
        claims,
        links: (token): Links =>
          template.link
            ? {
                link: fill(template.link, {
                  ...linkValues,
                  token: encodeURIComponent(token),
                }) as string,
              }
            : {},
      };
    },
  };
}

/** A stored template that no longer passes validation: listed with its reason, never a reason to fail the others. */
export interface BrokenTemplate {
  name: string;
  reason: string;
}

/** The vault's templates, the valid ones ready to use and the broken ones with their reasons. */
export function storedTemplates(vault: Vault): { templates: Template[]; broken: BrokenTemplate[] } {
  const templates: Template[] = [];
  const broken: BrokenTemplate[] = [];
  for (const { name, body } of vault.templateTable.all()) {
    try {
      templates.push(validateTemplate(body));
    } catch (error) {
      broken.push({ name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { templates, broken };
}

export function savedTemplates(vault: Vault): Template[] {
  return storedTemplates(vault).templates;
}

export function saveTemplate(vault: Vault, input: unknown): Template {
  const template = validateTemplate(input);
  vault.templateTable.save(template.name, template);
  return template;
}

export function deleteTemplate(vault: Vault, name: string): void {
  if (!vault.templateTable.delete(name)) throw new InputError(`There is no template "${name}".`);
}

export function customProvider(templates: Template[]): Provider {
  return {
    id: 'custom',
    name: 'Custom',
    kindHint: 'a custom kind is a saved template: add one with "keycast templates add FILE"',
    key: { algs: ALGORITHMS, describe: 'a key' },
    kinds: Object.fromEntries(templates.map((t) => [t.name, kindFor(t)])),
  };
}
