import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import type { KeyRecord } from '../../../shared/keyRecord.ts';
import {
  InputError,
  KeychainUnavailableError,
  NotFoundError,
  SecretMissingError,
  StorageError,
} from '../errors.ts';
import type { CryptoKey, KeyMaterial } from '../keys/material.ts';
import { thumbprintOf, toPublicJwk } from '../keys/publicJwk.ts';
import { importSigningKey } from '../keys/signingKey.ts';
import type { Signer } from '../tokens/mint.ts';
import type { VerificationKey } from '../tokens/verify.ts';
import { MetadataStore } from './metadataStore.ts';
import { OsKeychain, type SecretStore } from './secretStore.ts';

export interface VaultOptions {
  dataDir: string;
  /** Defaults to the OS keychain. */
  secrets?: SecretStore;
  /** Where recovery warnings go (stderr in the CLI). */
  warn?: (message: string) => void;
  /** Defaults to the metadata file in `dataDir`; tests pass one that fails on purpose. */
  metadata?: MetadataStore;
}

export interface NewKeyOptions {
  name?: string;
  kid?: string;
  expiresAt?: string | null;
  provider?: string | null;
  notes?: string;
  attributes?: Record<string, string>;
}

export type KeyHealth = 'active' | 'expired' | 'retired' | 'secret missing';

const MAX_LABEL = 200;

/**
 * The key vault: records in the metadata file, private material in the keychain under
 * account `<vaultId>:<keyId>`. Signing keys are imported once per process as
 * non-extractable CryptoKeys.
 */
export class Vault {
  readonly dataDir: string;
  private readonly store: MetadataStore;
  private readonly secrets: SecretStore;
  private readonly signers = new Map<string, Promise<CryptoKey>>();

  constructor(options: VaultOptions) {
    this.dataDir = options.dataDir;
    this.secrets = options.secrets ?? new OsKeychain();
    this.store =
      options.metadata ?? new MetadataStore(options.dataDir, options.warn ?? (() => undefined));
  }

  get metadataPath(): string {
    return this.store.path;
  }

  list(): KeyRecord[] {
    return this.store.keys();
  }

  /** Finds a key by id, kid or name, in that order of precedence. */
  find(ref: string): KeyRecord {
    const keys = this.list();
    const found =
      keys.find((k) => k.id === ref) ??
      keys.find((k) => k.kid === ref) ??
      keys.find((k) => k.name === ref);
    if (!found) {
      throw new NotFoundError(
        `No key "${ref}" in ${this.dataDir}: run "keycast keys list" to see the keys.`,
      );
    }
    return found;
  }

  accountOf(record: KeyRecord): string {
    return `${this.store.vaultId}:${record.id}`;
  }

  /** Stores a new key. The keychain is written first; if the record cannot be saved, the secret is removed again. */
  async add(material: KeyMaterial, options: NewKeyOptions = {}): Promise<KeyRecord> {
    const keys = this.list();
    const id = uniqueId(keys);
    const kid = options.kid ?? material.suggestedKid ?? defaultKid(material);
    const name = options.name ?? `${material.alg.toLowerCase()}-${id.slice(0, 6)}`;
    checkLabel('name', name);
    checkLabel('kid', kid);
    const duplicate = material.publicJwk
      ? keys.find((k) => k.publicJwk && sameKey(k, material))
      : undefined;
    if (duplicate)
      throw new InputError(
        `This key is already in the vault as "${duplicate.name}" (${duplicate.id}).`,
      );
    for (const [label, value] of [
      ['name', name],
      ['kid', kid],
    ] as const) {
      const clash = keys.find((k) => k.id === value || k.kid === value || k.name === value);
      if (clash) {
        throw new InputError(
          `The ${label} "${value}" is already used by key "${clash.name}": choose another --${label}.`,
        );
      }
    }
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
    await this.secrets.write(this.accountOf(record), material.secret);
    try {
      this.store.saveKeys([...keys, record]);
    } catch (error) {
      await this.secrets.remove(this.accountOf(record)).catch(() => false);
      throw error instanceof StorageError
        ? error
        : new StorageError('The key record could not be saved.', { cause: error });
    }
    return record;
  }

  /** Replaces a record's metadata (uploads, attributes, notes); never its key material. */
  update(record: KeyRecord): KeyRecord {
    const keys = this.list();
    const index = keys.findIndex((k) => k.id === record.id);
    if (index < 0) throw new NotFoundError(`No key "${record.id}" to update.`);
    const current = keys[index]!;
    if (current.publicJwk?.kid !== record.publicJwk?.kid || current.alg !== record.alg) {
      throw new InputError('A key record update cannot change its algorithm or public key.');
    }
    keys[index] = record;
    this.store.saveKeys(keys);
    return record;
  }

