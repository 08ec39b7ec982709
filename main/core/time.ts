import { InputError } from './errors.ts';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/**
 * The times Keycast reads, writes and shows: years 0000–9999, so every one has an ISO 8601 date.
 * A Date itself ends near the year 275760; beyond it toISOString throws "Invalid time value".
 */
export const MIN_UNIX_SECONDS = -62_167_219_200; // 0000-01-01T00:00:00Z
export const MAX_UNIX_SECONDS = 253_402_300_799; // 9999-12-31T23:59:59Z

/** True for a number of seconds that is a real, showable time (not 1e300, NaN or Infinity). */
export function isShowableTime(seconds: number): boolean {
  return Number.isFinite(seconds) && seconds >= MIN_UNIX_SECONDS && seconds <= MAX_UNIX_SECONDS;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Parses `90s`, `15m`, `2h`, `7d` (a bare number is seconds) into whole seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (!match) {
    throw new InputError(
      `"${text}" is not a duration: use a number with s, m, h or d, for example 90s, 15m, 2h or 7d.`,
    );
  }
  const amount = Number(match[1]);
  const unit = (match[2] || 's') as keyof typeof UNIT_SECONDS;
  const seconds = amount * UNIT_SECONDS[unit];
  if (seconds <= 0) throw new InputError(`The duration "${text}" must be longer than zero.`);
  return seconds;
}

/**
 * A key's expiry: a calendar date (`2027-06-30`, end of that day UTC), an ISO date-time,
 * or a duration from now (`90d`). Returns an ISO string.
 */
export function parseExpiry(text: string, now = new Date()): string {
  const trimmed = text.trim();
  if (/^\d+[smhd]$/.test(trimmed)) {
    const lifetime = parseDuration(trimmed);
    if (now.getTime() / 1000 + lifetime > MAX_UNIX_SECONDS) {
      throw new InputError(
        `The expiry ${trimmed} from now is after the year 9999: choose a shorter duration or a date.`,
      );
    }
    return new Date(now.getTime() + lifetime * 1000).toISOString();
  }
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(trimmed);
  const parsed = new Date(dateOnly ? `${trimmed}T23:59:59Z` : trimmed);
  if (Number.isNaN(parsed.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    throw new InputError(
      `"${text}" is not an expiry: give a date like 2027-06-30, a date-time like 2027-06-30T12:00:00Z, or a duration like 90d.`,
    );
  }
  if (parsed.getTime() <= now.getTime()) {
    throw new InputError(`The expiry ${parsed.toISOString()} is in the past: choose a later date.`);
  }
  return parsed.toISOString();
}

/** Parses a Unix time in seconds given on the command line. */
export function parseUnixSeconds(text: string, what: string): number {
  if (!/^\d{1,12}$/.test(text.trim())) {
    throw new InputError(
      `${what} must be a Unix time in seconds, for example 1767225600; got "${text}".`,
    );
  }
  const seconds = Number(text.trim());
  if (seconds > MAX_UNIX_SECONDS) {
    throw new InputError(
      `${what} ${seconds} is after the year 9999: give a Unix time in seconds up to ${MAX_UNIX_SECONDS}.`,
    );
  }
  return seconds;
}

/** The ISO form of a Unix time; a time outside the years 0000–9999 is a sentence, not a RangeError. */
export function isoFromSeconds(seconds: number): string {
  if (!isShowableTime(seconds)) {
    throw new InputError(
      `${seconds} is not a time Keycast can show: it lies outside the years 0000 to 9999.`,
    );
  }
  return new Date(seconds * 1000).toISOString();
}

/** "in 14m 59s" / "3h 2m ago": what a person wants to read next to an expiry. */
export function describeRelative(targetSeconds: number, now = nowSeconds()): string {
  const delta = targetSeconds - now;
  const span = formatSpan(Math.abs(delta));
  return delta >= 0 ? `in ${span}` : `${span} ago`;
}

export function formatSpan(totalSeconds: number): string {
  const days = Math.floor(totalSeconds / 86400);
  const hours = Math.floor((totalSeconds % 86400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const parts: string[] = [];
  if (days) parts.push(`${days}d`);
  if (hours) parts.push(`${hours}h`);
  if (minutes && !days) parts.push(`${minutes}m`);
  if ((seconds || parts.length === 0) && !days && !hours) parts.push(`${seconds}s`);
  return parts.join(' ');
}
