import type { RequestOf } from '../../../../shared/ipc.ts';
import { formatSpan } from '../../format.ts';

/** Each click's token lives this long unless the link says otherwise (or the kind's is shorter). */
export const DEFAULT_LINK_TTL = 300;

/** A link's options as the form holds them: text from the inputs, checked before anything is sent. */
export interface LinkOptionsState {
  /** Whole number of uses, or empty for no limit. */
  uses: string;
  /** `datetime-local` values (the person's local time), or empty. */
  validFrom: string;
  validUntil: string;
  /** Seconds, or null for the default. */
  ttl: number | null;
  /** The custom lifetime in minutes while "Custom" is chosen. */
  customMinutes: string;
  confirm: boolean;
  note: string;
}

export const EMPTY_OPTIONS: LinkOptionsState = {
  uses: '',
  validFrom: '',
  validUntil: '',
  ttl: null,
  customMinutes: '',
  confirm: false,
  note: '',
};

export type OptionErrors = Partial<Record<'uses' | 'validFrom' | 'validUntil' | 'ttl', string>>;

/** A `datetime-local` value as an instant (ISO, UTC); null when empty or not a time. */
export function instantOf(local: string): string | null {
  if (!local) return null;
  const time = new Date(local).getTime();
  return Number.isFinite(time) ? new Date(time).toISOString() : null;
}

/** What is wrong with the options, field by field; main checks everything again. */
export function optionErrors(
  options: LinkOptionsState,
  maxTtl: number,
  now = Date.now(),
): OptionErrors {
  const errors: OptionErrors = {};
  const uses = options.uses.trim();
  if (uses && !(/^\d{1,7}$/.test(uses) && Number(uses) >= 1 && Number(uses) <= 1_000_000))
    errors.uses = 'Uses is a whole number from 1 to 1000000, or empty for no limit.';
  const from = instantOf(options.validFrom);
  const until = instantOf(options.validUntil);
  if (options.validFrom && !from) errors.validFrom = 'Valid from is not a date and time.';
  if (options.validUntil && !until) errors.validUntil = 'Valid until is not a date and time.';
  else if (until && Date.parse(until) <= now)
    errors.validUntil = 'Valid until is in the past: the link would never work.';
  else if (from && until && from >= until)
    errors.validUntil = 'Valid until must be after valid from.';
  if (options.customMinutes) {
    const minutes = Number(options.customMinutes);
    if (!(minutes > 0) || minutes * 60 > maxTtl)
      errors.ttl = `Choose between 1 minute and ${formatSpan(maxTtl)} (the provider's maximum).`;
  }
  return errors;
}

type Options = Pick<
  RequestOf<'createLink'>,
  'tokenTtlSeconds' | 'validFrom' | 'validUntil' | 'maxUses' | 'confirm' | 'note'
>;

/** The options as the contract takes them. */
export function optionsRequest(options: LinkOptionsState): Options {
  const uses = options.uses.trim();
  return {
    tokenTtlSeconds: options.ttl ?? undefined,
    validFrom: instantOf(options.validFrom),
    validUntil: instantOf(options.validUntil),
    maxUses: uses ? Number(uses) : null,
    confirm: options.confirm,
    note: options.note.trim() || undefined,
  };
}

/** "2026-11-22 10:05" (or "… 10:05:09") in the person's time zone; "—" for none. */
export function whenOf(iso: string | null, seconds = false): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}${seconds ? `:${pad(d.getSeconds())}` : ''}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}
