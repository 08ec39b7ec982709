import type { KeyRecord } from '../../../shared/keyRecord.ts';
import {
  STATUS_WINDOW_DAYS,
  type StatusItem,
  type StatusKind,
  type StatusReport,
} from '../../../shared/status.ts';
import { selectQuarantine } from '../store/keyTable.ts';
import { describeRelative } from '../time.ts';
import { labelOf } from '../vault/doctor.ts';
import type { Vault } from '../vault/vault.ts';
import { recordsOnly, type RotationSource, type RotationView } from './statusSources.ts';

const DAY_MS = 86_400_000;

export interface StatusOptions {
  /** The time the report is for (default: now). */
  now?: Date;
  /** Where rotations are read from (default: the key records alone). */
  rotations?: RotationSource;
  /** How many days ahead an expiry is reported (default 30). */
  windowDays?: number;
}

/**
 * Everything about a vault that needs a person before it bites: expiries within the window
 * (keys, uploads), retiring keys, rotations waiting for a confirmation, missing keychain items and
 * quarantined records. Reads the keychain only to know whether each item is there.
 */
export async function collectStatus(
  vault: Vault,
  options: StatusOptions = {},
): Promise<StatusReport> {
  const now = options.now ?? new Date();
  const windowDays = options.windowDays ?? STATUS_WINDOW_DAYS;
  const records = vault.list();
  const rotations = (options.rotations ?? recordsOnly)(vault);
  const items = [
    ...datedItems(records, rotations, now, windowDays),
    ...waitingItems(records, rotations),
    ...(await keychainItems(vault, records)),
    ...quarantineItems(vault),
    ...activityItems(vault),
  ];
  return {
    generatedAt: now.toISOString(),
    windowDays,
    due: items.length > 0,
    items: sortItems(items, now),
  };
}

/**
 * The items that have a date: keys and uploads expiring within the window (or expired already),
 * and retiring keys. Pure: the reminders are planned from these.
 */
export function datedItems(
  records: readonly KeyRecord[],
  rotations: RotationView,
  now: Date,
  windowDays = STATUS_WINDOW_DAYS,
): StatusItem[] {
  const horizon = now.getTime() + windowDays * DAY_MS;
  const within = (at: string | null): at is string =>
    at !== null && Number.isFinite(Date.parse(at)) && Date.parse(at) <= horizon;
  const past = (at: string): boolean => Date.parse(at) <= now.getTime();
  // The exact time is the item's `at`; the sentence says how far off it is.
  const when = (at: string): string => relative(at, now);
  const items: StatusItem[] = [];
  const retiring = new Map(rotations.retiring.map((r) => [r.keyId, r]));

  for (const record of records) {
    const key = { id: record.id, name: record.name };
    // A retiring key signs nothing, so its own expiry no longer matters; its overlap does.
    const signs = record.status === 'active' && !retiring.has(record.id);
    if (signs && within(record.expiresAt)) {
      const at = record.expiresAt;
      items.push(
        past(at)
          ? item(
              'key-expired',
              `key:${record.id}`,
              key,
              at,
              `Key "${record.name}" expired ${when(at)} and signs nothing: replace it (keycast keys rotate ${ref(record)}) and delete it once nothing refers to it.`,
            )
          : item(
              'key-expiring',
              `key:${record.id}`,
              key,
              at,
              `Key "${record.name}" expires ${when(at)}: rotate it before then (keycast keys rotate ${ref(record)}), or it stops signing.`,
            ),
      );
    }
    if (record.status === 'retired') continue;
    for (const upload of record.uploads ?? []) {
      if (!within(upload.expiresAt)) continue;
      // An upload that outlives the key's own expiry is covered by the key's item: rotating it
      // replaces the upload too.
      if (
        signs &&
        within(record.expiresAt) &&
        Date.parse(upload.expiresAt) >= Date.parse(record.expiresAt)
      )
        continue;
      const at = upload.expiresAt;
      const where = `${upload.provider} (${upload.remoteId})`;
      items.push(
        past(at)
          ? item(
              'upload-expired',
              `upload:${record.id}:${upload.provider}:${upload.remoteId}`,
              key,
              at,
              `The public key of "${record.name}" at ${where} expired there ${when(at)}, so ${upload.provider} refuses its tokens: upload it again with a later expiry, or rotate the key (keycast keys rotate ${ref(record)}).`,
            )
          : item(
              'upload-expiring',
              `upload:${record.id}:${upload.provider}:${upload.remoteId}`,
              key,
              at,
              `The public key of "${record.name}" at ${where} expires there ${when(at)}: upload it again with a later expiry, or rotate the key (keycast keys rotate ${ref(record)}), before ${upload.provider} refuses its tokens.`,
            ),
      );
    }
  }

  const byId = new Map(records.map((r) => [r.id, r]));
  for (const r of rotations.retiring) {
    const record = byId.get(r.keyId);
    if (!record || record.status === 'retired') continue;
    const key = { id: record.id, name: record.name };
    const id = `retiring:${record.id}`;
    if (r.overlapEndsAt === null) {
      items.push(
        item(
          'retiring',
          id,
          key,
          null,
          `Key "${record.name}" is retiring with no recorded end of its overlap: run keycast keys rotate --resume to carry the rotation on.`,
        ),
      );
    } else if (within(r.overlapEndsAt)) {
      const at = r.overlapEndsAt;
      items.push(
        past(at)
          ? item(
              'retiring',
              id,
              key,
              at,
              `Key "${record.name}" was due to retire ${when(at)}: run keycast maintain to unpublish and retire it.`,
            )
          : item(
              'retiring',
              id,
              key,
              at,
              `Key "${record.name}" is retiring and its overlap ends ${when(at)}: keycast maintain retires it then (run it from cron or keep the app open).`,
            ),
      );
    }
  }
  return items;
}

