import { Command, Option } from 'commander';
import {
  ACTIVITY_EVENTS,
  ACTIVITY_SOURCES,
  MAX_RETENTION_DAYS,
  type ActivityRecord,
  type ActivitySource,
} from '../../shared/activity.ts';
import { InputError } from '../core/errors.ts';
import type { ActivityVerification } from '../core/lifecycle/activity.ts';
import {
  activityCsv,
  DEFAULT_LIMIT,
  keyRefs,
  parseLimit,
  parseSince,
  type ActivityFilter,
} from '../core/lifecycle/activityQuery.ts';
import { openVault } from './context.ts';
import { collect, note, printJson, printLines, table } from './io.ts';

interface ListFlags {
  since?: string;
  until?: string;
  key: string[];
  provider?: string;
  kind?: string;
  event?: string;
  source?: ActivitySource;
  subject?: string;
  limit?: string;
  json?: boolean;
  csv?: boolean;
}

export function activityCommand(): Command {
  const activity = new Command('activity').description(
    'every token minted and every key event, newest first (never a token)',
  );

  // The listing is a subcommand of its own (the default), so verify's --json is verify's.
  activity
    .command('list', { isDefault: true })
    .description('list the records, newest first; filters combine')
    .option('--since <WHEN>', 'from a date (2026-01-31), a date-time, or a duration back (7d, 12h)')
    .option('--until <WHEN>', 'before a date, a date-time, or a duration back')
    .option('--key <KEY>', 'a key by name, id or kid (deleted ones too); repeatable', collect, [])
    .option('--provider <P>', 'provider, e.g. kinescope')
    .option('--kind <K>', 'token kind, e.g. chat, publish, attendee')
    .addOption(new Option('--event <E>', 'what happened').choices(ACTIVITY_EVENTS))
    .addOption(new Option('--source <S>', 'which program').choices(ACTIVITY_SOURCES))
    .option('--subject <VALUE>', 'who a token was for (a user id, an e-mail address…)')
    .option('--limit <N>', `at most this many records (default ${DEFAULT_LIMIT})`)
    .addOption(new Option('--json', 'print the records as JSON').conflicts('csv'))
    .option('--csv', 'print the records as CSV, with a header row')
    .action(async (flags: ListFlags, command: Command) => {
      const filter = filterFrom(flags);
      const vault = openVault(command);
      const records = vault.activity.query({
        ...filter,
        keys: flags.key.flatMap((ref) => keyRefs(vault, ref)),
        subjects: flags.subject ? await vault.activity.subjectForms(flags.subject) : undefined,
      });
      if (flags.json) return printJson(records);
      if (flags.csv) return void process.stdout.write(activityCsv(records));
      if (records.length === 0) return printLines(['No activity recorded that matches.']);
      printLines(describeRecords(records));
      if (records.length === (filter.limit ?? DEFAULT_LIMIT)) {
        note(`Showing the newest ${records.length}: use --limit or --since to see more.`);
      }
    });

  activity
    .command('verify')
    .description(
      'check the hash chain: exit 0 when intact, 1 naming the first record changed or removed',
    )
    .option('--json', 'print {intact, records, head, prunedThrough, problem}')
    .action((flags: { json?: boolean }, command: Command) => {
      const report = openVault(command).activity.verify();
      if (flags.json) printJson(report);
      else printLines(describeVerification(report));
      if (!report.intact) process.exitCode = 1;
    });

  activity
    .command('prune')
    .description(
      'remove records older than the retention (or --older-than); the chain still verifies',
    )
    .option('--older-than <DAYS>', 'e.g. 90d (default: the retention setting)')
    .option('--json', 'print {pruned, through, olderThanDays}')
    .action((flags: { olderThan?: string; json?: boolean }, command: Command) => {
      const olderThanDays = flags.olderThan
        ? parseDays(flags.olderThan, '--older-than')
        : undefined;
      const result = openVault(command).activity.prune({ olderThanDays });
      if (flags.json) return printJson(result);
      printLines([
        result.through === null
          ? `Nothing is older than ${daysText(result.olderThanDays)}: no record was pruned.`
          : `Pruned ${result.pruned} record(s) older than ${daysText(result.olderThanDays)} (up to #${result.through}); the hash of #${result.through} is kept, so the rest still verifies.`,
      ]);
    });

  activity
    .command('retention [DAYS]')
    .description('show, or set, how long records are kept (default 180d)')
    .option('--json', 'print the activity settings')
    .action((days: string | undefined, flags: { json?: boolean }, command: Command) => {
      const log = openVault(command).activity;
      const settings = days ? log.setRetention(parseDays(days, 'The retention')) : log.settings();
      if (flags.json) return printJson(settings);
      printLines([
        `Activity records are kept ${daysText(settings.retentionDays)}${days ? ' from now on' : ''}; older ones are pruned (keycast activity prune, keycast serve and the app do it on their own).`,
      ]);
    });

  activity
    .command('hash-subjects <on|off>')
    .description(
      'store who tokens are for as keyed hashes (the key stays in the system keychain), or plainly',
    )
    .action(async (state: string, _flags: unknown, command: Command) => {
      if (state !== 'on' && state !== 'off')
        throw new InputError(`Say "on" or "off" after hash-subjects; got "${state}".`);
      await openVault(command).activity.setHashSubjects(state === 'on');
      printLines([
        state === 'on'
          ? 'Subjects of new records are stored as keyed hashes; --subject still finds them. Records written before stay as they are.'
          : 'Subjects of new records are stored as they are.',
      ]);
    });

  return activity;
}

