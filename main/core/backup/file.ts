import { renameSync, writeFileSync } from 'node:fs';
import { InputError } from '../errors.ts';

/**
 * Writes secret-bearing output (a backup, a shared secret) to a file only its owner can read. Never
 * overwrites unless `replace` (the app's save dialog has already asked).
 */
export function writeSecretFile(
  path: string,
  text: string,
  what: string,
  options: { replace?: boolean } = {},
): void {
  try {
    if (options.replace) {
      // A replaced file keeps its old mode unless told: write a new 0600 file and move it over.
      const temp = `${path}.${process.pid}.tmp`;
      writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
      renameSync(temp, path);
      return;
    }
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
