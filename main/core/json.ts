import { InputError } from './errors.ts';

/**
 * Deeper nesting than this is refused before JSON.parse: nothing Keycast reads needs more than a
 * few levels, and recursive code (stringify, schema checks, rendering) overflows the stack on
 * thousands.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * True when `text` opens more than `limit` arrays or objects inside each other. An iterative scan
 * of the raw text (brackets inside strings do not count), so it cannot overflow the stack itself
 * and works on text that is not valid JSON.
 */
export function exceedsJsonDepth(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c /* \ */) i += 1;
      else if (char === 0x22 /* " */) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x5b /* [ */ || char === 0x7b /* { */) {
      depth += 1;
      if (depth > limit) return true;
    } else if (char === 0x5d /* ] */ || char === 0x7d /* } */) {
      depth -= 1;
    }
  }
  return false;
}

/** JSON a person brought (a file, a pasted JWKS, a claim value); the error names what it was. */
export function readJsonInput(text: string, what: string): unknown {
  if (exceedsJsonDepth(text)) {
    throw new InputError(
      `The ${what} nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep; Keycast reads at most ${MAX_JSON_DEPTH}.`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new InputError(`The ${what} is not valid JSON.`, { cause });
  }
}
