import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { ALGORITHMS, familyOf } from '../../shared/algorithms.ts';
import { keysFromJwks } from '../../main/core/tokens/verify.ts';
import { inspectToken } from '../../main/core/tokens/inspect.ts';
import { saveTemplate, storedTemplates } from '../../main/core/providers/custom.ts';
import { OsKeychain } from '../../main/core/vault/secretStore.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { ROOT, runCli, runProcess, tempHome, type CliResult } from '../helpers/cli.ts';
import { matching } from '../helpers/match.ts';

const PASSPHRASE = 'correct horse battery staple';
const keychain = new OsKeychain();

/** Runs a shell script in a new D-Bus session with a new, empty gnome-keyring: another machine. */
function inFreshKeychain(script: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return runProcess('bash', [join(ROOT, 'test', 'keyring-session.sh'), 'bash', '-c', script], {
    env: { ...process.env, ...env, KEYCAST_TEST_IN_SESSION: '' },
  });
}

async function backupOf(home: string, args: string[] = []): Promise<string> {
  const out = join(home, `backup-${Date.now()}.kcbackup`);
  const result = await runCli(['backup', '--out', out, ...args], {
    home,
    input: `${PASSPHRASE}\n`,
  });
  expect(result.code, result.stderr).toBe(0);
  return out;
}