function waitingItems(records: readonly KeyRecord[], rotations: RotationView): StatusItem[] {
  const byId = new Map(records.map((r) => [r.id, r]));
  return rotations.waiting.map((w) => {
    const record = byId.get(w.keyId);
    const name = record?.name ?? w.keyId;
    return item(
      'rotation-waiting',
      `rotation:${w.keyId}`,
      record ? { id: record.id, name } : null,
      w.since,
      `The rotation of "${name}" waits for you: ${w.what}.`,
    );
  });
}

async function keychainItems(vault: Vault, records: readonly KeyRecord[]): Promise<StatusItem[]> {
  const problem = await vault.keychainProblem();
  if (problem !== null) return [item('keychain-unavailable', 'keychain', null, null, problem)];
  // A retired key signs and verifies nothing: its missing item is doctor's business, not a reminder.
  const live = records.filter((r) => r.status !== 'retired');
  const missing = await vault.missingSecrets(live);
  return live
    .filter((r) => missing.has(r.id))
    .map((r) =>
      item(
        'secret-missing',
        `secret:${r.id}`,
        { id: r.id, name: r.name },
        null,
        `The private key of "${r.name}" is missing from the system keychain: unlock the keychain, restore a backup (keycast restore), or import the key again and delete this record.`,
      ),
    );
}

function quarantineItems(vault: Vault): StatusItem[] {
  const db = vault.database;
  return db
    .read(() => selectQuarantine(db.db))
    .map((q) => {
      const label = labelOf(q.body);
      return item(
        'quarantined',
        `quarantine:${q.id}`,
        null,
        q.quarantinedAt,
        `Record #${q.id} (${q.kind}${label ? ` ${label}` : ''}) from ${q.source} could not be read and is kept aside (${q.reason}): import the key again with keycast keys import to use it, then keycast doctor --forget-quarantined ${q.id} clears it.`,
      );
    });
}

/** A changed or removed activity record: the log no longer proves what was issued. */
function activityItems(vault: Vault): StatusItem[] {
  const { problem } = vault.activity.verify();
  if (!problem) return [];
  return [
    item(
      'activity-broken',
      `activity:${problem.id}`,
      null,
      null,
      `The activity log was changed outside Keycast: ${problem.message} Find out who could write the data folder; keycast activity verify shows it again.`,
    ),
  ];
}

function item(
  kind: StatusKind,
  id: string,
  key: StatusItem['key'],
  at: string | null,
  message: string,
): StatusItem {
  return { id, kind, key, at, message };
}

/** What needs doing now (past or undated) first, then what comes, soonest first. */
function sortItems(items: StatusItem[], now: Date): StatusItem[] {
  const rank = (i: StatusItem): number => {
    if (i.at === null) return Number.NEGATIVE_INFINITY;
    const at = Date.parse(i.at);
    return at <= now.getTime() ? Number.NEGATIVE_INFINITY : at;
  };
  return items
    .map((i, index) => ({ i, index }))
    .sort((a, b) => rank(a.i) - rank(b.i) || a.index - b.index)
    .map(({ i }) => i);
}

/** "in 29d 23h" / "2h 5m ago". */
function relative(at: string, now: Date): string {
  return describeRelative(Math.floor(Date.parse(at) / 1000), Math.floor(now.getTime() / 1000));
}

/** How a command line names the key: its name when that needs no quoting, else its id. */
function ref(record: KeyRecord): string {
  return /^[A-Za-z0-9._-]+$/.test(record.name) ? record.name : record.id;
}
