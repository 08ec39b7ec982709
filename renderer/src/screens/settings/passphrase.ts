import { MIN_PASSPHRASE_LENGTH, passphraseLength } from '../../../../shared/backup.ts';

// The rule is checked here before main is asked; main checks it again (main/core/backup/format.ts).

export const PASSPHRASE_RULE = `At least ${MIN_PASSPHRASE_LENGTH} characters; a few unrelated words work well. Without it the backup cannot be opened, so keep it somewhere safe.`;

/** Why a new backup passphrase (typed twice) cannot be used, or null when it can. */
export function newPassphraseProblem(passphrase: string, repeated: string): string | null {
  if (passphraseLength(passphrase) < MIN_PASSPHRASE_LENGTH)
    return `The passphrase is too short: use at least ${MIN_PASSPHRASE_LENGTH} characters. Nothing was written.`;
  if (passphrase !== repeated)
    return 'The two passphrases differ: type the same passphrase twice. Nothing was written.';
  return null;
}