function filterFrom(flags: ListFlags): ActivityFilter {
  return {
    since: flags.since ? parseSince(flags.since) : undefined,
    until: flags.until ? parseSince(flags.until) : undefined,
    provider: flags.provider,
    kind: flags.kind,
    event: flags.event,
    source: flags.source,
    limit: flags.limit ? parseLimit(flags.limit) : undefined,
  };
}

/** `90d`, or a bare number of days. */
function parseDays(text: string, what: string): number {
  const match = /^(\d{1,5})d?$/.exec(text.trim());
  const days = Number(match?.[1]);
  if (!match || days < 1 || days > MAX_RETENTION_DAYS) {
    throw new InputError(
      `${what} takes a number of days from 1 to ${MAX_RETENTION_DAYS}, such as 90d; got "${text}".`,
    );
  }
  return days;
}

function describeRecords(records: readonly ActivityRecord[]): string[] {
  return table(
    ['#', 'TIME', 'FROM', 'EVENT', 'KEY', 'PROVIDER', 'SUBJECT', 'TO', 'EXPIRES', 'DETAIL'],
    records.map((r) => [
      String(r.id),
      r.at.slice(0, 19).replace('T', ' '),
      r.source,
      r.event,
      r.kid ?? r.keyId ?? '-',
      [r.provider, r.kind].filter(Boolean).join(' ') || '-',
      r.subjects ? Object.values(r.subjects).join(', ') : '-',
      r.destination ?? '-',
      r.expiresAt ? r.expiresAt.slice(0, 19).replace('T', ' ') : '-',
      Object.entries(r.detail)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ') || '-',
    ]),
  );
}

function describeVerification(report: ActivityVerification): string[] {
  const pruned = report.prunedThrough ? `; records up to #${report.prunedThrough} were pruned` : '';
  if (!report.intact) {
    return [
      `Activity log BROKEN: ${report.problem!.message}`,
      `${report.records} record(s) verified before it${pruned}. Keep the data folder as it is for an investigation.`,
    ];
  }
  return [
    report.head
      ? `Activity log intact: ${report.records} record(s) verified${pruned}.`
      : 'Activity log intact: no records yet.',
    ...(report.head
      ? [`Newest: #${report.head.id}, hash ${report.head.hash} (note it to compare later).`]
      : []),
  ];
}

const daysText = (days: number): string => `${days} day${days === 1 ? '' : 's'}`;
