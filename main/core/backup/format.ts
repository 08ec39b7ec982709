import { CompactEncrypt, compactDecrypt, errors as joseErrors } from 'jose';
import { z } from 'zod';
import { MIN_PASSPHRASE_LENGTH, passphraseLength } from '../../../shared/backup.ts';
import { KeyRecordSchema } from '../../../shared/keyRecord.ts';
import { InputError } from '../errors.ts';

/**
 * An encrypted backup is one compact JWE (RFC 7516): the key is derived from a passphrase with
 * PBES2-HS512+A256KW (PBKDF2-SHA-512, 600,000 iterations, random salt), the content sealed with
 * A256GCM. The plaintext is the JSON below: records, private keys, credentials and templates.
 */
export const BACKUP_KEY_ALG = 'PBES2-HS512+A256KW';
export const BACKUP_ENC = 'A256GCM';
export const BACKUP_ITERATIONS = 600_000;
/** A file asking for more work than this to open is refused rather than tying up the CPU. */
const MAX_ITERATIONS = 10_000_000;
const CONTENT_TYPE = 'application/vnd.keycast.backup+json';

const base64url = z.string().regex(/^[A-Za-z0-9_-]*$/, 'must be base64url');

export const BackupContentSchema = z
  .object({
    format: z.literal('keycast-backup'),
    version: z.literal(1),
    createdAt: z.string(),
    vaultId: z.string(),
    keys: z.array(
      z
        .object({
          record: KeyRecordSchema,
          extra: z.record(z.string(), z.unknown()),
          secret: base64url,
        })
        .strict(),
    ),
    credentials: z.array(z.object({ name: z.string(), secret: z.string() }).strict()),
    /** The key that recognises redirect links, so a server restored from this backup knows them. */
    linksKey: base64url.optional(),
    templates: z.array(z.object({ name: z.string(), body: z.unknown() }).strict()),
  })
  .strict();
export type BackupContent = z.infer<typeof BackupContentSchema>;

export function checkPassphrase(passphrase: string): void {
  if (passphraseLength(passphrase) < MIN_PASSPHRASE_LENGTH) {
    throw new InputError(
      `The passphrase is too short: use at least ${MIN_PASSPHRASE_LENGTH} characters (a few unrelated words work well).`,
    );
  }
}

export async function sealBackup(content: BackupContent, passphrase: string): Promise<string> {
  checkPassphrase(passphrase);
  const plaintext = new TextEncoder().encode(JSON.stringify(content));
  try {
    return await new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: BACKUP_KEY_ALG, enc: BACKUP_ENC, cty: CONTENT_TYPE })
      .setKeyManagementParameters({ p2c: BACKUP_ITERATIONS })
      .encrypt(new TextEncoder().encode(passphrase));
  } finally {
    plaintext.fill(0);
  }
}

/** Opens a backup; a wrong passphrase or a damaged file is one sentence (exit 2), never a partial result. */
export async function openBackup(text: string, passphrase: string): Promise<BackupContent> {
  const jwe = text.trim();
  if (
    !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(jwe)
  ) {
    throw damaged('it is not an encrypted Keycast backup');
  }
  let plaintext: Uint8Array;
  try {
    ({ plaintext } = await compactDecrypt(jwe, new TextEncoder().encode(passphrase), {
      keyManagementAlgorithms: [BACKUP_KEY_ALG],
      contentEncryptionAlgorithms: [BACKUP_ENC],
      maxPBES2Count: MAX_ITERATIONS,
    }));
  } catch (cause) {
    if (cause instanceof joseErrors.JWEDecryptionFailed) {
      throw new InputError(
        'The passphrase is wrong, or the backup was changed after it was written: nothing was restored. Try the passphrase again.',
        { cause },
      );
    }
    throw damaged(cause instanceof Error ? cause.message : 'it cannot be decrypted', cause);
  }
  try {
    const parsed = BackupContentSchema.safeParse(JSON.parse(new TextDecoder().decode(plaintext)));
    if (!parsed.success) throw damaged('its content is not a Keycast backup of this version');
    return parsed.data;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw damaged('its content is not JSON', error);
  } finally {
    plaintext.fill(0);
  }
}

function damaged(why: string, cause?: unknown): InputError {
  return new InputError(
    `The backup cannot be opened (${why}): check that it is the whole file Keycast wrote. Nothing was restored.`,
    { cause },
  );
}
