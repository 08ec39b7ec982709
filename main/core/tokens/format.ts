import { TokenFormatError } from '../errors.ts';
import { MAX_JSON_DEPTH, exceedsJsonDepth } from '../json.ts';

export const MAX_TOKEN_BYTES = 16 * 1024;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * The strict shape check that runs before any decoding (SECURITY.md §13): three non-empty
 * base64url segments, no whitespace or padding, at most 16 KiB, header and payload nested at
 * most MAX_JSON_DEPTH levels.
 */
export function checkTokenFormat(token: string): void {
  if (token.length === 0) throw new TokenFormatError('The token is empty.');
  if (token.length > MAX_TOKEN_BYTES) {
    throw new TokenFormatError(
      `The token is ${token.length} bytes; Keycast reads tokens up to 16 KiB.`,
    );
  }
  if (/\s/.test(token)) {
    throw new TokenFormatError(
      'The token contains whitespace: copy it again without spaces or line breaks.',
    );
  }
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw new TokenFormatError(
      `A JWT has three parts separated by dots; this has ${parts.length}. JSON-serialized or encrypted tokens are not read.`,
    );
  }
  const names = ['header', 'payload', 'signature'];
  parts.forEach((part, index) => {
    if (part === '') {
      const hint = index === 2 ? ' (an unsigned token, alg "none", is never accepted)' : '';
      throw new TokenFormatError(`The token's ${names[index]} is empty${hint}.`);
    }
    if (!SEGMENT.test(part)) {
      throw new TokenFormatError(
        `The token's ${names[index]} is not base64url: it holds characters outside A-Z a-z 0-9 - _.`,
      );
    }
    // Decoders ignore the unused low bits of the last character, so "…A" and "…B" can decode to the
    // same bytes. Only the canonical spelling is accepted: a changed character is a changed token.
    const bytes = Buffer.from(part, 'base64url');
    if (bytes.toString('base64url') !== part) {
      throw new TokenFormatError(
        `The token's ${names[index]} is not canonical base64url: it was altered or damaged.`,
      );
    }
    // Checked here, before anything parses or walks the JSON, so no recursion sees deep nesting.
    if (index < 2 && exceedsJsonDepth(bytes.toString('utf8'))) {
      throw new TokenFormatError(
        `The token's ${names[index]} nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep; Keycast reads at most ${MAX_JSON_DEPTH}.`,
      );
    }
  });
}
