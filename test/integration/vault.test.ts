import { createPrivateKey } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ALGORITHMS, familyOf, type Algorithm } from '../../shared/algorithms.ts';
import { KeychainUnavailableError, SecretMissingError } from '../../main/core/errors.ts';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { mintToken } from '../../main/core/tokens/mint.ts';
import { inspectToken } from '../../main/core/tokens/inspect.ts';
import {
  KEYCHAIN_ITEM_LIMIT,
  OsKeychain,
  type SecretStore,
} from '../../main/core/vault/secretStore.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { tempHome } from '../helpers/cli.ts';

/** The real OS keychain (gnome-keyring in a private D-Bus session, see test/keyring-session.sh). */
const keychain = new OsKeychain();
const created: { vault: Vault; ids: string[] }[] = [];

function newVault(secrets: SecretStore = keychain): Vault {
  const vault = new Vault({ dataDir: tempHome(), secrets });
  created.push({ vault, ids: [] });
  return vault;
}

afterEach(async () => {
  // Leave nothing behind in the keychain.
  for (const { vault } of created.splice(0)) {
    for (const record of vault.list()) await vault.remove(record.id).catch(() => undefined);
  }
});

describe('Vault on the real OS keychain', () => {
  it('stores the private key as binary PKCS#8 DER under service "keycast", account "<vaultId>:<keyId>"', async () => {
    const vault = newVault();
    const record = await vault.add(await generateKeyMaterial('ES256'), { name: 'cam' });
    const account = vault.accountOf(record);
    expect(account).toMatch(new RegExp(`^[A-Za-z0-9_-]{16}:${record.id}$`));
    const stored = await keychain.read(account);
    expect(stored).not.toBeNull();
    const key = createPrivateKey({ key: Buffer.from(stored!), format: 'der', type: 'pkcs8' });
    expect(key.asymmetricKeyType).toBe('ec');
  });

  it.each(ALGORITHMS.map((alg) => [alg] as [Algorithm]))(
    'fits a %s key (largest size) in one 2,560-byte keychain item',
    async (alg) => {
      const vault = newVault();
      const bits = familyOf(alg) === 'RSA' ? 4096 : undefined;
      const record = await vault.add(await generateKeyMaterial(alg, { bits }));
      const stored = await keychain.read(vault.accountOf(record));
      expect(stored!.length).toBeGreaterThan(0);
      expect(stored!.length).toBeLessThanOrEqual(KEYCHAIN_ITEM_LIMIT);
    },
  );

  it('finds keys by id, kid or name; two data folders never share keychain accounts', async () => {
    const a = newVault();
    const b = newVault();
    const ra = await a.add(await generateKeyMaterial('HS256'), { name: 'same', kid: 'same-kid' });
    const rb = await b.add(await generateKeyMaterial('HS256'), { name: 'same', kid: 'same-kid' });
    expect(a.find(ra.id)).toEqual(ra);
    expect(a.find('same-kid')).toEqual(ra);
    expect(a.find('same')).toEqual(ra);
    expect(a.accountOf(ra)).not.toBe(b.accountOf(rb));
    await b.remove(rb.id);
    expect(await a.health(ra)).toBe('active');
  });

  it('refuses duplicate names, kids and keys', async () => {
    const vault = newVault();
    const material = await generateKeyMaterial('EdDSA');
    await vault.add(material, { name: 'one' });
    await expect(vault.add(await generateKeyMaterial('EdDSA'), { name: 'one' })).rejects.toThrow(
      /name "one" is already used/,
    );
    const first = vault.list()[0]!;
    await expect(vault.add(await generateKeyMaterial('EdDSA'), { kid: first.kid })).rejects.toThrow(
      /kid .* already used/,
    );
    await expect(vault.add(material, { name: 'again' })).rejects.toThrow(
      /already in the vault as "one"/,
    );
    await expect(
      vault.add(await generateKeyMaterial('EdDSA'), { kid: 'has space' }),
    ).rejects.toThrow(/without spaces/);
  });

  it('signs with a non-extractable key loaded once per process', async () => {
    const vault = newVault();
    const record = await vault.add(await generateKeyMaterial('RS256'));
    const first = await vault.signer(record);
    const second = await vault.signer(record);
    expect(first.key).toBe(second.key);
    expect(first.key.extractable).toBe(false);
    const { token } = await mintToken(first, { ttlSeconds: 60 });
    const result = await inspectToken(token, { keys: [await vault.verifier(record)] });
    expect(result).toMatchObject({ valid: true, verified: true });
  });

  it('shows "secret missing" when the keychain item is gone, and says what to do when signing', async () => {
    const vault = newVault();
    const record = await vault.add(await generateKeyMaterial('HS512'), { name: 'gone' });
    await keychain.remove(vault.accountOf(record));
    expect(await vault.health(record)).toBe('secret missing');
    await expect(vault.signer(record)).rejects.toThrow(SecretMissingError);
    await expect(vault.signer(record)).rejects.toThrow(/import the key again/);
  });

  it('keeps no record when the keychain write fails', async () => {
    const failing: SecretStore = {
      read: (account) => keychain.read(account),
      write: () =>
        Promise.reject(
          new KeychainUnavailableError('The system keychain is not available (test).'),
        ),
      remove: (account) => keychain.remove(account),
    };
    const vault = newVault(failing);
    await expect(vault.add(await generateKeyMaterial('ES384'))).rejects.toThrow(
      KeychainUnavailableError,
    );
    expect(vault.list()).toEqual([]);
  });

  it('removes the keychain item again when the record cannot be saved', async () => {
    let account = '';
    const spy: SecretStore = {
      read: (a) => keychain.read(a),
      write: (a, secret) => {
        account = a;
        return keychain.write(a, secret);
      },
      remove: (a) => keychain.remove(a),
    };
    const vault = newVault(spy);
    // The row write fails after the keychain write (as a full disk or a crash would).
    vault.database.db.exec(
      "CREATE TEMP TRIGGER fail_insert BEFORE INSERT ON keys BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END",
    );
    await expect(vault.add(await generateKeyMaterial('ES256'))).rejects.toThrow(
      /could not use its database .*disk I\/O error/,
    );
    expect(account).not.toBe('');
    expect(await keychain.read(account)).toBeNull();
    expect(vault.list()).toEqual([]);
  });

  it('deletes the keychain item with the record', async () => {
    const vault = newVault();
    const record = await vault.add(await generateKeyMaterial('HS256'));
    const account = vault.accountOf(record);
    await vault.remove(record.name);
    expect(vault.list()).toEqual([]);
    expect(await keychain.read(account)).toBeNull();
  });

  it('writes no private byte to the data folder', async () => {
    const vault = newVault();
    const records = [];
    for (const alg of ['RS256', 'ES256', 'EdDSA', 'HS256'] as const)
      records.push(await vault.add(await generateKeyMaterial(alg)));
    const files = readdirSync(vault.dataDir).map((f) => readFileSync(join(vault.dataDir, f)));
    for (const record of records) {
      const secret = Buffer.from((await keychain.read(vault.accountOf(record)))!);
      // The stored bytes in their usual spellings, and every private member on its own.
      const needles = [
        secret,
        ...(['base64', 'base64url', 'hex'] as const).map((enc) =>
          Buffer.from(secret.toString(enc)),
        ),
      ];
      if (record.publicJwk) {
        const jwk = createPrivateKey({ key: secret, format: 'der', type: 'pkcs8' }).export({
          format: 'jwk',
        });
        for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) {
          const value = jwk[member];
          if (value) needles.push(Buffer.from(value), Buffer.from(value, 'base64url'));
        }
      }
      for (const file of files)
        for (const needle of needles) expect(file.includes(needle)).toBe(false);
    }
  });
});
