import { describe, expect, it } from 'vitest';
import {
  EXIT_CODES,
  InputError,
  KeychainUnavailableError,
  NotFoundError,
  SecretMissingError,
  StorageError,
  TokenFormatError,
  TokenRejectedError,
  shown,
} from '../../main/core/errors.ts';
import { escapeForTerminal, table } from '../../main/cli/io.ts';
import { parseClaimFlag } from '../../main/cli/tokenCommands.ts';

describe('parseClaimFlag', () => {
  it('reads k=v as a string, keeping "=" inside the value', () => {
    expect(parseClaimFlag('streamId=123')).toEqual(['streamId', '123']);
    expect(parseClaimFlag('url=https://x/?a=b')).toEqual(['url', 'https://x/?a=b']);
    expect(parseClaimFlag('empty=')).toEqual(['empty', '']);
  });
  it('reads k:=JSON as a typed value', () => {
    expect(parseClaimFlag('n:=5')).toEqual(['n', 5]);
    expect(parseClaimFlag('roles:=["host","presenter"]')).toEqual(['roles', ['host', 'presenter']]);
    expect(parseClaimFlag('ok:=true')).toEqual(['ok', true]);
  });
  it('refuses malformed flags with the expected form in the message', () => {
    expect(() => parseClaimFlag('novalue')).toThrow(/name=value \(or name:=JSON\)/);
    expect(() => parseClaimFlag('n:={oops')).toThrow(InputError);
  });
});

describe('table', () => {
  it('aligns columns and trims trailing space', () => {
    expect(
      table(
        ['A', 'LONGER'],
        [
          ['xyz', '1'],
          ['q', '22'],
        ],
      ),
    ).toEqual(['A    LONGER', 'xyz  1', 'q    22']);
  });
  it('escapes cells before measuring, so control characters cannot shift columns', () => {
    expect(table(['N', 'X'], [['\u001b[2J', '1']])).toEqual([`N${' '.repeat(8)}X`, '\\x1b[2J  1']);
  });
});

describe('escapeForTerminal', () => {
  it('shows C0, DEL, C1 and bidi override characters as escapes', () => {
    expect(escapeForTerminal('\u001b]52;c;aGk=\u0007')).toBe('\\x1b]52;c;aGk=\\x07');
    expect(escapeForTerminal('a\rb\u0000\u007f\u009b31m')).toBe('a\\x0db\\x00\\x7f\\x9b31m');
    expect(escapeForTerminal('\u202egnp.exe\u2066\u2069')).toBe('\\u202egnp.exe\\u2066\\u2069');
  });
  it('leaves tabs, line feeds and ordinary text, accents and emoji included, alone', () => {
    const text = 'Clés\tvalue\nnext — ✓ 🎥 «ok»';
    expect(escapeForTerminal(text)).toBe(text);
  });
  it('is idempotent, so output escaped twice reads the same', () => {
    const once = escapeForTerminal('\u001b[2J');
    expect(escapeForTerminal(once)).toBe(once);
  });
});

describe('errors', () => {
  it('map every kind to the documented exit code', () => {
    expect(EXIT_CODES[new TokenRejectedError('expired', 'x').kind]).toBe(1);
    expect(EXIT_CODES[new TokenFormatError('x').kind]).toBe(1);
    expect(EXIT_CODES[new InputError('x').kind]).toBe(2);
    expect(EXIT_CODES[new NotFoundError('x').kind]).toBe(2);
    expect(EXIT_CODES[new KeychainUnavailableError('x').kind]).toBe(3);
    expect(EXIT_CODES[new StorageError('x').kind]).toBe(3);
    expect(EXIT_CODES[new SecretMissingError('x').kind]).toBe(3);
  });
  it('name themselves and keep their reason', () => {
    const error = new TokenFormatError('bad');
    expect(error.name).toBe('TokenFormatError');
    expect(error.reason).toBe('format');
  });
  it('spell untrusted values readably', () => {
    expect(shown('RS256')).toBe('RS256');
    expect(shown({ a: 1 })).toBe('{"a":1}');
    expect(shown(undefined)).toBe('undefined');
  });
});
