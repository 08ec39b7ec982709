import { Command } from 'commander';
import { writeSecretFile } from '../core/backup/file.ts';
import { InputError } from '../core/errors.ts';
import { readRegularFile } from '../core/input.ts';
import { importLinks, parseColumnMap, readAttendees, withLinks } from '../core/links/csvImport.ts';
import { publicUrlOf, savePublicUrl } from '../core/links/publicUrl.ts';
import { LinkService, type NewLink } from '../core/links/service.ts';
import { statusOf } from '../core/links/status.ts';
import { openLinkStore } from '../core/links/openLinkStore.ts';
import type { ClickRecord, RedirectLink } from '../core/links/types.ts';
import { parseDuration, parseExpiry } from '../core/time.ts';
import type { Vault } from '../core/vault/vault.ts';
import { openVault } from './context.ts';
import { atExit } from './exitTasks.ts';
import { confirmOnTerminal, note, printJson, printLines, table } from './io.ts';
import { addProviderFlags, paramsFrom } from './providerCommands.ts';

/** A spreadsheet of attendees: generous for a CSV, bounded all the same. */
const MAX_CSV_BYTES = 16 * 1024 * 1024;

/** The options a link has beside the provider's parameters. */
const LINK_OPTIONS = [
  'uses',
  'validFrom',
  'validUntil',
  'tokenTtl',
  'confirm',
  'label',
  'note',
  'publicUrl',
  'map',
  'out',
  'provider',
  'kind',
  'labelColumn',
];

interface LinkFlags {
  key?: string;
  uses?: string;
  validFrom?: string;
  validUntil?: string;
  tokenTtl?: string;
  confirm?: boolean;
  label?: string;
  note?: string;
  publicUrl?: string;
  json?: boolean;
}

/**
 * The link service of this invocation: the vault's keys, and links in its database or, with
 * `--db postgres://…` (or KEYCAST_DB), in the PostgreSQL database several servers share.
 */
export async function openLinks(
  command: Command,
  publicUrl?: string,
): Promise<{ vault: Vault; links: LinkService }> {
  const vault = openVault(command);
  const { db } = command.optsWithGlobals<{ db?: string }>();
  const store = await openLinkStore(vault, db);
  atExit(() => store.close());
  return {
    vault,
    links: new LinkService(vault, store, { publicUrl: publicUrlOf(vault, publicUrl) }),
  };
}

function addLinkFlags(command: Command): Command {
  return command
    .option('--uses <N>', 'the most times the link may be followed (default: no limit)')
    .option(
      '--valid-from <WHEN>',
      'first moment the link works: a date, date-time or duration from now',
    )
    .option(
      '--valid-until <WHEN>',
      'last moment the link works: a date (end of day), date-time or duration',
    )
    .option(
      '--token-ttl <DURATION>',
      "each click's token lifetime (default 5m, or the kind's if shorter)",
    )
    .option(
      '--confirm',
      'show a "Join" page first; only its button mints and counts (mail scanners)',
    )
    .option('--note <TEXT>', 'a note for you')
    .option(
      '--public-url <URL>',
      'the address links start with (default: the saved one, else http://127.0.0.1:8080)',
    )
    .option('--json', 'machine-readable output');
}

function linkOptionsOf(flags: LinkFlags): Omit<NewLink, 'provider' | 'kind' | 'key' | 'params'> {
  const uses = flags.uses;
  if (uses !== undefined && !/^\d{1,7}$/.test(uses)) {
    throw new InputError(`--uses takes a whole number of clicks, like 3; got "${uses}".`);
  }
  return {
    maxUses: uses === undefined ? null : Number(uses),
    validFrom: flags.validFrom ? parseExpiry(flags.validFrom) : null,
    validUntil: flags.validUntil ? parseExpiry(flags.validUntil) : null,
    tokenTtlSeconds: flags.tokenTtl ? parseDuration(flags.tokenTtl) : undefined,
    confirm: flags.confirm ?? false,
    label: flags.label,
    note: flags.note,
  };
}

/** A link for scripts: everything but its hash (which is of no use outside the database). */
function linkJson(link: RedirectLink): Record<string, unknown> {
  const rest = Object.fromEntries(Object.entries(link).filter(([member]) => member !== 'hash'));
  return { ...rest, status: statusOf(link) };
}

function describe(link: RedirectLink): string[] {
  return [
    `${link.label} (${link.id})`,
    `  ${link.provider} ${link.kind}, key ${link.keyId}, tokens live ${link.tokenTtlSeconds} s`,
    `  status   ${statusOf(link)}`,
    `  uses     ${link.uses}${link.maxUses === null ? '' : ` of ${link.maxUses}`}`,
    `  window   ${link.validFrom ?? 'now'} → ${link.validUntil ?? 'no end'}`,
    ...(link.confirm ? ['  confirm  a "Join" page comes first'] : []),
    ...(link.note ? [`  note     ${link.note}`] : []),
    `  last click ${link.lastClickAt ?? 'never'}`,
  ];
}

