import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { ActivitySource } from '../../../shared/activity.ts';
import type { KeyRecord, Upload } from '../../../shared/keyRecord.ts';
import {
  InputError,
  KeychainUnavailableError,
  NotFoundError,
  SecretMissingError,
  StorageError,
} from '../errors.ts';
import type { CryptoKey, KeyMaterial } from '../keys/material.ts';
import { ActivityLog } from '../lifecycle/activity.ts';
import { thumbprintOf, toPublicJwk } from '../keys/publicJwk.ts';
import { importSigningKey } from '../keys/signingKey.ts';
import { retiringInfo } from '../lifecycle/rotationStore.ts';
import { Database, isConstraintViolation, storageFailure } from '../store/database.ts';
import {
  addUpload,
  findKey,
  insertKey,
  removeUpload,
  selectKeys,
  type StoredKey,
} from '../store/keyTable.ts';
import { importLegacy, importLegacySettings, retireLegacyFiles } from '../store/legacyImport.ts';
import type { Signer } from '../tokens/mint.ts';
import type { VerificationKey } from '../tokens/verify.ts';
import { checkKeychainItem } from './keychainCheck.ts';
import { OsKeychain, type SecretStore } from './secretStore.ts';
import { SettingsTable, TemplateTable } from './tables.ts';

export interface VaultOptions {
  dataDir: string;
  /** Defaults to the OS keychain. */
  secrets?: SecretStore;
  /** Where recovery warnings and one-time notices go (stderr in the CLI). */
  warn?: (message: string) => void;
  /** The program this vault serves, as the activity log names it (default: cli). */
  source?: ActivitySource;
}

export interface NewKeyOptions {
  name?: string;
  kid?: string;
  expiresAt?: string | null;
  provider?: string | null;
  notes?: string;
  attributes?: Record<string, string>;
  /**
   * More rows written in the same transaction as the key's (a rotation records its successor
   * with it, so a crash never leaves a successor no rotation knows of).
   */
  alsoWrite?: (db: DatabaseSync, record: KeyRecord) => void;
}

/** What a restore writes: keys as they were (same ids and kids), credentials, templates. */
export interface RestorePlan {
  keys: { record: KeyRecord; extra: Record<string, unknown>; secret: Uint8Array }[];
  /** Keys whose record is here but whose keychain item was lost: only the item is written. */
  secrets: { record: KeyRecord; secret: Uint8Array }[];
  credentials: { name: string; secret: string }[];
  templates: { name: string; body: unknown }[];
}

export type KeyHealth = 'active' | 'expired' | 'retiring' | 'retired' | 'secret missing';

const MAX_LABEL = 200;

/**
 * The key vault: records in the local database, private material in the keychain under account
 * `<vaultId>:<keyId>`. Every change is one database transaction; uniqueness of id, name, kid and
 * key is the database's job. Signing keys are imported once per process as non-extractable CryptoKeys.
 */
export class Vault {
  readonly dataDir: string;
  readonly database: Database;
  readonly settings: SettingsTable;
  readonly templateTable: TemplateTable;
  /** Every token minted and every key event; key events are written in the change's own transaction. */
  readonly activity: ActivityLog;
  private readonly secrets: SecretStore;
  private readonly signers = new Map<string, Promise<CryptoKey>>();

  constructor(options: VaultOptions) {
    this.dataDir = options.dataDir;
    this.secrets = options.secrets ?? new OsKeychain();
    const warn = options.warn ?? (() => undefined);
    this.database = Database.open(options.dataDir, {
      warn,
      createVaultId: () => randomBytes(12).toString('base64url'),
      firstOpen: (db) => {
        const vaultId = importLegacy(options.dataDir, db);
        importLegacySettings(options.dataDir, db);
        return vaultId;
      },
    });
    retireLegacyFiles(options.dataDir, this.database.db, warn);
    this.settings = new SettingsTable(this.database);
    this.templateTable = new TemplateTable(this.database);
    this.activity = new ActivityLog(this.database, {
      source: options.source ?? 'cli',
      settings: this.settings,
      subjectKey: () => this.activityKey(),
    });
  }

