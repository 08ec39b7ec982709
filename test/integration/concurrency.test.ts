import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, createDispatch } from '../../main/core/ipc/dispatch.ts';
import { createAppCore } from '../../main/core/ipc/handlers.ts';
import { SettingsStore } from '../../main/core/ipc/settingsStore.ts';
import { mintToken } from '../../main/core/tokens/mint.ts';
import { inspectToken } from '../../main/core/tokens/inspect.ts';
import { diagnose } from '../../main/core/vault/doctor.ts';
import { OsKeychain } from '../../main/core/vault/secretStore.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { runCli, tempHome } from '../helpers/cli.ts';
import { TestDesktop } from '../helpers/desktop.ts';

const keychain = new OsKeychain();

function appCore(vault: Vault) {
  const core = createAppCore({
    vault,
    settings: new SettingsStore(vault.settings),
    ports: new TestDesktop(),
    version: 'test',
    progress: () => undefined,
  });
  return createDispatch(core.handlers);
}

/** Every key in the vault has its keychain item, and signs a token that verifies. */
async function expectEveryKeyWorks(vault: Vault): Promise<void> {
  for (const record of vault.list()) {
    const signer = await vault.signer(record);
    const { token } = await mintToken(signer, { ttlSeconds: 60 });
    const result = await inspectToken(token, { keys: [await vault.verifier(record)] });
    expect(result.valid, `${record.name} signs and verifies`).toBe(true);
  }
}

async function removeAll(vault: Vault): Promise<void> {
  for (const record of vault.list()) await vault.remove(record.id, { evenIfUploaded: true });
  for (const name of vault.credentialNames()) await vault.deleteCredential(name);
}