export function redirectsCommand(): Command {
  const redirects = new Command('redirects').option(
    '--db <URL>',
    'keep links in this PostgreSQL database (postgres://…; default: $KEYCAST_DB, else the local one)',
  );

  addLinkFlags(
    addProviderFlags(
      redirects
        .command('create <provider> <kind>')
        .description(
          'a link that mints a fresh token on every click and redirects (prints the link)',
        )
        .requiredOption('--key <key>', 'vault key to sign with (id, kid or name)')
        .option('--label <L>', 'a name for the link (default: the attendee)'),
    ),
  ).action(
    async (
      provider: string,
      kind: string,
      flags: LinkFlags & Record<string, unknown>,
      command: Command,
    ) => {
      const { links } = await openLinks(command, flags.publicUrl);
      const issued = await links.create({
        provider,
        kind,
        key: flags.key!,
        params: paramsFrom(flags, LINK_OPTIONS),
        ...linkOptionsOf(flags),
      });
      if (flags.json) return printJson({ ...linkJson(issued.link), url: issued.url });
      process.stdout.write(`${issued.url}\n`);
      note(
        `Created redirect link "${issued.link.label}" (${issued.link.id}). Keep the link: Keycast stores only a hash of it (a lost link is reissued).`,
      );
    },
  );

  redirects
    .command('list')
    .description('the redirect links, with uses and status')
    .option('--json', 'machine-readable output')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const list = await (await openLinks(command)).links.store.list();
      if (flags.json) return printJson(list.map(linkJson));
      if (list.length === 0)
        return printLines([
          'No redirect links yet: keycast redirects create PROVIDER KIND --key K …',
        ]);
      printLines(
        table(
          ['ID', 'LABEL', 'PROVIDER', 'USES', 'STATUS', 'LAST CLICK'],
          list.map((l) => [
            l.id,
            l.label,
            `${l.provider} ${l.kind}`,
            `${l.uses}${l.maxUses === null ? '' : `/${l.maxUses}`}`,
            statusOf(l),
            l.lastClickAt?.slice(0, 19) ?? '-',
          ]),
        ),
      );
    });

  redirects
    .command('show <link>')
    .description('one link (by id or label)')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, flags: { json?: boolean }, command: Command) => {
      const link = await (await openLinks(command)).links.find(ref);
      if (flags.json) return printJson(linkJson(link));
      printLines(describe(link));
    });

  redirects
    .command('revoke <link>')
    .description('stop a link at once (its clicks are kept)')
    .action(async (ref: string, _flags: unknown, command: Command) => {
      const { links } = await openLinks(command);
      const link = await links.find(ref);
      if (!(await links.store.revoke(link.id, new Date())))
        throw new InputError(`The link "${link.label}" was revoked already.`);
      note(`Revoked "${link.label}" (${link.id}).`);
    });

  redirects
    .command('reissue <link>')
    .description('a new URL for a lost link; the old one stops working')
    .option('--public-url <URL>', 'the address links start with')
    .option('--json', 'machine-readable output')
    .action(
      async (ref: string, flags: { publicUrl?: string; json?: boolean }, command: Command) => {
        const issued = await (await openLinks(command, flags.publicUrl)).links.reissue(ref);
        if (flags.json) return printJson({ ...linkJson(issued.link), url: issued.url });
        process.stdout.write(`${issued.url}\n`);
        note(`Reissued "${issued.link.label}": the old link no longer works.`);
      },
    );

  redirects
    .command('delete <link>')
    .description('delete a link and forget its clicks’ link')
    .option('--yes', 'do not ask for confirmation')
    .action(async (ref: string, flags: { yes?: boolean }, command: Command) => {
      const { links } = await openLinks(command);
      const link = await links.find(ref);
      if (
        !flags.yes &&
        !(await confirmOnTerminal(
          `Delete the link "${link.label}"? Type its label to confirm: `,
          link.label,
        ))
      ) {
        throw new InputError(
          `The link "${link.label}" was not deleted: confirm on a terminal, or pass --yes.`,
        );
      }
      await links.store.remove(link.id);
      note(`Deleted "${link.label}" (${link.id}).`);
    });

  addLinkFlags(
    addProviderFlags(
      redirects
        .command('import <csv>')
        .description(
          'one link per attendee row; all rows or none; writes the CSV back with a link column',
        )
        .requiredOption('--provider <P>', 'provider')
        .requiredOption('--kind <K>', 'token kind')
        .requiredOption('--key <key>', 'vault key to sign with')
        .requiredOption(
          '--map <param=Column,…>',
          'which CSV column fills which parameter, e.g. displayName=Name,email=Email',
        )
        .requiredOption(
          '--out <FILE>',
          'the new CSV with a link column (mode 0600: the links are secrets)',
        )
        .option(
          '--label-column <COLUMN>',
          'the column that labels each link (default: the first mapped one)',
        ),
    ),
  ).action(async (file: string, flags: LinkFlags & Record<string, unknown>, command: Command) => {
    const sheet = readAttendees(readRegularFile(file, 'attendee CSV', MAX_CSV_BYTES));
    const { links } = await openLinks(command, flags.publicUrl);
    const created = await importLinks(links, sheet, {
      provider: flags.provider as string,
      kind: flags.kind as string,
      key: flags.key!,
      map: parseColumnMap(flags.map as string),
      params: paramsFrom(flags, LINK_OPTIONS),
      labelColumn: flags.labelColumn as string | undefined,
      ...linkOptionsOf(flags),
    });
    try {
      writeSecretFile(
        flags.out as string,
        withLinks(sheet, new Map(created.map((c) => [c.line, c.issued.url]))),
        'links CSV',
      );
    } catch (error) {
      // Links nobody can send are no use: they are removed again.
      for (const { issued } of created) await links.store.remove(issued.link.id);
      throw error;
    }
    if (flags.json)
      return printJson(created.map((c) => ({ line: c.line, ...linkJson(c.issued.link) })));
    note(
      `Created ${created.length} redirect link(s); ${flags.out as string} has them in its "link" column (mode 0600).`,
    );
  });

  redirects
    .command('clicks [link]')
    .description('recent clicks (all links, or one): time, outcome, key, token id; never a token')
    .option('--limit <N>', 'how many (default 100)', '100')
    .option('--json', 'machine-readable output')
    .action(
      async (
        ref: string | undefined,
        flags: { limit: string; json?: boolean },
        command: Command,
      ) => {
        const { links } = await openLinks(command);
        const linkId = ref ? (await links.find(ref)).id : undefined;
        if (!/^\d{1,6}$/.test(flags.limit))
          throw new InputError(`--limit takes a number, like 100; got "${flags.limit}".`);
        const clicks = await links.store.clicks({ linkId, limit: Number(flags.limit) });
        if (flags.json) return printJson(clicks);
        if (clicks.length === 0) return printLines(['No clicks yet.']);
        printLines(
          table(['TIME', 'OUTCOME', 'LINK', 'KID', 'JTI', 'CLIENT', 'AGENT'], clicks.map(clickRow)),
        );
      },
    );

  redirects
    .command('decisions')
    .description(
      "keycast serve's verify-hook decisions (nginx-rtmp, SRS, MediaMTX): time, hook, stream, reason, caller, key, token id; never a token",
    )
    .option('--limit <N>', 'how many (default 100)', '100')
    .option('--json', 'machine-readable output')
    .action(async (flags: { limit: string; json?: boolean }, command: Command) => {
      if (!/^\d{1,6}$/.test(flags.limit))
        throw new InputError(`--limit takes a number, like 100; got "${flags.limit}".`);
      const { links } = await openLinks(command);
      const decisions = await links.store.decisions({ limit: Number(flags.limit) });
      if (flags.json) return printJson(decisions);
      if (decisions.length === 0) return printLines(['No verify-hook decisions yet.']);
      printLines(
        table(
          ['TIME', 'HOOK', 'ACTION', 'STREAM', 'REASON', 'CALLER', 'CLIENT', 'KID', 'JTI'],
          decisions.map((d) => [
            d.at.slice(0, 19),
            d.hook,
            d.action ?? '-',
            d.stream === null ? '-' : d.app ? `${d.app}/${d.stream}` : d.stream,
            d.reason,
            d.caller ?? '-',
            d.client ?? '-',
            d.kid ?? '-',
            d.jti ?? '-',
          ]),
        ),
      );
    });

  redirects
    .command('public-url [url]')
    .description('show, or save, the address links start with (e.g. https://go.example.com)')
    .action((url: string | undefined, _flags: unknown, command: Command) => {
      const vault = openVault(command);
      if (url === undefined) return printLines([publicUrlOf(vault)]);
      note(`Links now start with ${savePublicUrl(vault, url)}/l/…`);
    });

  return redirects;
}

function clickRow(c: ClickRecord): string[] {
  return [
    c.at.slice(0, 19),
    c.outcome,
    c.linkId ?? '-',
    c.kid ?? '-',
    c.jti ?? '-',
    c.client ?? '-',
    c.agent ?? '-',
  ];
}
