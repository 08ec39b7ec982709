import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { ALGORITHMS, familyOf } from '../../shared/algorithms.ts';
import type { KeyRecord } from '../../shared/keyRecord.ts';
import { generateKeyMaterial } from '../../main/core/keys/generate.ts';
import { toPublicJwk, thumbprintOf } from '../../main/core/keys/publicJwk.ts';
import { DATABASE_FILE } from '../../main/core/store/database.ts';
import { SCHEMA_VERSION } from '../../main/core/store/schema.ts';
import { SNAPSHOT_FILE } from '../../main/core/store/recovery.ts';
import { mintToken } from '../../main/core/tokens/mint.ts';
import { inspectToken } from '../../main/core/tokens/inspect.ts';
import type { diagnose } from '../../main/core/vault/doctor.ts';
import { OsKeychain } from '../../main/core/vault/secretStore.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { runCli, tempHome } from '../helpers/cli.ts';
import { matching } from '../helpers/match.ts';

const keychain = new OsKeychain();
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

async function signsAndVerifies(vault: Vault, record: KeyRecord): Promise<boolean> {
  const { token } = await mintToken(await vault.signer(record), { ttlSeconds: 60 });
  return (await inspectToken(token, { keys: [await vault.verifier(record)] })).valid;
}

/**
 * A data folder as Keycast 0.1 left it: keycast.json (conf, records without secrets) and its .bak,
 * the private parts in the keychain under `<vaultId>:<id>`.
 */
async function legacyFolder(): Promise<{ home: string; vaultId: string; good: KeyRecord[] }> {
  const home = tempHome();
  const vaultId = `legacy${Date.now().toString(36)}`;
  const good: KeyRecord[] = [];
  for (const [index, alg] of ALGORITHMS.entries()) {
    const material = await generateKeyMaterial(alg);
    const id = `0000000000000${index.toString(16).padStart(3, '0')}`;
    const kid = material.publicJwk ? thumbprintOf(material.publicJwk) : `hmac-${index}`;
    good.push({
      id,
      name: `old-${alg.toLowerCase()}`,
      alg,
      kid,
      publicJwk: material.publicJwk ? toPublicJwk(material.publicJwk, kid, alg) : null,
      createdAt: '2026-01-02T03:04:05.000Z',
      expiresAt: null,
      provider: familyOf(alg) === 'RSA' ? 'kinescope' : null,
      notes: 'from 0.1',
      status: 'active',
      ...(alg === 'RS256'
        ? {
            uploads: [
              {
                provider: 'kinescope',
                remoteId: 'remote-1',
                uploadedAt: '2026-01-02T03:04:05.000Z',
                expiresAt: '2027-01-01T00:00:00.000Z',
              },
            ],
            attributes: { applicationId: 'app-1' },
          }
        : {}),
    });
    await keychain.write(`${vaultId}:${id}`, material.secret);
  }
  const newer = {
    ...good[0]!,
    id: 'newer-member',
    name: 'from-newer',
    kid: 'k-newer',
    publicJwk: null,
    alg: 'HS256',
    rotation: { next: 'x' },
  };
  await keychain.write(`${vaultId}:newer-member`, (await generateKeyMaterial('HS256')).secret);
  const badAlg = { ...good[1]!, id: 'bad-alg', name: 'bad-alg', kid: 'k-bad', alg: 'RS1' };
  await keychain.write(`${vaultId}:bad-alg`, (await generateKeyMaterial('RS384')).secret);
  const file = {
    vaultId,
    keys: [...good, newer, badAlg],
    credentials: ['kinescope'],
    templates: [
      { name: 'ok', alg: 'HS256', claims: { sub: '{user}' }, ttl: { default: 60, max: 600 } },
      { name: 'broken', alg: 'HS256', claims: {}, ttl: { default: 60, max: 1e15 } },
    ],
  };
  await keychain.write(
    `${vaultId}:credential:kinescope`,
    Buffer.from('0b7d4c5e-1111-4222-8333-944455556666'),
  );
  writeFileSync(join(home, 'keycast.json'), JSON.stringify(file, null, '\t'), { mode: 0o600 });
  writeFileSync(join(home, 'keycast.json.bak'), JSON.stringify(file), { mode: 0o600 });
  good.push({ ...(newer as unknown as KeyRecord) });
  return { home, vaultId, good };
}

