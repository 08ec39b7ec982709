/** The backup passphrase rule, one definition for the app's form and main's check. */
export const MIN_PASSPHRASE_LENGTH = 12;

/** Characters as a person counts them (code points, so an emoji is one). */
export const passphraseLength = (text: string): number => [...text].length;
