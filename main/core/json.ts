import { InputError } from './errors.ts';

/** JSON a person brought (a file, a pasted JWKS, a claim value); the error names what it was. */
export function readJsonInput(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new InputError(`The ${what} is not valid JSON.`, { cause });
  }
}
