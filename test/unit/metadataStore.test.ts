import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KeyRecord } from '../../shared/keyRecord.ts';
import { MetadataStore } from '../../main/core/vault/metadataStore.ts';
import { tempHome } from '../helpers/cli.ts';

const record = (id: string): KeyRecord => ({
  id,
  name: `key-${id}`,
  alg: 'HS256',
  kid: `kid-${id}`,
  publicJwk: null,
  createdAt: '2026-11-22T00:00:00.000Z',
  expiresAt: null,
  provider: null,
  notes: '',
  status: 'active',
});

function open(dir: string): { store: MetadataStore; warnings: string[] } {
  const warnings: string[] = [];
  return { store: new MetadataStore(dir, (m) => warnings.push(m)), warnings };
}

describe('MetadataStore', () => {
  it('creates the file with mode 0600 in a 0700 folder, with a random vault id', () => {
    const dir = join(tempHome(), 'nested');
    const { store } = open(dir);
    store.saveKeys([record('a')]);
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(statSync(store.backupPath).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(store.vaultId).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(open(tempHome()).store.vaultId).not.toBe(store.vaultId);
  });

  it('reads back what it wrote, across instances', () => {
    const dir = tempHome();
    const first = open(dir).store;
    first.saveKeys([record('a'), record('b')]);
    const second = open(dir).store;
    expect(second.keys().map((k) => k.id)).toEqual(['a', 'b']);
    expect(second.vaultId).toBe(first.vaultId);
  });

  it.each([
    ['truncated', (text: string) => text.slice(0, text.length / 2)],
    ['empty', () => ''],
    ['not matching the schema', () => JSON.stringify({ vaultId: 'x', keys: 'nope' })],
  ])(
    'moves a %s file aside and restores the last good backup, with a warning',
    (_label, damage) => {
      const dir = tempHome();
      const { store } = open(dir);
      store.saveKeys([record('a'), record('b')]);
      const vaultId = store.vaultId;
      writeFileSync(store.path, damage(readFileSync(store.path, 'utf8')));

      const reopened = open(dir);
      expect(reopened.store.keys().map((k) => k.id)).toEqual(['a', 'b']);
      expect(reopened.store.vaultId).toBe(vaultId);
      expect(reopened.warnings).toHaveLength(1);
      expect(reopened.warnings[0]).toMatch(/damaged.*moved to .*corrupt-.*backup was restored/);
      const aside = readdirSync(dir).filter((f) => f.includes('.corrupt-'));
      expect(aside).toHaveLength(1);
      expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe(
        damage(JSON.stringify({ vaultId, keys: [record('a'), record('b')] }, null, '\t')),
      );
    },
  );

  it('keeps a damaged file aside and says so plainly when there is no backup', () => {
    const dir = tempHome();
    const { store } = open(dir);
    store.saveKeys([record('a')]);
    writeFileSync(store.path, '{"vaultId": "abc');
    writeFileSync(store.backupPath, 'also broken');
    const reopened = open(dir);
    expect(reopened.store.keys()).toEqual([]);
    expect(reopened.warnings[0]).toMatch(/no good backup.*still in the system keychain/);
    expect(readdirSync(dir).some((f) => f.includes('.corrupt-'))).toBe(true);
  });

  it('restores a missing file from the backup', () => {
    const dir = tempHome();
    const { store } = open(dir);
    store.saveKeys([record('a')]);
    rmSync(store.path);
    const reopened = open(dir);
    expect(reopened.store.keys().map((k) => k.id)).toEqual(['a']);
    expect(reopened.warnings[0]).toMatch(/missing; it was restored/);
    expect(existsSync(reopened.store.path)).toBe(true);
  });
});