describe('the local database', () => {
  it('is created with mode 0600, WAL, foreign keys and the schema version', () => {
    const vault = new Vault({ dataDir: tempHome() });
    const path = join(vault.dataDir, DATABASE_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(vault.dataDir).mode & 0o777).toBe(0o700);
    const db = vault.database.db;
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(db.prepare('PRAGMA foreign_keys').get()).toEqual({ foreign_keys: 1 });
    expect(vault.database.schemaVersion).toBe(SCHEMA_VERSION);
  });

  it('refuses a database written by a newer Keycast, in one sentence, and changes nothing', async () => {
    const home = tempHome();
    new Vault({ dataDir: home }).database.db.exec('PRAGMA user_version = 99');
    const path = join(home, DATABASE_FILE);
    const before = sha(path);
    const result = await runCli(['keys', 'list'], { home });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `written by a newer Keycast (database schema 99; this version knows up to ${SCHEMA_VERSION}): update Keycast`,
    );
    expect(sha(path)).toBe(before);
  });

  it('moves a damaged database aside and restores the last good snapshot, with a warning', async () => {
    const home = tempHome();
    const made = await runCli(['keys', 'generate', '--alg', 'ES256', '--name', 'kept'], { home });
    expect(made.code, made.stderr).toBe(0);
    expect(existsSync(join(home, SNAPSHOT_FILE))).toBe(true);
    const path = join(home, DATABASE_FILE);
    const bytes = readFileSync(path);
    bytes.fill(0x41, 0, 100); // the header and the start of the first page
    writeFileSync(path, bytes);
    const listed = await runCli(['keys', 'list', '--json'], { home });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr).toMatch(
      /was damaged: it was moved to .*keycast\.db\.damaged-.* and the last good snapshot \(\d{4}-\d\d-\d\dT.*\) was restored\. Changes made after it may need to be made again/,
    );
    expect((JSON.parse(listed.stdout) as KeyRecord[]).map((k) => k.name)).toEqual(['kept']);
    expect(readdirSync(home).some((f) => f.startsWith('keycast.db.damaged-'))).toBe(true);
    const minted = await runCli(['token', 'mint', 'kept'], { home });
    expect(minted.code, minted.stderr).toBe(0);
    await runCli(['keys', 'delete', 'kept', '--yes'], { home });
  });

  it('without a snapshot, leaves a damaged database in place and says what to do, never starting empty', async () => {
    const home = tempHome();
    const path = join(home, DATABASE_FILE);
    writeFileSync(path, 'this is not a database '.repeat(100), { mode: 0o600 });
    const before = sha(path);
    const result = await runCli(['keys', 'list'], { home });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /is damaged and there is no good snapshot to restore: it was left as it is/,
    );
    expect(sha(path)).toBe(before);
    expect(readdirSync(home).sort()).toEqual([DATABASE_FILE]);
  });

  it('brings back a deleted database from the snapshot rather than making a new vault', async () => {
    const home = tempHome();
    const vault = new Vault({ dataDir: home });
    const record = await vault.add(await generateKeyMaterial('HS256'), { name: 'back' });
    await vault.close();
    for (const suffix of ['', '-wal', '-shm']) {
      const file = join(home, `${DATABASE_FILE}${suffix}`);
      rmSync(file, { force: true });
    }
    const warnings: string[] = [];
    const reopened = new Vault({ dataDir: home, warn: (m) => warnings.push(m) });
    expect(reopened.vaultId).toBe(vault.vaultId);
    expect(reopened.find('back').id).toBe(record.id);
    expect(warnings.join()).toMatch(/was missing; it was restored from the last good snapshot/);
    await reopened.remove(record.id);
  });

  it('takes at most one snapshot a minute while a process keeps changing things, and the one owed at close', async () => {
    const vault = new Vault({ dataDir: tempHome() });
    const snapshot = join(vault.dataDir, SNAPSHOT_FILE);
    const keysIn = (): number => {
      const copy = new DatabaseSync(snapshot, { readOnly: true });
      const { n } = copy.prepare('SELECT count(*) AS n FROM keys').get() as { n: number };
      copy.close();
      return n;
    };
    await vault.add(await generateKeyMaterial('HS256'), { name: 'one' });
    await vault.add(await generateKeyMaterial('HS256'), { name: 'two' });
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the first snapshot land
    expect(keysIn()).toBe(1); // the second change came within the minute: not snapshotted yet
    await vault.close();
    expect(keysIn()).toBe(2); // closing takes the snapshot that change was owed
    const cleanup = new Vault({ dataDir: vault.dataDir });
    for (const r of cleanup.list()) await cleanup.remove(r.id);
  });

  it('restores every key a series of CLI commands made, even within one minute', async () => {
    const home = tempHome();
    for (const name of ['e1', 'e2', 'e3']) {
      const made = await runCli(['keys', 'generate', '--alg', 'ES256', '--name', name], { home });
      expect(made.code, made.stderr).toBe(0);
    }
    const path = join(home, DATABASE_FILE);
    const bytes = readFileSync(path);
    bytes.fill(0x41, 0, 100);
    writeFileSync(path, bytes);
    const listed = await runCli(['keys', 'list', '--json'], { home });
    expect(listed.stderr).toMatch(/was damaged/);
    expect((JSON.parse(listed.stdout) as KeyRecord[]).map((k) => k.name)).toEqual([
      'e1',
      'e2',
      'e3',
    ]);
    const vault = new Vault({ dataDir: home });
    for (const r of vault.list()) await vault.remove(r.id);
  });
});

