import { describe, expect, it } from 'vitest';
import { InputError } from '../../main/core/errors.ts';
import {
  MAX_UNIX_SECONDS,
  describeRelative,
  isShowableTime,
  isoFromSeconds,
  parseDuration,
  parseExpiry,
  parseUnixSeconds,
} from '../../main/core/time.ts';

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['2h', 7200],
    ['7d', 604800],
    ['45', 45],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', 'abc', '15 minutes', '-5m', '1.5h', '0s', '10w'])(
    'refuses %j with a message',
    (text) => {
      expect(() => parseDuration(text)).toThrow(InputError);
    },
  );
});

describe('parseExpiry', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('reads a calendar date as the end of that day, UTC', () => {
    expect(parseExpiry('2027-06-30', now)).toBe('2027-06-30T23:59:59.000Z');
  });
  it('reads a duration from now', () => {
    expect(parseExpiry('90d', now)).toBe('2026-04-01T00:00:00.000Z');
  });
  it('refuses dates in the past and nonsense', () => {
    expect(() => parseExpiry('2020-01-01', now)).toThrow(/in the past/);
    expect(() => parseExpiry('tomorrow', now)).toThrow(/not an expiry/);
    expect(() => parseExpiry('2027-13-45', now)).toThrow(InputError);
  });
});

describe('parseUnixSeconds and describeRelative', () => {
  it('accepts whole seconds only', () => {
    expect(parseUnixSeconds('1767225600', '--exp')).toBe(1767225600);
    expect(() => parseUnixSeconds('2026-01-01', '--exp')).toThrow(/Unix time/);
  });
  it('says which side of now a time is on', () => {
    expect(describeRelative(1000 + 899, 1000)).toBe('in 14m 59s');
    expect(describeRelative(1000 - 3 * 3600 - 120, 1000)).toBe('3h 2m ago');
    expect(describeRelative(1000 + 2 * 86400 + 3600, 1000)).toBe('in 2d 1h');
  });
});

describe('times past what a date can hold', () => {
  it('knows the last showable second, the end of the year 9999', () => {
    expect(isoFromSeconds(MAX_UNIX_SECONDS)).toBe('9999-12-31T23:59:59.000Z');
    expect(isShowableTime(MAX_UNIX_SECONDS)).toBe(true);
    for (const seconds of [MAX_UNIX_SECONDS + 1, 9e12, 1e300, -1e300, Infinity, NaN]) {
      expect(isShowableTime(seconds)).toBe(false);
    }
  });
  it('turns an unshowable time into a sentence, not "Invalid time value"', () => {
    expect(() => isoFromSeconds(1e300)).toThrow(InputError);
    expect(() => isoFromSeconds(9e12)).toThrow(/outside the years 0000 to 9999/);
  });
  it('refuses a key expiry of 999999999d and a Unix time after 9999', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(() => parseExpiry('999999999d', now)).toThrow(InputError);
    expect(() => parseExpiry('999999999d', now)).toThrow(/after the year 9999/);
    expect(() => parseUnixSeconds('999999999999', '--exp')).toThrow(
      '--exp 999999999999 is after the year 9999: give a Unix time in seconds up to 253402300799.',
    );
    expect(parseUnixSeconds(String(MAX_UNIX_SECONDS), '--exp')).toBe(MAX_UNIX_SECONDS);
  });
});
