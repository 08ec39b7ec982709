import type { StatusItem, StatusKind } from '../../../shared/status.ts';
import { describeRelative } from '../time.ts';
import type { Vault } from '../vault/vault.ts';
import { datedItems } from './status.ts';
import { rotationSource as defaultSource, type RotationSource } from './statusSources.ts';

/** Days before an expiry when the app notifies: each once. */
export const REMINDER_DAYS = [14, 7, 1] as const;

/** The kinds that expire by themselves; a retiring key retires through `keycast maintain`. */
export const REMINDED_KINDS: readonly StatusKind[] = ['key-expiring', 'upload-expiring'];

/** The vault setting that remembers which reminders were sent, so a restart sends none twice. */
export const REMINDER_SETTING = 'lifecycle.reminders';

const DAY_MS = 86_400_000;

/** Per thing (a status item's id): the expiry the reminders were for, and the days already sent. */
export type ReminderLedger = Record<string, { at: string; sent: number[] }>;

export interface Reminder {
  /** The status item's id. */
  id: string;
  /** Which of REMINDER_DAYS this is. */
  days: number;
  title: string;
  body: string;
  item: StatusItem;
}

/**
 * Which reminders are due at `now`, and the ledger after sending them. Pure.
 *
 * A thing is reminded at the moment it is 14, 7 and 1 days (or less) from its expiry. Only the
 * nearest of those is sent when several passed unseen (the app was closed for a week): one
 * notification, never three at once. A thing whose expiry changed starts over; things no longer
 * coming (expired, extended beyond the window, deleted) are dropped from the ledger.
 */
export function planReminders(
  items: readonly StatusItem[],
  ledger: ReminderLedger,
  now: Date,
): { due: Reminder[]; ledger: ReminderLedger } {
  const next: ReminderLedger = {};
  const due: Reminder[] = [];
  for (const item of items) {
    if (!REMINDED_KINDS.includes(item.kind) || item.at === null) continue;
    const remaining = Date.parse(item.at) - now.getTime();
    if (!(remaining > 0)) continue;
    const known = ledger[item.id];
    const sent = known && known.at === item.at ? known.sent : [];
    next[item.id] = { at: item.at, sent };
    const days = [...REMINDER_DAYS].reverse().find((d) => remaining <= d * DAY_MS);
    if (days === undefined || sent.includes(days)) continue;
    // The farther reminders are past: sending them later would only repeat this one.
    next[item.id] = {
      at: item.at,
      sent: [...new Set([...sent, ...REMINDER_DAYS.filter((d) => d >= days)])].sort(
        (a, b) => b - a,
      ),
    };
    due.push({ id: item.id, days, item, ...wording(item, now) });
  }
  return { due, ledger: next };
}

/**
 * The reminders due now for this vault, marked as sent in the same transaction: a reminder is
 * handed out once, even when two app windows or a restart ask at the same moment.
 */
export function takeDueReminders(
  vault: Vault,
  now: Date,
  rotations: RotationSource = defaultSource,
): Reminder[] {
  const items = datedItems(vault.list(), rotations(vault), now);
  return vault.database.transaction(() => {
    const { due, ledger } = planReminders(items, readLedger(vault), now);
    vault.settings.set(REMINDER_SETTING, ledger);
    return due;
  });
}

/** The saved ledger; anything that does not read as one counts as nothing sent. */
export function readLedger(vault: Vault): ReminderLedger {
  const value = vault.settings.get(REMINDER_SETTING);
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  const ledger: ReminderLedger = {};
  for (const [id, entry] of Object.entries(value as Record<string, unknown>)) {
    const { at, sent } = (entry ?? {}) as { at?: unknown; sent?: unknown };
    if (typeof at !== 'string' || !Array.isArray(sent)) continue;
    ledger[id] = { at, sent: sent.filter((d): d is number => typeof d === 'number') };
  }
  return ledger;
}

function wording(item: StatusItem, now: Date): { title: string; body: string } {
  const when = describeRelative(
    Math.floor(Date.parse(item.at!) / 1000),
    Math.floor(now.getTime() / 1000),
  );
  const name = item.key?.name ?? 'a key';
  const title =
    item.kind === 'key-expiring'
      ? `Key "${name}" expires ${when}`
      : `The uploaded key "${name}" expires ${when}`;
  return { title, body: item.message };
}