  /**
   * Deletes the secret first: if the keychain refuses, nothing has changed. A key whose public
   * part is still uploaded to a provider is refused unless `evenIfUploaded` (SECURITY.md §26).
   */
  async remove(ref: string, options: { evenIfUploaded?: boolean } = {}): Promise<KeyRecord> {
    const record = this.find(ref);
    const uploads = record.uploads ?? [];
    if (uploads.length > 0 && !options.evenIfUploaded) {
      const where = uploads.map((u) => `${u.provider} (${u.remoteId})`).join(', ');
      throw new InputError(
        `Key "${record.name}" is still uploaded to ${where}: delete it there first, so tokens stop being accepted, or confirm with --force.`,
      );
    }
    await this.secrets.remove(this.accountOf(record));
    this.store.saveKeys(this.list().filter((k) => k.id !== record.id));
    this.signers.delete(record.id);
    return record;
  }

  async health(record: KeyRecord, now = new Date()): Promise<KeyHealth> {
    if (record.status === 'retired') return 'retired';
    if ((await this.secrets.read(this.accountOf(record))) === null) return 'secret missing';
    if (record.expiresAt && new Date(record.expiresAt) <= now) return 'expired';
    return 'active';
  }

  /** The key, ready to sign: loaded from the keychain once, then reused. */
  async signer(record: KeyRecord, now = new Date()): Promise<Signer> {
    if (record.status === 'retired') {
      throw new InputError(
        `Key "${record.name}" is retired and no longer signs: use a current key.`,
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
      await this.secrets.read(`${this.store.vaultId}:probe`);
      return null;
    } catch (error) {
      if (error instanceof KeychainUnavailableError) return error.message;
      throw error;
    }
  }

  /** Provider credentials (API tokens, service JWTs): the secret in the keychain, the name in the metadata file. */
  async setCredential(name: string, secret: string): Promise<void> {
    checkCredentialName(name);
    if (secret.trim() === '') throw new InputError(`The credential "${name}" is empty.`);
    await this.secrets.write(
      this.credentialAccount(name),
      new Uint8Array(Buffer.from(secret.trim(), 'utf8')),
    );
    const names = this.store.credentialNames();
    if (!names.includes(name)) this.store.saveCredentialNames([...names, name].sort());
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
    return this.store.credentialNames();
  }

  async deleteCredential(name: string): Promise<void> {
    checkCredentialName(name);
    const names = this.store.credentialNames();
    if (!names.includes(name)) throw new NotFoundError(`No credential "${name}" is stored.`);
    await this.secrets.remove(this.credentialAccount(name));
    this.store.saveCredentialNames(names.filter((n) => n !== name));
  }

  templates(): unknown[] {
    return this.store.templates();
  }

  saveTemplates(templates: unknown[]): void {
    this.store.saveTemplates(templates);
  }

  private credentialAccount(name: string): string {
    return `${this.store.vaultId}:credential:${name}`;
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
    if (secret === null) {
      throw new SecretMissingError(
        `The private key of "${record.name}" is missing from the system keychain (it was removed there, the keychain is locked, or this data folder came from another machine): unlock the keychain, or import the key again and delete this record.`,
      );
    }
    return importSigningKey(record.alg, secret);
  }
}

function checkCredentialName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new InputError(
      `"${name}" is not a credential name: use letters, digits, ".", "_" or "-", for example kinescope.`,
    );
  }
}

function uniqueId(keys: readonly KeyRecord[]): string {
  for (;;) {
    const id = randomBytes(8).toString('hex');
    if (!keys.some((k) => k.id === id)) return id;
  }
}

function defaultKid(material: KeyMaterial): string {
  // A thumbprint of an HMAC key would be a hash of the secret, which invites offline guessing of
  // short text secrets (Ant Media's are plain strings): shared secrets get a random kid instead.
  return material.publicJwk
    ? thumbprintOf(material.publicJwk)
    : randomBytes(16).toString('base64url');
}

function sameKey(record: KeyRecord, material: KeyMaterial): boolean {
  const a = record.publicJwk as Record<string, unknown> | null;
  const b = material.publicJwk as Record<string, unknown> | null;
  if (!a || !b) return false;
  return ['kty', 'n', 'e', 'crv', 'x', 'y'].every((member) => a[member] === b[member]);
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
