import { selectQuarantine, unreadableKeys, type QuarantinedRecord } from '../store/keyTable.ts';
import { storedTemplates, type BrokenTemplate } from '../providers/custom.ts';
import type { Vault } from './vault.ts';

/** What `keycast doctor` checks: everything that needs a person's attention, nothing secret. */
export interface DoctorReport {
  dataDir: string;
  database: string;
  schemaVersion: number;
  vaultId: string;
  /** `PRAGMA integrity_check` lines; empty when the database is sound. */
  integrity: string[];
  /** The keychain's own problem (locked, not running), or null. */
  keychain: string | null;
  missingSecrets: { id: string; name: string }[];
  /** Without the body; `label` names the record (its name and id) where it has them. */
  quarantined: (Omit<QuarantinedRecord, 'body'> & { label: string | null })[];
  unreadableKeys: { id: string; reason: string }[];
  brokenTemplates: BrokenTemplate[];
  /** Keychain items of this vault that no record points to; null where the keychain cannot list. */
  orphanedItems: string[] | null;
  /** The activity log's hash chain: the first record changed or removed, or null when intact. */
  activity: { records: number; problem: string | null };
  healthy: boolean;
}

export async function diagnose(vault: Vault): Promise<DoctorReport> {
  const db = vault.database;
  const keychain = await vault.keychainProblem();
  const records = vault.list();
  const missingSecrets: DoctorReport['missingSecrets'] = [];
  let orphanedItems: string[] | null = null;
  if (keychain === null) {
    for (const record of records) {
      if (!(await vault.hasSecret(record)))
        missingSecrets.push({ id: record.id, name: record.name });
    }
    orphanedItems = await orphans(vault);
  }
  const report: Omit<DoctorReport, 'healthy'> = {
    dataDir: vault.dataDir,
    database: vault.databasePath,
    schemaVersion: db.schemaVersion,
    vaultId: vault.vaultId,
    integrity: db.integrityProblems(),
    keychain,
    missingSecrets,
    quarantined: db
      .read(() => selectQuarantine(db.db))
      .map((q) => ({
        id: q.id,
        kind: q.kind,
        label: labelOf(q.body),
        reason: q.reason,
        source: q.source,
        quarantinedAt: q.quarantinedAt,
      })),
    unreadableKeys: db.read(() => unreadableKeys(db.db)),
    brokenTemplates: storedTemplates(vault).broken,
    orphanedItems,
    activity: activityCheck(vault),
  };
  const healthy =
    report.integrity.length === 0 &&
    keychain === null &&
    report.activity.problem === null &&
    [
      missingSecrets,
      report.quarantined,
      report.unreadableKeys,
      report.brokenTemplates,
      orphanedItems ?? [],
    ].every((list) => list.length === 0);
  return { ...report, healthy };
}

function activityCheck(vault: Vault): DoctorReport['activity'] {
  const verified = vault.activity.verify();
  return { records: verified.records, problem: verified.problem?.message ?? null };
}

async function orphans(vault: Vault): Promise<string[] | null> {
  const accounts = await vault.keychainAccounts();
  if (accounts === null) return null;
  const known = new Set([
    ...vault.list().map((r) => vault.accountOf(r)),
    ...vault.credentialNames().map((name) => vault.credentialAccount(name)),
    ...[vault.linkKeyAccount(), vault.activityKeyAccount()].filter((a) => a !== null),
  ]);
  const prefix = `${vault.vaultId}:`;
  return accounts.filter((a) => a.startsWith(prefix) && !known.has(a)).sort();
}

/** "name" (id) of a quarantined record, from its stored JSON; records hold no secrets. */
export function labelOf(body: string): string | null {
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value === 'string') return value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
    const { name, id } = value as { name?: unknown; id?: unknown };
    const parts = [
      typeof name === 'string' ? `"${name}"` : null,
      typeof id === 'string' ? `(${id})` : null,
    ];
    return parts.filter(Boolean).join(' ') || null;
  } catch {
    return null;
  }
}