describe('many writers at once, on the real keychain', () => {
  it('20 CLI processes mixing every write, with the app generating keys at the same time: every success is one record, every record has its secret, no orphan', async () => {
    const home = tempHome();
    // Keys for the deletes to race on, made before the storm.
    const seeded: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const r = await runCli(['keys', 'generate', '--alg', 'HS256', '--name', `old-${i}`], {
        home,
      });
      expect(r.code, r.stderr).toBe(0);
      seeded.push(`old-${i}`);
    }
    const pemPath = join(home, 'import.pem');
    writeFileSync(
      pemPath,
      generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
    );
    const template = (name: string): string => {
      const path = join(home, `${name}.json`);
      writeFileSync(
        path,
        JSON.stringify({
          name,
          alg: 'HS256',
          claims: { sub: '{user}' },
          ttl: { default: 60, max: 600 },
        }),
      );
      return path;
    };

    type Job = {
      args: string[];
      input?: string;
      expect: 'key' | 'deleted' | 'template' | 'credential';
    };
    const jobs: Job[] = [];
    for (let i = 0; i < 6; i += 1)
      jobs.push({
        args: [
          'keys',
          'generate',
          '--alg',
          i % 2 ? 'ES256' : 'HS256',
          '--name',
          `gen-${i}`,
          '--json',
        ],
        expect: 'key',
      });
    for (let i = 0; i < 3; i += 1)
      jobs.push({
        args: [
          'keys',
          'generate',
          '--alg',
          'HS256',
          '--provider',
          'antmedia',
          '--name',
          `ams-${i}`,
          '--secret-out',
          join(home, `ams-${i}.secret`),
          '--json',
        ],
        expect: 'key',
      });
    // The same file imported three times at once: exactly one may win.
    for (let i = 0; i < 3; i += 1)
      jobs.push({
        args: ['keys', 'import', pemPath, '--name', `imp-${i}`, '--json'],
        expect: 'key',
      });
    // Each seeded key deleted twice at once: exactly one delete each may win.
    for (const name of seeded.slice(0, 2))
      for (let i = 0; i < 2; i += 1)
        jobs.push({ args: ['keys', 'delete', name, '--yes'], expect: 'deleted' });
    for (let i = 0; i < 2; i += 1)
      jobs.push({ args: ['templates', 'add', template(`tpl-${i}`)], expect: 'template' });
    jobs.push({
      args: ['credentials', 'set', 'nativeframe'],
      input: 'service-jwt-value-1',
      expect: 'credential',
    });
    jobs.push({
      args: ['credentials', 'set', 'other'],
      input: 'another-secret-value',
      expect: 'credential',
    });
    expect(jobs).toHaveLength(20);

    const vault = new Vault({ dataDir: home });
    const dispatch = appCore(vault);
    const [results, appKeys] = await Promise.all([
      Promise.all(jobs.map((job) => runCli(job.args, { home, input: job.input }))),
      Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          call(dispatch, 'generateKey', { jobId: `app-${i}`, alg: 'EdDSA', name: `app-${i}` }),
        ),
      ),
    ]);

    const byJob = jobs.map((job, i) => ({ job, result: results[i]! }));
    const failed = byJob.filter(({ result }) => result.code !== 0);
    for (const { result } of failed) {
      // A refusal says why in one sentence, with no stack.
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^keycast: .+\.\n$/);
    }
    const reported = byJob
      .filter(({ job, result }) => job.expect === 'key' && result.code === 0)
      .map(({ result }) => (JSON.parse(result.stdout) as { id: string }).id);
    const imports = byJob.filter(({ job }) => job.args[1] === 'import');
    expect(imports.filter(({ result }) => result.code === 0)).toHaveLength(1);
    for (const { result } of imports.filter(({ result: r }) => r.code !== 0))
      expect(result.stderr).toMatch(/already in the vault/);
    for (const name of seeded.slice(0, 2)) {
      const deletes = byJob.filter(({ job }) => job.args[2] === name);
      expect(
        deletes.filter(({ result }) => result.code === 0),
        `one delete of ${name} wins`,
      ).toHaveLength(1);
    }
    // Every secret file handed out belongs to a key that was kept.
    for (let i = 0; i < 3; i += 1) {
      const secret = readFileSync(join(home, `ams-${i}.secret`), 'utf8').trim();
      const record = vault.find(`ams-${i}`);
      expect(await vault.sharedSecretText(record)).toBe(secret);
    }

    const listed = vault.list();
    const names = listed.map((r) => r.name).sort();
    expect(listed.map((r) => r.id).sort()).toEqual(
      [
        ...reported,
        ...appKeys.map((k) => k.key.id),
        ...listed.filter((r) => r.name.startsWith('old-')).map((r) => r.id),
      ].sort(),
    );
    expect(names).toEqual(
      expect.arrayContaining(['gen-0', 'gen-5', 'ams-2', 'app-0', 'app-4', 'old-2', 'old-3']),
    );
    expect(names).not.toContain('old-0');
    expect(names).not.toContain('old-1');
    expect(
      vault.templateTable
        .all()
        .map((t) => t.name)
        .sort(),
    ).toEqual(['tpl-0', 'tpl-1']);
    expect(vault.credentialNames()).toEqual(['nativeframe', 'other']);
    await expectEveryKeyWorks(vault);
    const report = await diagnose(vault);
    expect(report.missingSecrets).toEqual([]);
    expect(report.orphanedItems).toEqual([]);
    expect(report.healthy).toBe(true);
    await removeAll(vault);
  });

  it('8 parallel deletes of 8 keys: every key is gone, none comes back as "secret missing"', async () => {
    const home = tempHome();
    const vault = new Vault({ dataDir: home });
    const { generateKeyMaterial } = await import('../../main/core/keys/generate.ts');
    for (let i = 0; i < 9; i += 1)
      await vault.add(await generateKeyMaterial('HS256'), { name: `d-${i}` });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => runCli(['keys', 'delete', `d-${i}`, '--yes'], { home })),
    );
    expect(results.map((r) => r.code)).toEqual(Array(8).fill(0));
    const listed = JSON.parse((await runCli(['keys', 'list', '--json'], { home })).stdout) as {
      name: string;
      health: string;
    }[];
    expect(listed).toEqual([expect.objectContaining({ name: 'd-8', health: 'active' })]);
    await removeAll(vault);
  });

  it('10 concurrent generateKey calls in one process: 10 answers, 10 records', async () => {
    const vault = new Vault({ dataDir: tempHome() });
    const dispatch = appCore(vault);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call(dispatch, 'generateKey', { jobId: `g-${i}`, alg: 'HS256', name: `k-${i}` }),
      ),
    );
    expect(new Set(answers.map((a) => a.key.id)).size).toBe(10);
    expect(vault.list()).toHaveLength(10);
    await expectEveryKeyWorks(vault);
    await removeAll(vault);
  });

  it('two vault handles on one folder never overwrite each other (app and CLI in one machine)', async () => {
    const home = tempHome();
    const app = new Vault({ dataDir: home });
    const cli = new Vault({ dataDir: home });
    expect(app.vaultId).toBe(cli.vaultId);
    const { generateKeyMaterial } = await import('../../main/core/keys/generate.ts');
    await Promise.all([
      ...Array.from({ length: 5 }, async (_, i) =>
        app.add(await generateKeyMaterial('HS256'), { name: `a-${i}` }),
      ),
      ...Array.from({ length: 5 }, async (_, i) =>
        cli.add(await generateKeyMaterial('HS256'), { name: `c-${i}` }),
      ),
    ]);
    expect(app.list()).toHaveLength(10);
    expect(cli.list()).toHaveLength(10);
    // The same name from both at once: one wins, the other is told, and leaves no keychain item.
    const both = await Promise.allSettled([
      app.add(await generateKeyMaterial('HS256'), { name: 'same' }),
      cli.add(await generateKeyMaterial('HS256'), { name: 'same' }),
    ]);
    expect(both.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    const refused = both.find((s) => s.status === 'rejected') as PromiseRejectedResult;
    expect(String(refused.reason)).toMatch(/name "same" is already used/);
    const report = await diagnose(app);
    expect(report.orphanedItems).toEqual([]);
    await removeAll(app);
    const left = (await keychain.accounts()).filter((a) => a.startsWith(`${app.vaultId}:`));
    expect(left).toEqual([]);
  });
});
