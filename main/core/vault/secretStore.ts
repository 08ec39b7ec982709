import { AsyncEntry, findCredentialsAsync } from '@napi-rs/keyring';
import { InputError, KeychainUnavailableError } from '../errors.ts';

/** Where private material lives. The only implementation that ships is the OS keychain. */
export interface SecretStore {
  read(account: string): Promise<Uint8Array | null>;
  write(account: string, secret: Uint8Array): Promise<void>;
  /** Resolves false when there was nothing to delete. */
  remove(account: string): Promise<boolean>;
  /** Every account under Keycast's service, where the keychain can list them. */
  accounts?(): Promise<string[]>;
}

export const KEYCHAIN_SERVICE = 'keycast';

/** Windows Credential Manager refuses blobs larger than this; every supported key fits. */
export const KEYCHAIN_ITEM_LIMIT = 2560;

const FIX_BY_PLATFORM: Partial<Record<NodeJS.Platform, string>> = {
  linux:
    'on Linux start and unlock a Secret Service such as gnome-keyring (on a server: dbus-run-session, then gnome-keyring-daemon --unlock)',
  darwin: 'unlock the login keychain in Keychain Access and try again',
  win32: 'make sure Windows Credential Manager is running for this user',
};

export function keychainUnavailable(cause: unknown): KeychainUnavailableError {
  const detail = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  const fix = FIX_BY_PLATFORM[process.platform] ?? 'start the system keychain and try again';
  return new KeychainUnavailableError(
    `The system keychain is not available (${detail}): ${fix}. Keycast never stores keys anywhere weaker.`,
    { cause },
  );
}

/**
 * The OS keychain through @napi-rs/keyring. On Linux the entry is pinned to the Secret Service:
 * the library's default would silently fall back to the kernel keyring, which forgets
 * everything at logout.
 */
export class OsKeychain implements SecretStore {
  private readonly service: string;

  constructor(service: string = KEYCHAIN_SERVICE) {
    this.service = service;
  }

  /** Runs one keychain call; every failure becomes the one clear "keychain unavailable" error. */
  private async call<T>(account: string, op: (entry: AsyncEntry) => Promise<T>): Promise<T> {
    try {
      // With no D-Bus session at all, the constructor itself throws: it belongs inside the try.
      const entry = new AsyncEntry(this.service, account, { linux: { store: 'secret-service' } });
      return await op(entry);
    } catch (cause) {
      throw keychainUnavailable(cause);
    }
  }

  async read(account: string): Promise<Uint8Array | null> {
    const secret = await this.call(account, (entry) => entry.getSecret());
    if (secret === null) return null;
    const copy = Uint8Array.from(secret);
    secret.fill(0);
    return copy;
  }

  async write(account: string, secret: Uint8Array): Promise<void> {
    if (secret.length > KEYCHAIN_ITEM_LIMIT) {
      throw new InputError(
        `This secret is ${secret.length} bytes; a keychain item holds at most ${KEYCHAIN_ITEM_LIMIT} bytes on every system Keycast supports: use a shorter secret or a smaller key.`,
      );
    }
    await this.call(account, (entry) => entry.setSecret(secret));
  }

  remove(account: string): Promise<boolean> {
    return this.call(account, (entry) => entry.deleteCredential());
  }

  /**
   * The accounts of every item under the service. The library hands the secrets back too (as
   * strings): only the account names are kept.
   */
  async accounts(): Promise<string[]> {
    try {
      return (await findCredentialsAsync(this.service)).map((c) => c.account);
    } catch (cause) {
      throw keychainUnavailable(cause);
    }
  }
}
