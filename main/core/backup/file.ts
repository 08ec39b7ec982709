import { writeFileSync } from 'node:fs';
import { InputError } from '../errors.ts';

/** Writes secret-bearing output (a backup, a shared secret) to a new file only its owner can read; never overwrites. */
export function writeSecretFile(path: string, text: string, what: string): void {
  try {
    writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  } catch (cause) {
    const exists = (cause as NodeJS.ErrnoException).code === 'EEXIST';
    throw new InputError(
      exists
        ? `${path} already exists: choose a new file for the ${what}.`
        : `Cannot write the ${what} to ${path}: check that the folder exists and is writable.`,
      { cause },
    );
  }
}
