import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import Conf from 'conf';
import { z } from 'zod';
import { KeyRecordSchema, type KeyRecord } from '../../../shared/keyRecord.ts';
import { StorageError } from '../errors.ts';

const VaultFileSchema = z.looseObject({
  vaultId: z.string().min(8),
  keys: z.array(KeyRecordSchema),
  /** Names of provider credentials; the secrets themselves are keychain items. */
  credentials: z.array(z.string()).optional(),
  /** Custom-provider templates, validated by main/core/providers/custom.ts. */
  templates: z.array(z.unknown()).optional(),
});
type VaultFile = z.infer<typeof VaultFileSchema>;

export const METADATA_FILE = 'keycast.json';

/**
 * The key records (never secrets) in a conf store: atomic writes, mode 0600. After every
 * write a copy is kept as the last good backup; a damaged file is moved aside and the
 * backup restored, with a warning, never silently emptied.
 */
export class MetadataStore {
  readonly path: string;
  readonly backupPath: string;
  private readonly conf: Conf<VaultFile>;
  private readonly warn: (message: string) => void;

  constructor(dir: string, warn: (message: string) => void) {
    this.warn = warn;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (cause) {
      throw new StorageError(
        `Keycast cannot create its data folder ${dir}: check the path and its permissions.`,
        {
          cause,
        },
      );
    }
    this.path = join(dir, METADATA_FILE);
    this.backupPath = `${this.path}.bak`;
    recoverIfDamaged(this.path, this.backupPath, warn);
    this.conf = new Conf<VaultFile>({
      cwd: dir,
      configName: 'keycast',
      configFileMode: 0o600,
      clearInvalidConfig: false,
      accessPropertiesByDotNotation: false,
    });
    if (!this.conf.has('vaultId')) {
      this.conf.store = { vaultId: randomBytes(12).toString('base64url'), keys: [] };
      this.keepBackup();
    }
  }

  get vaultId(): string {
    return this.read(() => this.conf.get('vaultId'));
  }

  keys(): KeyRecord[] {
    return this.read(() => this.conf.get('keys', []));
  }

  private read<T>(get: () => T): T {
    try {
      return get();
    } catch (cause) {
      throw new StorageError(
        `Keycast could not read ${this.path}: check that it is a readable file.`,
        { cause },
      );
    }
  }

  credentialNames(): string[] {
    return this.read(() => this.conf.get('credentials') ?? []);
  }

  templates(): unknown[] {
    return this.read(() => this.conf.get('templates') ?? []);
  }

  saveKeys(keys: KeyRecord[]): void {
    this.save(() => this.conf.set('keys', keys));
  }

  saveCredentialNames(names: string[]): void {
    this.save(() => this.conf.set('credentials', names));
  }

  saveTemplates(templates: unknown[]): void {
    this.save(() => this.conf.set('templates', templates));
  }

  /** One write to the file, then the backup; a failed write is one readable error. */
  private save(write: () => void): void {
    try {
      write();
    } catch (cause) {
      throw new StorageError(
        `Keycast could not write ${this.path}: check free disk space and permissions.`,
        {
          cause,
        },
      );
    }
    this.keepBackup();
  }

  /** A failed backup never undoes a saved change: it is reported, and the next save tries again. */
  private keepBackup(): void {
    const temp = `${this.backupPath}.${process.pid}.tmp`;
    try {
      copyFileSync(this.path, temp);
      chmodSync(temp, 0o600);
      renameSync(temp, this.backupPath);
    } catch {
      this.warn(
        `Keycast could not update the backup ${this.backupPath}; the key list itself was saved.`,
      );
    }
  }
}

function isValidFile(path: string): boolean {
  try {
    return VaultFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8'))).success;
  } catch {
    return false;
  }
}

function recoverIfDamaged(path: string, backupPath: string, warn: (message: string) => void): void {
  const exists = existsSync(path);
  if (exists && isValidFile(path)) return;
  const backupGood = existsSync(backupPath) && isValidFile(backupPath);
  if (!exists) {
    if (backupGood) {
      copyFileSync(backupPath, path);
      warn(
        `The key list ${path} was missing; it was restored from the last good backup ${backupPath}.`,
      );
    }
    return;
  }
  const aside = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  renameSync(path, aside);
  if (backupGood) {
    copyFileSync(backupPath, path);
    chmodSync(path, 0o600);
    warn(
      `The key list ${path} was damaged: it was moved to ${aside} and the last good backup was restored. Keys added since that backup may need to be imported again.`,
    );
  } else {
    warn(
      `The key list ${path} was damaged and there is no good backup: it was moved to ${aside} and Keycast starts with an empty list. The private keys are still in the system keychain.`,
    );
  }
}