  get source(): ActivitySource {
    return this.activity.source;
  }

  get vaultId(): string {
    return this.database.vaultId;
  }

  get databasePath(): string {
    return this.database.path;
  }

  /** Waits for a snapshot under way and closes the database. */
  close(): Promise<void> {
    return this.database.close();
  }

  list(): KeyRecord[] {
    return this.read(() => selectKeys(this.database.db).map((k) => k.record));
  }

  /** Every key with the members this version does not know (for backups). */
  storedKeys(): StoredKey[] {
    return this.read(() => selectKeys(this.database.db));
  }

  /** Finds a key by id, kid or name, in that order of precedence. */
  find(ref: string): KeyRecord {
    const found = this.read(() => findKey(this.database.db, ref));
    if (!found) {
      throw new NotFoundError(
        `No key "${ref}" in ${this.dataDir}: run "keycast keys list" to see the keys.`,
      );
    }
    return found.record;
  }

  accountOf(record: Pick<KeyRecord, 'id'>): string {
    return `${this.vaultId}:${record.id}`;
  }

  /**
   * Stores a new key: the keychain item first, then the row in one transaction. If the row cannot
   * be written (a name, kid or key already taken, a full disk, anything), the keychain item is
   * removed again, so a refusal never leaves a secret behind.
   */
  async add(material: KeyMaterial, options: NewKeyOptions = {}): Promise<KeyRecord> {
    const id = randomBytes(8).toString('hex');
    const kid = options.kid ?? material.suggestedKid ?? defaultKid(material);
    const name = options.name ?? `${material.alg.toLowerCase()}-${id.slice(0, 6)}`;
    checkLabel('name', name);
    checkLabel('kid', kid);
    const record: KeyRecord = {
      id,
      name,
      alg: material.alg,
      kid,
      publicJwk: material.publicJwk ? toPublicJwk(material.publicJwk, kid, material.alg) : null,
      createdAt: new Date().toISOString(),
      expiresAt: options.expiresAt ?? null,
      provider: options.provider ?? null,
      notes: options.notes ?? '',
      status: 'active',
      ...(options.attributes && Object.keys(options.attributes).length > 0
        ? { attributes: options.attributes }
        : {}),
    };
    // A clash known before the keychain is touched is refused without writing anything.
    this.refuseClash(record);
    await this.secrets.write(this.accountOf(record), material.secret);
    try {
      this.write(() => {
        insertKey(this.database.db, record);
        options.alsoWrite?.(this.database.db, record);
        this.activity.append(
          this.activity.entryNow({
            event: material.origin === 'generated' ? 'key-generated' : 'key-imported',
            ...keyFacts(record),
            detail: { name: record.name, alg: record.alg },
          }),
        );
      }, record);
    } catch (error) {
      await this.secrets.remove(this.accountOf(record)).catch(() => false);
      throw error;
    }
    return record;
  }