describe('encrypted backup and restore', () => {
  it('restores on another machine (fresh data folder and keychain) with the same ids and kids; its tokens verify against the JWKs exported before', async () => {
    const home = tempHome();
    for (const alg of ALGORITHMS) {
      const r = await runCli(
        ['keys', 'generate', '--alg', alg, '--name', `k-${alg.toLowerCase()}`],
        { home },
      );
      expect(r.code, r.stderr).toBe(0);
    }
    await runCli(['credentials', 'set', 'nativeframe'], { home, input: 'nf-service-jwt' });
    const templatePath = join(home, 't.json');
    writeFileSync(
      templatePath,
      JSON.stringify({
        name: 'tpl',
        alg: 'HS256',
        claims: { sub: '{u}' },
        ttl: { default: 60, max: 600 },
      }),
    );
    await runCli(['templates', 'add', templatePath], { home });
    const before = JSON.parse((await runCli(['keys', 'list', '--json'], { home })).stdout) as {
      id: string;
      name: string;
      kid: string;
      alg: string;
    }[];
    const asymmetric = before.filter((k) => familyOf(k.alg as never) !== 'oct').map((k) => k.name);
    const jwks = (await runCli(['keys', 'export', ...asymmetric, '--format', 'jwks'], { home }))
      .stdout;

    const out = join(home, 'all.kcbackup');
    const backup = await runCli(['backup', '--out', out], { home, input: `${PASSPHRASE}\n` });
    expect(backup.code, backup.stderr).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    for (const k of before) expect(backup.stdout).toContain(k.kid);
    expect(backup.stdout).toMatch(/credentials nativeframe/);
    expect(backup.stdout).toMatch(/templates {3}tpl/);
    const jwe = readFileSync(out, 'utf8').trim();
    expect(decodeProtectedHeader(jwe)).toMatchObject({
      alg: 'PBES2-HS512+A256KW',
      enc: 'A256GCM',
      p2c: 600_000,
    });
    // No secret in what was printed: not the credential, not a key.
    expect(backup.stdout + backup.stderr).not.toContain('nf-service-jwt');

    const elsewhere = tempHome();
    const script = [
      `printf '%s\\n' "$PASSPHRASE" | node bin/keycast.js restore "$BACKUP" --json`,
      ...before.map((k) => `node bin/keycast.js token mint ${k.name} --ttl 5m`),
      'node bin/keycast.js credentials list --json',
      'node bin/keycast.js templates list --json',
      'node bin/keycast.js keys list --json',
    ].join(' && ');
    const restored = await inFreshKeychain(`cd "${ROOT}" && ${script}`, {
      PASSPHRASE,
      BACKUP: out,
      KEYCAST_HOME: elsewhere,
    });
    expect(restored.code, restored.stderr).toBe(0);
    const lines = restored.stdout.split('\n');
    const tokens = lines.filter((l) => /^ey[\w-]+\.[\w-]+\.[\w-]+$/.test(l));
    expect(tokens).toHaveLength(before.length);
    expect(restored.stdout).toContain('"nativeframe"');
    expect(restored.stdout).toContain('"name": "tpl"');

    const verifiers = keysFromJwks(JSON.parse(jwks));
    const original = new Vault({ dataDir: home });
    for (const [index, key] of before.entries()) {
      const token = tokens[index]!;
      expect(decodeProtectedHeader(token).kid).toBe(key.kid);
      const keys =
        familyOf(key.alg as never) === 'oct'
          ? [await original.verifier(original.find(key.id))]
          : verifiers;
      const result = await inspectToken(token, { keys });
      expect(result.valid, `${key.name}: ${result.errors.join()}`).toBe(true);
    }
    // Same ids and kids in the restored folder.
    const listedAfter = restored.stdout.slice(restored.stdout.lastIndexOf('\n[\n'));
    const after = JSON.parse(listedAfter) as { id: string; kid: string }[];
    expect(after.map((k) => [k.id, k.kid]).sort()).toEqual(before.map((k) => [k.id, k.kid]).sort());
    for (const record of original.list()) await original.remove(record.id);
    await original.deleteCredential('nativeframe');
  });

  it('a wrong passphrase or a damaged file is one sentence, exit 2, and nothing is restored', async () => {
    const home = tempHome();
    await runCli(['keys', 'generate', '--alg', 'ES256', '--name', 'x'], { home });
    const out = await backupOf(home);
    const target = tempHome();
    const wrong = await runCli(['restore', out], {
      home: target,
      input: 'not the passphrase at all\n',
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(
      /^keycast: The passphrase is wrong, or the backup was changed after it was written: nothing was restored\./,
    );
    const text = readFileSync(out, 'utf8');
    const damaged = join(home, 'damaged.kcbackup');
    // One character of the sealed content changed: the AES-GCM tag no longer matches.
    const parts = text.trim().split('.');
    const body = parts[3]!;
    parts[3] = `${body.slice(0, 10)}${body[10] === 'A' ? 'B' : 'A'}${body.slice(11)}`;
    writeFileSync(damaged, parts.join('.'));
    const broken = await runCli(['restore', damaged], { home: target, input: `${PASSPHRASE}\n` });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^keycast: The passphrase is wrong, or the backup was changed/);
    const truncated = join(home, 'truncated.kcbackup');
    writeFileSync(truncated, text.slice(0, 100));
    const cut = await runCli(['restore', truncated], { home: target, input: `${PASSPHRASE}\n` });
    expect(cut.code).toBe(2);
    expect(cut.stderr).toMatch(
      /^keycast: The backup cannot be opened \(it is not an encrypted Keycast backup\)/,
    );
    expect(JSON.parse((await runCli(['keys', 'list', '--json'], { home: target })).stdout)).toEqual(
      [],
    );
    await runCli(['keys', 'delete', 'x', '--yes'], { home });
  });

  it('asks on a terminal without echo: text pasted ahead is kept for the second prompt, arrow keys are ignored', async () => {
    const home = tempHome();
    await runCli(['keys', 'generate', '--alg', 'ES256', '--name', 't'], { home });
    const out = join(home, 'tty.kcbackup');
    // `script` gives the CLI a real terminal; both lines arrive in one chunk, one with a left arrow.
    const typed = `${PASSPHRASE.slice(0, 8)}\x1b[D${PASSPHRASE.slice(8)}\r${PASSPHRASE}\r`;
    const session = await runProcess(
      'bash',
      [
        '-c',
        `(sleep 1; printf '%b' "$TYPED") | script -qec "'${process.execPath}' '${join(ROOT, 'bin', 'keycast.js')}' backup --out '${out}'" /dev/null`,
      ],
      { env: { ...process.env, KEYCAST_HOME: home, TYPED: typed } },
    );
    expect(session.code, session.stdout).toBe(0);
    expect(session.stdout).toContain('Repeat the passphrase:');
    expect(session.stdout).not.toContain(PASSPHRASE);
    const restored = await runCli(['restore', out], { home: tempHome(), input: `${PASSPHRASE}\n` });
    expect(restored.code, restored.stderr).toBe(0);
    const v = new Vault({ dataDir: home });
    for (const r of v.list()) await v.remove(r.id);
  });

  it('refuses a passphrase under 12 characters and never reads it from argv', async () => {
    const home = tempHome();
    const short = await runCli(['backup', '--out', join(home, 'b')], { home, input: 'short\n' });
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/too short: use at least 12 characters/);
    const argv = await runCli(['backup', '--out', join(home, 'b'), '--passphrase', PASSPHRASE], {
      home,
    });
    expect(argv.code).toBe(2);
    expect(argv.stderr).toMatch(/unknown option '--passphrase'/);
  });

  it('restores all or nothing: conflicts refuse the whole restore unless skip or rename is chosen', async () => {
    const home = tempHome();
    await runCli(['keys', 'generate', '--alg', 'ES256', '--name', 'shared-name'], { home });
    await runCli(['keys', 'generate', '--alg', 'HS256', '--name', 'only-in-backup'], { home });
    const out = await backupOf(home);

    const target = tempHome();
    await runCli(['keys', 'generate', '--alg', 'EdDSA', '--name', 'shared-name'], { home: target });
    const refused = await runCli(['restore', out], { home: target, input: `${PASSPHRASE}\n` });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /Nothing was restored: key "shared-name" \(kid .*\) already exists here with different contents\. Choose to skip what clashes or to restore it under a new name \(--on-conflict skip or rename\)\./,
    );
    const vault = new Vault({ dataDir: target });
    expect(vault.list().map((k) => k.name)).toEqual(['shared-name']);
    // No keychain item was written for the refused restore.
    expect(
      (await keychain.accounts()).filter((a) => a.startsWith(`${vault.vaultId}:`)),
    ).toHaveLength(1);

    const skipped = await runCli(['restore', out, '--on-conflict', 'skip', '--json'], {
      home: target,
      input: `${PASSPHRASE}\n`,
    });
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(JSON.parse(skipped.stdout)).toMatchObject({
      keys: [{ name: 'only-in-backup' }],
      skipped: [{ what: matching(/shared-name/) }],
    });

    const again = await runCli(['restore', out, '--on-conflict', 'rename', '--json'], {
      home: target,
      input: `${PASSPHRASE}\n`,
    });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      keys: [{ name: 'shared-name-restored' }],
      renamed: [{ from: 'shared-name', to: 'shared-name-restored' }],
      skipped: [{ what: 'key "only-in-backup"', why: 'already here as "only-in-backup"' }],
    });
    const minted = await runCli(['token', 'mint', 'shared-name-restored'], { home: target });
    expect(minted.code, minted.stderr).toBe(0);
    for (const dir of [home, target]) {
      const v = new Vault({ dataDir: dir });
      for (const r of v.list()) await v.remove(r.id);
    }
  });

  it('puts back the keychain item of a key whose record is here but whose secret was lost', async () => {
    const home = tempHome();
    await runCli(['keys', 'generate', '--alg', 'RS256', '--name', 'lost'], { home });
    const out = await backupOf(home);
    const vault = new Vault({ dataDir: home });
    const record = vault.find('lost');
    await keychain.remove(vault.accountOf(record));
    expect(await vault.health(record)).toBe('secret missing');
    const restored = await runCli(['restore', out, '--json'], { home, input: `${PASSPHRASE}\n` });
    expect(restored.code, restored.stderr).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({
      keys: [{ name: 'lost', kid: record.kid }],
      skipped: [],
    });
    expect(await vault.health(record)).toBe('active');
    const minted = await runCli(['token', 'mint', 'lost'], { home });
    expect(minted.code, minted.stderr).toBe(0);
    await vault.remove(record.id);
  });

  it('4 restores of one backup at once: every key ends up with its secret, the losers say to run it again', async () => {
    const home = tempHome();
    for (let i = 0; i < 4; i += 1)
      await runCli(['keys', 'generate', '--alg', 'ES256', '--name', `p-${i}`], { home });
    const out = await backupOf(home);
    const target = tempHome();
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        runCli(['restore', out], { home: target, input: `${PASSPHRASE}\n` }),
      ),
    );
    expect(results.filter((r) => r.code === 0).length).toBeGreaterThanOrEqual(1);
    for (const r of results.filter((x) => x.code !== 0)) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/the vault changed while restoring .*Run the restore again\./);
    }
    const listed = JSON.parse(
      (await runCli(['keys', 'list', '--json'], { home: target })).stdout,
    ) as {
      health: string;
    }[];
    expect(listed.map((k) => k.health)).toEqual(['active', 'active', 'active', 'active']);
    for (const dir of [home, target]) {
      const v = new Vault({ dataDir: dir });
      for (const r of v.list()) await v.remove(r.id);
    }
  });

  it('restores a hand-made backup holding duplicates once, and keeps renamed names within their limits', async () => {
    const { sealBackup } = await import('../../main/core/backup/format.ts');
    const { generateKeyMaterial } = await import('../../main/core/keys/generate.ts');
    const source = new Vault({ dataDir: tempHome() });
    const longName = 'n'.repeat(200);
    const key = await source.add(await generateKeyMaterial('ES256'), { name: longName });
    const secret = Buffer.from(await source.secretForBackup(key)).toString('base64url');
    const template = {
      name: 't'.repeat(60),
      alg: 'HS256',
      claims: {},
      ttl: { default: 60, max: 60 },
    };
    const content = {
      format: 'keycast-backup' as const,
      version: 1 as const,
      createdAt: new Date().toISOString(),
      vaultId: source.vaultId,
      keys: [
        { record: key, extra: {}, secret },
        { record: key, extra: {}, secret },
      ],
      credentials: [
        { name: 'nativeframe', secret: 'a' },
        { name: 'nativeframe', secret: 'a' },
      ],
      templates: [
        { name: template.name, body: template },
        { name: template.name, body: template },
        { name: 'mismatch', body: { ...template, name: 'other' } },
      ],
    };
    const file = join(tempHome(), 'crafted.kcbackup');
    writeFileSync(file, await sealBackup(content, PASSPHRASE));

    const target = tempHome();
    const first = await runCli(['restore', file, '--json'], {
      home: target,
      input: `${PASSPHRASE}\n`,
    });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      keys: [{ name: longName }],
      credentials: ['nativeframe'],
      templates: [template.name],
      skipped: [
        { what: `key "${longName}"`, why: 'it appears twice in the backup' },
        { what: 'credential "nativeframe"', why: 'it appears twice in the backup' },
        { what: `template "${template.name}"`, why: 'it appears twice in the backup' },
        { what: 'template "mismatch"', why: 'its name does not match its contents' },
      ],
    });
    // Into a vault whose names are taken by other items: renamed within 200 and 64 characters.
    const other = tempHome();
    const otherVault = new Vault({ dataDir: other });
    await otherVault.add(await generateKeyMaterial('ES256'), { name: longName });
    saveTemplate(otherVault, { ...template, alg: 'HS384' });
    const renamed = await runCli(['restore', file, '--on-conflict', 'rename', '--json'], {
      home: other,
      input: `${PASSPHRASE}\n`,
    });
    expect(renamed.code, renamed.stderr).toBe(0);
    const result = JSON.parse(renamed.stdout) as { renamed: { from: string; to: string }[] };
    const names = result.renamed.map((r) => r.to);
    expect(names).toEqual([`${'n'.repeat(191)}-restored`, `${'t'.repeat(55)}-restored`]);
    expect(storedTemplates(otherVault).broken).toEqual([]);
    for (const v of [source, new Vault({ dataDir: target }), otherVault]) {
      for (const r of v.list()) await v.remove(r.id);
      for (const c of v.credentialNames()) await v.deleteCredential(c);
    }
  });

  it('leaves a key whose keychain item is missing out of the backup, names it, and backs up the rest', async () => {
    const home = tempHome();
    await runCli(['keys', 'generate', '--alg', 'ES256', '--name', 'kept'], { home });
    await runCli(['keys', 'generate', '--alg', 'ES256', '--name', 'gone'], { home });
    const vault = new Vault({ dataDir: home });
    await keychain.remove(vault.accountOf(vault.find('gone')));
    const out = join(home, 'partial.kcbackup');
    const result = await runCli(['backup', '--out', out, '--json'], {
      home,
      input: `${PASSPHRASE}\n`,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /Left out of the backup because their keychain item is missing: gone/,
    );
    expect(JSON.parse(result.stdout)).toMatchObject({
      keys: [{ name: 'kept' }],
      missing: ['gone'],
    });
    for (const r of vault.list()) await vault.remove(r.id);
  });

  it('removes the keychain items it wrote when the restore fails half-way', async () => {
    const home = tempHome();
    await runCli(['keys', 'generate', '--alg', 'ES256', '--name', 'a'], { home });
    await runCli(['keys', 'generate', '--alg', 'ES256', '--name', 'b'], { home });
    const out = await backupOf(home);
    const target = new Vault({ dataDir: tempHome() });
    // The rows fail to insert after every keychain item was written.
    target.database.db.exec(
      "CREATE TEMP TRIGGER fail BEFORE INSERT ON keys WHEN NEW.name = 'b' BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END",
    );
    const { restoreBackup } = await import('../../main/core/backup/backup.ts');
    await expect(restoreBackup(target, readFileSync(out, 'utf8'), PASSPHRASE)).rejects.toThrow(
      /^Nothing was restored/,
    );
    expect(target.list()).toEqual([]);
    expect((await keychain.accounts()).filter((a) => a.startsWith(`${target.vaultId}:`))).toEqual(
      [],
    );
    const source = new Vault({ dataDir: home });
    for (const r of source.list()) await source.remove(r.id);
  });
});
