import { Command, Option } from 'commander';
import {
  CONFLICT_MODES,
  createBackup,
  MAX_BACKUP_BYTES,
  restoreBackup,
  type BackupSummary,
  type ConflictMode,
} from '../core/backup/backup.ts';
import { checkPassphrase } from '../core/backup/format.ts';
import { writeSecretFile } from '../core/backup/file.ts';
import { readRegularFile } from '../core/input.ts';
import { InputError, NotFoundError } from '../core/errors.ts';
import { forgetQuarantined, selectQuarantine } from '../core/store/keyTable.ts';
import { diagnose, labelOf, type DoctorReport } from '../core/vault/doctor.ts';
import type { Vault } from '../core/vault/vault.ts';
import { openVault } from './context.ts';
import { printJson, printLines, warn } from './io.ts';
import { readPassphrase } from './passphrase.ts';

export function doctorCommand(): Command {
  return new Command('doctor')
    .description(
      'check the data folder: database integrity, missing or orphaned keychain items, quarantined records',
    )
    .option('--json', 'machine-readable output')
    .option(
      '--forget-quarantined <ID>',
      'delete quarantined record #ID for good (after importing its key again, or when it is not needed)',
    )
    .action(async (flags: { json?: boolean; forgetQuarantined?: string }, command: Command) => {
      if (flags.forgetQuarantined !== undefined) {
        return forgetQuarantinedRecord(openVault(command), flags.forgetQuarantined);
      }
      const report = await diagnose(openVault(command));
      if (flags.json) printJson(report);
      else printLines(describeReport(report));
      if (!report.healthy) process.exitCode = 1;
    });
}

function forgetQuarantinedRecord(vault: Vault, text: string): void {
  const id = /^[1-9]\d{0,9}$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(id)) {
    throw new InputError(
      `--forget-quarantined takes the number keycast doctor shows for the record, like 3, not "${text}".`,
    );
  }
  const db = vault.database;
  const record = db.read(() => selectQuarantine(db.db)).find((q) => q.id === id);
  if (!record || !db.transaction(() => forgetQuarantined(db.db, id))) {
    throw new NotFoundError(
      `There is no quarantined record #${id}: keycast doctor lists the ones there are.`,
    );
  }
  const label = labelOf(record.body);
  printLines([
    `Forgot quarantined record #${id} (${record.kind}${label ? ` ${label}` : ''}) from ${record.source}.`,
  ]);
}

export function backupCommand(): Command {
  return new Command('backup')
    .description(
      'write an encrypted backup (all keys, or the ones named) with credentials and templates',
    )
    .argument('[keys...]', 'keys to include (id, kid or name); default: all')
    .requiredOption('--out <FILE>', 'the new backup file (mode 0600)')
    .option('--json', 'machine-readable summary')
    .action(async (refs: string[], flags: { out: string; json?: boolean }, command: Command) => {
      const vault = openVault(command);
      for (const ref of refs) vault.find(ref); // a typo is reported before the passphrase is asked
      const passphrase = await readPassphrase({ confirm: true });
      checkPassphrase(passphrase);
      const { jwe, summary, missing } = await createBackup(vault, passphrase, refs);
      writeSecretFile(flags.out, `${jwe}\n`, 'backup');
      if (missing.length > 0) {
        warn(
          `Left out of the backup because their keychain item is missing: ${missing.join(', ')} (see keycast doctor).`,
        );
      }
      if (flags.json) return printJson({ file: flags.out, ...summary, missing });
      printLines([
        `Wrote an encrypted backup to ${flags.out} (mode 0600):`,
        ...describeSummary(summary),
      ]);
    });
}

export function restoreCommand(): Command {
  return new Command('restore')
    .description('restore an encrypted backup into this data folder and keychain')
    .argument('<file>', 'the backup file')
    .addOption(
      new Option(
        '--on-conflict <MODE>',
        'when a name is taken here: skip it, or restore it renamed',
      ).choices(CONFLICT_MODES),
    )
    .option('--json', 'machine-readable summary')
    .action(
      async (
        file: string,
        flags: { onConflict?: ConflictMode; json?: boolean },
        command: Command,
      ) => {
        const text = readRegularFile(file, 'backup', MAX_BACKUP_BYTES);
        const vault = openVault(command);
        const passphrase = await readPassphrase({ confirm: false });
        const result = await restoreBackup(vault, text, passphrase, flags.onConflict);
        if (flags.json) return printJson(result);
        printLines([
          `Restored from ${file}:`,
          ...describeSummary(result),
          ...result.renamed.map((r) => `  renamed   ${r.from} → ${r.to}`),
          ...result.skipped.map((s) => `  skipped   ${s.what}: ${s.why}`),
        ]);
      },
    );
}

function describeSummary(summary: BackupSummary): string[] {
  return [
    `  keys        ${summary.keys.length ? '' : 'none'}`,
    ...summary.keys.map((k) => `    ${k.name}  ${k.alg}  kid ${k.kid}`),
    `  credentials ${summary.credentials.join(', ') || 'none'}`,
    `  templates   ${summary.templates.join(', ') || 'none'}`,
  ];
}

function describeReport(r: DoctorReport): string[] {
  const lines = [
    `Data folder ${r.dataDir}`,
    `Database    ${r.database} (schema ${r.schemaVersion}): ${r.integrity.length ? `DAMAGED — ${r.integrity.join('; ')}` : 'integrity ok'}`,
    `Keychain    ${r.keychain ?? 'available'}`,
    `Activity    ${r.activity.problem ? `BROKEN — ${r.activity.problem} (keycast activity verify)` : `${r.activity.records} record(s), chain intact`}`,
  ];
  const section = (title: string, items: string[], fix: string): void => {
    if (items.length === 0) return;
    lines.push(`${title} (${items.length}) — ${fix}`, ...items.map((item) => `  ${item}`));
  };
  section(
    'Keys whose keychain item is missing',
    r.missingSecrets.map((k) => `${k.name} (${k.id})`),
    'unlock the keychain, restore a backup, or import the key again and delete the record',
  );
  section(
    'Quarantined records',
    r.quarantined.map(
      (q) => `#${q.id} ${q.kind}${q.label ? ` ${q.label}` : ''} from ${q.source}: ${q.reason}`,
    ),
    'kept with the reason, not used; the keychain item of a quarantined key is untouched: import the key again (keycast keys import) to use it',
  );
  section(
    'Unreadable key rows',
    r.unreadableKeys.map((k) => `${k.id}: ${k.reason}`),
    'restore a backup',
  );
  section(
    'Broken templates',
    r.brokenTemplates.map((t) => `${t.name}: ${t.reason}`),
    'save a fixed version with keycast templates add, or delete it',
  );
  if (r.orphanedItems === null)
    lines.push('Orphaned keychain items: this keychain cannot list its items');
  else
    section(
      'Keychain items no record points to',
      r.orphanedItems,
      'left by an interrupted change; remove them in the keychain app if no key is missing',
    );
  lines.push(r.healthy ? 'Everything is in order.' : 'Something needs attention (see above).');
  return lines;
}