  /**
   * Restores keys, credentials and templates as a backup holds them (same ids and kids): every
   * keychain item first, then all rows in one transaction. If anything fails, the items written are
   * removed again and nothing is half-restored.
   */
  async restore(plan: RestorePlan): Promise<void> {
    const items = [
      ...[...plan.keys, ...plan.secrets].map((k) => ({
        account: this.accountOf(k.record),
        secret: k.secret,
      })),
      ...plan.credentials.map((c) => ({
        account: this.credentialAccount(c.name),
        secret: new Uint8Array(Buffer.from(c.secret, 'utf8')),
      })),
    ];
    const written: string[] = [];
    try {
      for (const item of items) {
        await this.secrets.write(item.account, item.secret);
        written.push(item.account);
      }
      this.write(() => {
        const db = this.database.db;
        for (const key of plan.keys) insertKey(db, key.record, key.extra);
        const now = new Date().toISOString();
        for (const c of plan.credentials) {
          db.prepare('INSERT INTO credentials (name, created_at) VALUES (?, ?)').run(c.name, now);
        }
        for (const t of plan.templates) {
          db.prepare('INSERT INTO templates (name, body) VALUES (?, ?)').run(
            t.name,
            JSON.stringify(t.body),
          );
        }
        this.activity.append(
          this.activity.entryNow({
            event: 'restore',
            detail: {
              keys: plan.keys.length,
              keychainItems: plan.secrets.length,
              credentials: plan.credentials.length,
              templates: plan.templates.length,
            },
          }),
        );
      });
    } catch (error) {
      // Only items no committed row points to: another process restoring the same backup may have
      // committed the very same accounts, and their secrets must stay.
      const kept = this.read(() => this.referencedAccounts());
      for (const account of written.filter((a) => !kept.has(a))) {
        await this.secrets.remove(account).catch(() => false);
      }
      if (isConstraintViolation(error instanceof StorageError ? error.cause : error)) {
        throw new InputError(
          'Nothing was restored: the vault changed while restoring (another process added the same keys, credentials or templates). Run the restore again.',
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** The keychain accounts that committed rows point to. */
  private referencedAccounts(): Set<string> {
    const db = this.database.db;
    const ids = db.prepare('SELECT id FROM keys').all() as { id: string }[];
    const names = db.prepare('SELECT name FROM credentials').all() as { name: string }[];
    return new Set([
      ...ids.map((row) => this.accountOf(row)),
      ...names.map((row) => this.credentialAccount(row.name)),
    ]);
  }

  /** Records an upload on a key (replacing one to the same place) without rewriting what another process changed. */
  recordUpload(keyId: string, upload: Upload): KeyRecord {
    this.write(() => {
      const found = findKey(this.database.db, keyId)?.record;
      if (!found) throw new NotFoundError(`No key "${keyId}" to update.`);
      addUpload(this.database.db, keyId, upload);
      this.activity.append(
        this.activity.entryNow({
          event: 'key-uploaded',
          ...keyFacts(found),
          provider: upload.provider,
          detail: { remoteId: upload.remoteId, expiresAt: upload.expiresAt ?? null },
        }),
      );
      // A key with no provider tag gets the upload's.
      this.database.db
        .prepare('UPDATE keys SET provider = coalesce(provider, ?) WHERE id = ?')
        .run(upload.provider, keyId);
    });
    return this.find(keyId);
  }

  /** Forgets an upload wherever it is recorded; the record it was on, or null. */
  forgetUpload(provider: string, remoteId: string): KeyRecord | null {
    const keyId = this.write(() => {
      const id = removeUpload(this.database.db, provider, remoteId);
      const found = id ? findKey(this.database.db, id)?.record : undefined;
      this.activity.append(
        this.activity.entryNow({
          event: 'key-upload-deleted',
          ...(found ? keyFacts(found) : {}),
          provider,
          detail: { remoteId, known: found !== undefined },
        }),
      );
      return id;
    });
    return keyId ? this.find(keyId) : null;
  }

  /** Forgets one key's upload (Native Frame: several keys share the issuer's remote id). */
  forgetUploadOf(keyId: string, provider: string, remoteId: string): void {
    this.write(() => {
      this.database.db
        .prepare('DELETE FROM uploads WHERE key_id = ? AND provider = ? AND remote_id = ?')
        .run(keyId, provider, remoteId);
      const found = findKey(this.database.db, keyId)?.record;
      this.activity.append(
        this.activity.entryNow({
          event: 'key-upload-deleted',
          ...(found ? keyFacts(found) : { keyId }),
          provider,
          detail: { remoteId, known: found !== undefined },
        }),
      );
    });
  }

  /**
   * Deletes the row first (in one transaction that also checks the uploads), then the keychain item.
   * A key whose public part is still uploaded to a provider is refused unless `evenIfUploaded`
   * (SECURITY.md §26). Of several processes deleting the same key, one succeeds; the others are told
   * it is gone.
   */
  async remove(
    ref: string,
    options: { evenIfUploaded?: boolean; evenIfRetiring?: boolean } = {},
  ): Promise<KeyRecord> {
    const record = this.write(() => {
      const found = findKey(this.database.db, ref)?.record;
      if (!found) {
        throw new NotFoundError(
          `No key "${ref}" in ${this.dataDir} (deleted already?): run "keycast keys list" to see the keys.`,
        );
      }
      // Tokens it signed before the switch may still be in use until the overlap ends (§26).
      if (found.status === 'retiring' && !options.evenIfRetiring) {
        const { retireAfter } = retiringInfo(this.database.db, found.id);
        throw new InputError(
          `Key "${found.name}" is retiring${retireAfter ? ` until ${retireAfter}` : ''}: tokens it signed before its rotation may still be in use until then. Let "keycast maintain" retire it, or delete it now with --force.`,
        );
      }
      const uploads = found.uploads ?? [];
      if (uploads.length > 0 && !options.evenIfUploaded) {
        const where = uploads.map((u) => `${u.provider} (${u.remoteId})`).join(', ');
        throw new InputError(
          `Key "${found.name}" is still uploaded to ${where}: delete it there first, so tokens stop being accepted, or confirm with --force.`,
        );
      }
      const { links } = this.database.db
        .prepare('SELECT count(*) AS links FROM links WHERE key_id = ?')
        .get(found.id) as { links: number };
      if (links > 0) {
        throw new InputError(
          `Key "${found.name}" signs ${links} redirect link(s): delete them first (keycast redirects list, then keycast redirects delete).`,
        );
      }
      this.database.db.prepare('DELETE FROM keys WHERE id = ?').run(found.id);
      this.activity.append(
        this.activity.entryNow({
          event: 'key-deleted',
          ...keyFacts(found),
          detail: { name: found.name, alg: found.alg, stillUploaded: uploads.length > 0 },
        }),
      );
      return found;
    });
    this.signers.delete(record.id);
    await this.secrets.remove(this.accountOf(record));
    return record;
  }

  /** Whether the key can sign now. Checks the keychain item's presence and wipes the bytes read. */
  async health(record: KeyRecord, now = new Date()): Promise<KeyHealth> {
    if (record.status === 'retired') return 'retired';
    if (record.status === 'retiring') return 'retiring';
    if (!(await this.hasSecret(record))) return 'secret missing';
    if (record.expiresAt && new Date(record.expiresAt) <= now) return 'expired';
    return 'active';
  }

  /** Whether the keychain holds the key's item; the material read is wiped at once. */
  async hasSecret(record: Pick<KeyRecord, 'id'>): Promise<boolean> {
    const secret = await this.secrets.read(this.accountOf(record));
    secret?.fill(0);
    return secret !== null;
  }

  /**
   * The ids of the keys whose keychain item is missing. Each item is read and wiped at once: the
   * keychain's listing would hand back every secret of every vault as strings nobody can wipe.
   */
  async missingSecrets(records: readonly KeyRecord[]): Promise<Set<string>> {
    try {
      const present = await Promise.all(records.map((r) => this.hasSecret(r)));
      return new Set(records.filter((_, i) => !present[i]).map((r) => r.id));
    } catch (error) {
      // A keychain that is not running says nothing about single items: that is reported on its own.
      if (error instanceof KeychainUnavailableError) return new Set();
      throw error;
    }
  }

  /**
   * The vault's secret for redirect-link ids (32 random bytes in the keychain): links are stored as
   * keyed hashes of their ids, so a copied database cannot produce a working link. Made on first
   * use; processes racing to make it agree through the database on the one item they all use.
   */
  async linkKey(): Promise<Uint8Array> {
    const account =
      this.linkKeyAccount() ??
      (await this.installNamedSecret(LINK_KEY, new Uint8Array(randomBytes(32)))).account;
    const key = await this.secrets.read(account);
    if (key === null) {
      throw new SecretMissingError(
        'The key that recognises redirect links is missing from the system keychain: unlock the keychain or restore a backup; until then no link of this vault works.',
      );
    }
    return key;
  }

  /**
   * Takes over the redirect-link key of a restored backup, so a second server recognises the same
   * links. Only a vault without one adopts it (a vault's links are hashed with its own key); true
   * when this vault now uses the given key.
   */
  async adoptLinkKey(secret: Uint8Array): Promise<boolean> {
    const current = this.linkKeyAccount();
    if (current !== null) {
      const key = await this.secrets.read(current);
      const same = key !== null && Buffer.from(key).equals(Buffer.from(secret));
      key?.fill(0);
      return same;
    }
    return (await this.installNamedSecret(LINK_KEY, secret)).installed;
  }

  /**
   * The vault's secret for hashing subject identifiers in the activity log (32 random bytes in the
   * keychain; `activity.hashSubjects`): a copied database alone cannot be searched for a guessed
   * e-mail address. Made on first use, as the link key is.
   */
  async activityKey(): Promise<Uint8Array> {
    const account =
      this.activityKeyAccount() ??
      (await this.installNamedSecret(ACTIVITY_KEY, new Uint8Array(randomBytes(32)))).account;
    const key = await this.secrets.read(account);
    if (key === null) {
      throw new SecretMissingError(
        'The key that hashes names in the activity log is missing from the system keychain: unlock the keychain or restore a backup; until then tokens for named people cannot be recorded, so none are minted.',
      );
    }
    return key;
  }

  /**
   * Writes a vault secret to the keychain and names it in the database, unless another process
   * named one first: then its item is used, and this one removed again.
   */
  private async installNamedSecret(
    secret: NamedSecret,
    bytes: Uint8Array,
  ): Promise<{ account: string; installed: boolean }> {
    const candidate = `${this.vaultId}:${secret.label}:${randomBytes(6).toString('hex')}`;
    await this.secrets.write(candidate, bytes);
    const account = this.write(() => {
      this.database.db
        .prepare('INSERT OR IGNORE INTO meta (name, value) VALUES (?, ?)')
        .run(secret.meta, candidate);
      return this.metaValue(secret.meta)!;
    });
    if (account !== candidate) await this.secrets.remove(candidate).catch(() => false);
    return { account, installed: account === candidate };
  }

  /** The keychain account of the redirect-link key, once it was made. */
  linkKeyAccount(): string | null {
    return this.metaValue(LINK_KEY.meta);
  }

  /** The keychain account of the activity log's subject-hashing key, once it was made. */
  activityKeyAccount(): string | null {
    return this.metaValue(ACTIVITY_KEY.meta);
  }

  private metaValue(name: string): string | null {
    const row = this.read(
      () =>
        this.database.db.prepare('SELECT value FROM meta WHERE name = ?').get(name) as
          { value: string } | undefined,
    );
    return row?.value ?? null;
  }

  /** Accounts of every Keycast keychain item, or null where the keychain cannot list them. */
  async keychainAccounts(): Promise<string[] | null> {
    return this.secrets.accounts ? this.secrets.accounts() : null;
  }

  /** The raw keychain bytes of a key, for an encrypted backup only; the caller wipes them. */
  async secretForBackup(record: KeyRecord): Promise<Uint8Array> {
    const secret = await this.secrets.read(this.accountOf(record));
    if (secret === null) throw missingSecret(record);
    return secret;
  }

  /** The key, ready to sign: loaded from the keychain once, then reused. */
  async signer(record: KeyRecord, now = new Date()): Promise<Signer> {
    if (record.status === 'retired') {
      throw new InputError(
        `Key "${record.name}" is retired and no longer signs: use a current key.`,
      );
    }
    if (record.status === 'retiring') {
      const { successorName } = this.read(() => retiringInfo(this.database.db, record.id));
      throw new InputError(
        successorName
          ? `Key "${record.name}" is retiring and signs nothing: its successor "${successorName}" signs now, use --key "${successorName}".`
          : `Key "${record.name}" is retiring and signs nothing: use a current key.`,
      );
    }
    if (record.expiresAt && new Date(record.expiresAt) <= now) {
      throw new InputError(
        `Key "${record.name}" expired on ${record.expiresAt}: generate a new key, or import it again with a later --expires.`,
      );
    }
    return { alg: record.alg, kid: record.kid, key: await this.cachedKey(record) };
  }

  /** What verifies this key's tokens: the public key, or for HMAC the shared secret. Expiry only stops signing. */
  async verifier(record: KeyRecord): Promise<VerificationKey> {
    let key: CryptoKey | KeyObject;
    if (record.publicJwk) {
      key = createPublicKey({ key: record.publicJwk, format: 'jwk' });
    } else {
      key = await this.cachedKey(record);
    }
    return { kid: record.kid, alg: record.alg, key };
  }

  /**
   * An HMAC secret as the text a server's settings take (Ant Media's jwtStreamSecretKey). Only for
   * printable secrets; the caller puts it where the user asked (a 0600 file, the clipboard).
   */
  async sharedSecretText(record: KeyRecord): Promise<string> {
    if (record.publicJwk) {
      throw new InputError(
        `"${record.name}" is an ${record.alg} key pair: its private part never leaves the keychain. Share its public key instead.`,
      );
    }
    const secret = await this.secrets.read(this.accountOf(record));
    if (secret === null)
      throw new SecretMissingError(
        `The secret of "${record.name}" is missing from the keychain: import it again.`,
      );
    const text = Buffer.from(secret).toString('utf8');
    secret.fill(0);
    if (!/^[\x21-\x7e]+$/.test(text)) {
      throw new InputError(
        `The secret of "${record.name}" is binary, not text, so it cannot be pasted into a server's settings: generate a printable one.`,
      );
    }
    return text;
  }

  /** Null when the keychain answers; otherwise the message that says how to fix it. */
  async keychainProblem(): Promise<string | null> {
    try {
      await this.secrets.read(`${this.vaultId}:probe`);
      return null;
    } catch (error) {
      if (error instanceof KeychainUnavailableError) return error.message;
      throw error;
    }
  }

  /** Provider credentials (API tokens, service JWTs): the secret in the keychain, the name in the database. */
  async setCredential(name: string, secret: string): Promise<void> {
    checkCredentialName(name);
    if (secret.trim() === '') throw new InputError(`The credential "${name}" is empty.`);
    await this.secrets.write(
      this.credentialAccount(name),
      new Uint8Array(Buffer.from(secret.trim(), 'utf8')),
    );
    this.write(() =>
      this.database.db
        .prepare('INSERT OR IGNORE INTO credentials (name, created_at) VALUES (?, ?)')
        .run(name, new Date().toISOString()),
    );
  }

  async credential(name: string): Promise<string> {
    checkCredentialName(name);
    const secret = await this.secrets.read(this.credentialAccount(name));
    if (secret === null) {
      throw new NotFoundError(
        `No credential "${name}" is stored: add it with "keycast credentials set ${name}" (the secret is read from standard input).`,
      );
    }
    return Buffer.from(secret).toString('utf8');
  }

  credentialNames(): string[] {
    return this.read(() =>
      (
        this.database.db.prepare('SELECT name FROM credentials ORDER BY name').all() as {
          name: string;
        }[]
      ).map((row) => row.name),
    );
  }

  async deleteCredential(name: string): Promise<void> {
    checkCredentialName(name);
    const deleted = this.write(
      () => this.database.db.prepare('DELETE FROM credentials WHERE name = ?').run(name).changes,
    );
    if (Number(deleted) === 0) throw new NotFoundError(`No credential "${name}" is stored.`);
    await this.secrets.remove(this.credentialAccount(name));
  }

  credentialAccount(name: string): string {
    return `${this.vaultId}:credential:${name}`;
  }

  /** A change in one transaction; a clash with another key is named, other failures are one sentence. */
  write<T>(change: () => T, record?: KeyRecord): T {
    try {
      return this.database.transaction(change);
    } catch (error) {
      if (!isConstraintViolation(error)) throw error;
      throw (record && this.clashError(error, record)) ?? storageFailure(this.database.path, error);
    }
  }

  private read<T>(query: () => T): T {
    return this.database.read(query);
  }

  /** The key that already uses this record's name, kid, id or public key, as a refusal. */
  private refuseClash(record: KeyRecord): void {
    const error = this.clashError(null, record);
    if (error) throw error;
  }

  private clashError(cause: unknown, record: KeyRecord): InputError | null {
    const others = this.list().filter((k) => k.id !== record.id);
    const sameKey = record.publicJwk
      ? others.find((k) => k.publicJwk && sameKeyPair(k, record))
      : undefined;
    if (sameKey) {
      return new InputError(
        `This key is already in the vault as "${sameKey.name}" (${sameKey.id}).`,
        { cause },
      );
    }
    for (const [label, value] of [
      ['name', record.name],
      ['kid', record.kid],
    ] as const) {
      const clash = others.find((k) => k.id === value || k.kid === value || k.name === value);
      if (clash) {
        return new InputError(
          `The ${label} "${value}" is already used by key "${clash.name}": choose another --${label}.`,
          { cause },
        );
      }
    }
    return null;
  }

  private cachedKey(record: KeyRecord): Promise<CryptoKey> {
    let key = this.signers.get(record.id);
    if (!key) {
      key = this.loadSigningKey(record);
      this.signers.set(record.id, key);
      key.catch(() => this.signers.delete(record.id));
    }
    return key;
  }

  private async loadSigningKey(record: KeyRecord): Promise<CryptoKey> {
    const secret = await this.secrets.read(this.accountOf(record));
    if (secret === null) throw missingSecret(record);
    // An item swapped behind Keycast's back must not sign tokens that never verify.
    checkKeychainItem(record, secret);
    return importSigningKey(record.alg, secret);
  }
}

interface NamedSecret {
  /** Its row in `meta`, naming the keychain account. */
  meta: string;
  /** The middle of its keychain account name. */
  label: string;
}

const LINK_KEY: NamedSecret = { meta: 'links_key_account', label: 'links-key' };
const ACTIVITY_KEY: NamedSecret = { meta: 'activity_key_account', label: 'activity-key' };

/** What an activity record says about a key. */
function keyFacts(record: KeyRecord): { keyId: string; kid: string; provider: string | null } {
  return { keyId: record.id, kid: record.kid, provider: record.provider };
}

function missingSecret(record: KeyRecord): SecretMissingError {
  return new SecretMissingError(
    `The private key of "${record.name}" is missing from the system keychain (it was removed there, the keychain is locked, or this data folder came from another machine): unlock the keychain, or import the key again and delete this record.`,
  );
}

function checkCredentialName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new InputError(
      `"${name}" is not a credential name: use letters, digits, ".", "_" or "-", for example kinescope.`,
    );
  }
}

function defaultKid(material: KeyMaterial): string {
  // A thumbprint of an HMAC key would be a hash of the secret, which invites offline guessing of
  // short text secrets (Ant Media's are plain strings): shared secrets get a random kid instead.
  return material.publicJwk
    ? thumbprintOf(material.publicJwk)
    : randomBytes(16).toString('base64url');
}

function sameKeyPair(a: KeyRecord, b: KeyRecord): boolean {
  const x = a.publicJwk as Record<string, unknown> | null;
  const y = b.publicJwk as Record<string, unknown> | null;
  if (!x || !y) return false;
  return ['kty', 'n', 'e', 'crv', 'x', 'y'].every((member) => x[member] === y[member]);
}

function checkLabel(label: 'name' | 'kid', value: string): void {
  // Names are for people and may hold spaces; kids travel in token headers and may not.
  const forbidden = label === 'kid' ? /[\s\p{Cc}]/u : /\p{Cc}/u;
  if (
    value.length === 0 ||
    value.length > MAX_LABEL ||
    value.trim() !== value ||
    forbidden.test(value)
  ) {
    const rule = label === 'kid' ? 'without spaces' : 'with no leading or trailing space';
    throw new InputError(
      `The ${label} "${value}" is not usable: use 1 to ${MAX_LABEL} printable characters ${rule}.`,
    );
  }
}
