import { z } from 'zod';
import { isHttpsUrl } from '../../../shared/text.ts';
import { InputError } from '../errors.ts';
import { toSpkiPem } from '../keys/export.ts';
import { checkKey } from './mint.ts';
import { checkClaims, list, parseParams, text, type Links, type Provider } from './types.ts';

/**
 * Frameable attendee links: an RS256 token naming the attendee, appended as `token` to the event
 * URL. Frameable has no upload API: its public key is pasted as SPKI PEM into the event settings.
 */
export const FRAMEABLE_ROLES = ['host', 'presenter', 'transcriber', 'interpreter'] as const;

const httpsUrl = (what: string): z.ZodType<string> =>
  z.string().refine(isHttpsUrl, `must be an https:// URL (${what})`);

const attendeeParams = z.object({
  displayName: text(200),
  email: z.email('must be an email address').optional(),
  avatarUrl: httpsUrl('the avatar image').optional(),
  profile: list,
  role: list,
  eventUrl: httpsUrl('the event, e.g. https://acme.frameable.com/events/launch').optional(),
});

const attendeeClaims = z
  .object({
    displayName: z.string().min(1),
    email: z.string().optional(),
    avatarUrl: z.string().optional(),
    userProfile: z.array(z.tuple([z.string().min(1), z.string()])).optional(),
    roles: z.array(z.enum(FRAMEABLE_ROLES)).optional(),
  })
  .strict();

/** The event URL with `token` added, keeping any query the host already has there. */
export function eventLink(eventUrl: string | undefined, token: string): Links {
  if (!eventUrl) return {};
  const url = new URL(eventUrl);
  url.searchParams.set('token', token);
  return { event: url.toString() };
}

function profilePairs(entries: string[]): [string, string][] {
  return entries.map((entry) => {
    const at = entry.indexOf('=');
    if (at < 1)
      throw new InputError(
        `--profile takes key=value, e.g. --profile organization=Acme; got "${entry}".`,
      );
    return [entry.slice(0, at), entry.slice(at + 1)];
  });
}

const RS256_2048 = {
  algs: ['RS256'] as const,
  minRsaBits: 2048,
  describe: 'an RS256 RSA key of 2048 bits or more',
};

export const frameable: Provider = {
  id: 'frameable',
  name: 'Frameable',
  key: RS256_2048,
  guide(key) {
    checkKey(RS256_2048, key, 'Frameable');
    return [
      {
        title: "Open the event's sign-in settings",
        detail:
          'In Frameable open the event (or the organization) settings and find the JWT / single sign-on section for attendee tokens.',
        value: null,
        copiesSecret: false,
      },
      {
        title: 'Paste the public key',
        detail: `Paste the public key of "${key.name}" (SPKI PEM, RS256). Its private part stays in this computer's keychain.`,
        value: toSpkiPem(key),
        copiesSecret: false,
      },
      {
        title: 'Send each attendee a link',
        detail:
          'In Mint choose Frameable → attendee, fill in the name and the event URL: the event link carries the token (default lifetime 5 minutes).',
        value: null,
        copiesSecret: false,
      },
    ];
  },
  kinds: {
    attendee: {
      mode: 'local',
      description: 'sign an attendee into an event',
      params: attendeeParams,
      ttl: { default: 300, max: 30 * 86400, warnAbove: 3600 },
      iat: true,
      jti: false,
      redirect: 'event',
      prepare(raw) {
        const p = parseParams(attendeeParams, raw, 'A Frameable attendee token');
        const unknownRole = p.role.find((r) => !(FRAMEABLE_ROLES as readonly string[]).includes(r));
        if (unknownRole) {
          throw new InputError(
            `Frameable has no role "${unknownRole}": choose from ${FRAMEABLE_ROLES.join(', ')}.`,
          );
        }
        const claims = checkClaims(
          attendeeClaims,
          {
            displayName: p.displayName,
            ...(p.email ? { email: p.email } : {}),
            ...(p.avatarUrl ? { avatarUrl: p.avatarUrl } : {}),
            ...(p.profile.length ? { userProfile: profilePairs(p.profile) } : {}),
            ...(p.role.length ? { roles: [...new Set(p.role)] } : {}),
          },
          'Frameable',
        );
        return { claims, links: (token) => eventLink(p.eventUrl, token) };
      },
    },
  },
  linksFor(token, _claims, raw) {
    const { eventUrl } = parseParams(
      z.object({ eventUrl: httpsUrl('the event') }),
      raw,
      'Frameable links',
    );
    return { links: eventLink(eventUrl, token), warnings: [] };
  },
};