describe('moving from keycast.json', () => {
  it('imports every record with the same vault id, quarantines the bad one, keeps the old file, and every good key signs', async () => {
    const { home, vaultId, good } = await legacyFolder();
    const listed = await runCli(['keys', 'list', '--json'], { home });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr).toMatch(
      /moved 11 key record\(s\) from keycast\.json into its database; 1 record\(s\) could not be read and are quarantined \(see keycast doctor\); the old file is kept as .*keycast\.json\.migrated-/,
    );
    const names = (JSON.parse(listed.stdout) as { name: string; health: string }[]).map((k) => [
      k.name,
      k.health,
    ]);
    expect(names.map(([n]) => n).sort()).toEqual(good.map((k) => k.name).sort());
    expect(names.every(([, health]) => health === 'active')).toBe(true);
    expect(existsSync(join(home, 'keycast.json'))).toBe(false);
    expect(readdirSync(home).filter((f) => f.includes('.migrated-')).length).toBe(2);

    const vault = new Vault({ dataDir: home });
    expect(vault.vaultId).toBe(vaultId);
    for (const record of vault.list())
      expect(await signsAndVerifies(vault, record), record.name).toBe(true);
    // The unknown member is kept, not dropped.
    expect(vault.storedKeys().find((k) => k.record.name === 'from-newer')?.extra).toEqual({
      rotation: { next: 'x' },
    });
    expect(vault.find('old-rs256')).toMatchObject({
      uploads: [{ provider: 'kinescope', remoteId: 'remote-1' }],
      attributes: { applicationId: 'app-1' },
      notes: 'from 0.1',
    });
    expect(vault.credentialNames()).toEqual(['kinescope']);

    const doctor = await runCli(['doctor', '--json'], { home });
    expect(doctor.code).toBe(1);
    const report = JSON.parse(doctor.stdout) as Awaited<ReturnType<typeof diagnose>>;
    expect(report.vaultId).toBe(vaultId);
    expect(report.quarantined).toEqual([
      expect.objectContaining({
        kind: 'key',
        label: '"bad-alg" (bad-alg)',
        reason: matching(/^alg: /),
      }),
    ]);
    expect(report.brokenTemplates).toEqual([
      { name: 'broken', reason: matching(/ttl\.max must be at most/) },
    ]);
    expect(report.missingSecrets).toEqual([]);
    expect(report.orphanedItems).toEqual([`${vaultId}:bad-alg`]);

    // A second open imports nothing again.
    const again = await runCli(['keys', 'list'], { home });
    expect(again.stderr).toBe('');
    for (const record of vault.list()) await vault.remove(record.id, { evenIfUploaded: true });
    await keychain.remove(`${vaultId}:bad-alg`);
    await keychain.remove(`${vaultId}:credential:kinescope`);
  });

  it('reads the backup when keycast.json itself is damaged, and never makes a new vault id for unreadable files', async () => {
    const { home, vaultId } = await legacyFolder();
    writeFileSync(join(home, 'keycast.json'), '{"vaultId": "trunc');
    const vault = new Vault({ dataDir: home });
    expect(vault.vaultId).toBe(vaultId);
    expect(vault.list()).toHaveLength(ALGORITHMS.length + 1);
    for (const record of vault.list()) await vault.remove(record.id, { evenIfUploaded: true });

    const broken = tempHome();
    writeFileSync(join(broken, 'keycast.json'), 'not json at all');
    const result = await runCli(['keys', 'list'], { home: broken });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /found an older key list .* but cannot read it .*nothing was changed/,
    );
    // The folder is left as it was found: no half-made database.
    expect(readdirSync(broken)).toEqual(['keycast.json']);
  });

  it('quarantines members that are not lists and a second template of the same name, never dropping them', async () => {
    const home = tempHome();
    writeFileSync(
      join(home, 'keycast.json'),
      JSON.stringify({
        vaultId: 'odd-shapes-vault',
        keys: { not: 'a list' },
        credentials: 'kinescope',
        templates: [
          { name: 'twice', alg: 'HS256', claims: {}, ttl: { default: 60, max: 60 } },
          { name: 'twice', alg: 'HS384', claims: {}, ttl: { default: 60, max: 60 } },
        ],
      }),
    );
    const listed = await runCli(['keys', 'list'], { home });
    expect(listed.stderr).toMatch(/3 record\(s\) could not be read and are quarantined/);
    const doctor = JSON.parse((await runCli(['doctor', '--json'], { home })).stdout) as {
      quarantined: { kind: string; reason: string }[];
      vaultId: string;
    };
    expect(doctor.vaultId).toBe('odd-shapes-vault');
    expect(doctor.quarantined.map((q) => [q.kind, q.reason])).toEqual([
      ['keys', '"keys" is not a list'],
      ['credentials', '"credentials" is not a list'],
      ['template', 'a second template named "twice"'],
    ]);
  });
});

describe('a keychain item changed behind Keycast', () => {
  it('is reported when the key is first loaded, instead of signing tokens that never verify (exit 3)', async () => {
    const home = tempHome();
    const vault = new Vault({ dataDir: home });
    const a = await vault.add(await generateKeyMaterial('ES256'), { name: 'a' });
    const other = await generateKeyMaterial('ES256');
    await keychain.write(vault.accountOf(a), other.secret);
    const result = await runCli(['token', 'mint', 'a'], { home });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /The keychain item for "a" does not match its record \(it is not the private half of this key's public key\)/,
    );
    await vault.remove(a.id);
  });
});
