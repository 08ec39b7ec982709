import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ALGORITHMS, RSA_SIZES, type Algorithm } from '../../shared/algorithms.ts';
import type { KeyRecord } from '../../shared/keyRecord.ts';
import { writeSecretFile } from '../core/backup/file.ts';
import { InputError } from '../core/errors.ts';
import { EXPORT_FORMATS, exportPublic, type ExportFormat } from '../core/keys/export.ts';
import { generateKeyMaterial } from '../core/keys/generate.ts';
import { SECRET_ENCODINGS, importKeyMaterial, type SecretEncoding } from '../core/keys/import.ts';
import { parseExpiry } from '../core/time.ts';
import type { KeyHealth, NewKeyOptions, Vault } from '../core/vault/vault.ts';
import { openRotationOf } from '../core/lifecycle/rotationStore.ts';
import { verificationFamilies } from '../core/lifecycle/rotationFamily.ts';
import { startRotation } from '../core/lifecycle/rotation.ts';
import { openVault } from './context.ts';
import { policyCommand, rotateCommand } from './rotationCommands.ts';
import { confirmOnTerminal, printJson, printLines, readInput, table, note } from './io.ts';

interface NewKeyFlags {
  appId?: string;
  name?: string;
  kid?: string;
  expires?: string;
  provider?: string;
  notes?: string;
  json?: boolean;
}

const algOption = (): Option => new Option('--alg <ALG>', 'signing algorithm').choices(ALGORITHMS);

function addNewKeyOptions(command: Command): Command {
  return command
    .option('--name <N>', 'a name to find the key by')
    .option('--kid <K>', 'key id in token headers (default: RFC 7638 thumbprint)')
    .option('--expires <WHEN>', 'key expiry: a date (2027-06-30) or a duration (90d)')
    .option('--provider <P>', 'provider tag, e.g. antmedia or kinescope')
    .option('--notes <TEXT>', 'free-form notes')
    .option('--app-id <ID>', 'Vonage: the application id, stored with the key')
    .option('--json', 'machine-readable output');
}

/** The shape `keys generate --json` and `keys import --json` print. */
function summary(record: KeyRecord): Record<string, unknown> {
  const { id, name, alg, kid, publicJwk, createdAt, expiresAt } = record;
  return { id, name, alg, kid, publicJwk, createdAt, expiresAt };
}

function reportNewKey(record: KeyRecord, flags: NewKeyFlags, verb: string): void {
  if (flags.json) return printJson(summary(record));
  printLines([
    `${verb} ${record.alg} key "${record.name}"`,
    `  id   ${record.id}`,
    `  kid  ${record.kid}`,
    ...(record.expiresAt ? [`  expires ${record.expiresAt}`] : []),
    `The private part is in the system keychain; export the public key with: keycast keys export ${record.name} --format jwk`,
  ]);
}

function newKeyOptions(flags: NewKeyFlags): NewKeyOptions {
  return {
    name: flags.name,
    kid: flags.kid,
    expiresAt: flags.expires ? parseExpiry(flags.expires) : null,
    provider: flags.provider ?? null,
    notes: flags.notes,
    attributes: flags.appId ? { applicationId: flags.appId } : undefined,
  };
}

export function keysCommand(): Command {
  const keys = new Command('keys').description(
    'generate, import, list, export and delete signing keys',
  );

  addNewKeyOptions(
    keys
      .command('generate')
      .description('generate a new key; the private part goes straight to the system keychain')
      .addOption(algOption().makeOptionMandatory())
      .addOption(new Option('--bits <BITS>', 'RSA modulus size').choices(RSA_SIZES.map(String)))
      .option('--printable', 'HMAC: a printable secret, for servers whose settings take text')
      .option(
        '--secret-out <FILE>',
        'HMAC: also write the secret to this new file (mode 0600), to paste into the server',
      ),
  ).action(
    async (
      flags: NewKeyFlags & {
        alg: Algorithm;
        bits?: string;
        printable?: boolean;
        secretOut?: string;
      },
      command: Command,
    ) => {
      const options = newKeyOptions(flags);
      // Ant Media takes the secret as text in its settings: it must be printable and leave Keycast once, on purpose.
      const printable = flags.printable || flags.provider === 'antmedia';
      if (flags.provider === 'antmedia' && !flags.secretOut) {
        throw new InputError(
          'Ant Media needs this secret in its settings (jwtStreamSecretKey): pass --secret-out FILE to receive it once, or import the server\'s existing secret with "keycast keys import".',
        );
      }
      if (flags.secretOut && !printable)
        throw new InputError('--secret-out is for printable HMAC secrets: add --printable.');
      const vault = openVault(command);
      const bits = flags.bits === undefined ? undefined : Number(flags.bits);
      const material = await generateKeyMaterial(flags.alg, { bits, printable });
      const record = await vault.add(material, options);
      if (flags.secretOut) {
        try {
          writeSecretFile(
            flags.secretOut,
            `${Buffer.from(material.secret).toString('utf8')}\n`,
            'secret',
          );
        } catch (error) {
          await vault.remove(record.id); // a secret nobody can paste into the server is no use
          throw error;
        }
      }
      reportNewKey(record, flags, 'Generated');
      if (flags.secretOut)
        note(
          `The secret is in ${flags.secretOut} (mode 0600): paste it into the server, then delete the file.`,
        );
    },
  );

  keys
    .command('list')
    .description('list the keys in the vault')
    .option('--json', 'machine-readable output')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const vault = openVault(command);
      const records = vault.list();
      const rows = await Promise.all(
        records.map(async (r) => ({ ...r, health: await vault.health(r) })),
      );
      if (flags.json) return printJson(rows);
      if (rows.length === 0)
        return printLines([
          `No keys yet in ${vault.dataDir}. Create one: keycast keys generate --alg RS256`,
        ]);
      printLines(
        table(
          ['NAME', 'ID', 'ALG', 'KID', 'STATUS', 'CREATED', 'EXPIRES'],
          rows.map((r) => [
            r.name,
            r.id,
            r.alg,
            r.kid,
            r.health,
            r.createdAt.slice(0, 10),
            r.expiresAt?.slice(0, 10) ?? '-',
          ]),
        ),
      );
    });

  keys
    .command('show <key>')
    .description('show one key (by id, kid or name): public material only')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, flags: { json?: boolean }, command: Command) => {
      const vault = openVault(command);
      const record = vault.find(ref);
      const health = await vault.health(record);
      const rotation = rotationLine(vault, record);
      if (flags.json) return printJson({ ...record, health, rotation });
      printLines([
        `${record.name} (${record.id})`,
        `  algorithm  ${record.alg}`,
        `  kid        ${record.kid}`,
        `  status     ${health}${healthHint(health, record)}`,
        `  created    ${record.createdAt}`,
        `  expires    ${record.expiresAt ?? 'never'}`,
        ...(record.provider ? [`  provider   ${record.provider}`] : []),
        ...(rotation ? [`  rotation   ${rotation}`] : []),
        ...(record.notes ? [`  notes      ${record.notes}`] : []),
        ...(record.publicJwk
          ? [
              '  public JWK',
              ...JSON.stringify(record.publicJwk, null, 2)
                .split('\n')
                .map((l) => `    ${l}`),
            ]
          : ['  shared secret: no public part']),
      ]);
    });

  keys
    .command('export <keys...>')
    .description('export public material: a JWK, a JWKS of one or many keys, or SPKI PEM')
    .addOption(
      new Option('--format <FORMAT>', 'output format')
        .choices(EXPORT_FORMATS)
        .makeOptionMandatory(),
    )
    .option('--out <FILE>', 'write to a file instead of standard output')
    .action((refs: string[], flags: { format: ExportFormat; out?: string }, command: Command) => {
      const vault = openVault(command);
      if (flags.format === 'jwk' && refs.length > 1) {
        throw new InputError('A JWK holds one key: use --format jwks to export several.');
      }
      const records = refs.map((ref) => vault.find(ref));
      // During a rotation's overlap a JWKS holds both keys: tokens of either verify.
      const text = exportPublic(
        flags.format === 'jwks' ? verificationFamilies(vault, records) : records,
        flags.format,
      );
      if (!flags.out) return void process.stdout.write(text);
      try {
        writeFileSync(flags.out, text, { mode: 0o644 });
      } catch (cause) {
        throw new InputError(
          `Cannot write ${flags.out}: check the folder exists and is writable.`,
          { cause },
        );
      }
      note(`Wrote ${flags.format.toUpperCase()} to ${flags.out}`);
    });

  addNewKeyOptions(
    keys
      .command('import <file>')
      .description(
        'import a private key (PEM, JWK) or an HMAC secret from a file, or "-" for standard input',
      )
      .addOption(algOption())
      .addOption(
        new Option('--secret-encoding <ENC>', 'how a raw HMAC secret is written')
          .choices(SECRET_ENCODINGS)
          .default('text'),
      )
      .option(
        '--replaces <KEY>',
        "the key this one replaces (e.g. Vonage's new private.key): starts its rotation, switched when you confirm",
      ),
  ).action(
    async (
      file: string,
      flags: NewKeyFlags & { alg?: Algorithm; secretEncoding: SecretEncoding; replaces?: string },
      command: Command,
    ) => {
      const options = newKeyOptions(flags);
      const vault = openVault(command);
      const material = importKeyMaterial(await readInput(file, 'key'), {
        alg: flags.alg,
        secretEncoding: flags.secretEncoding,
      });
      if (flags.replaces) {
        if (flags.name || flags.expires || flags.provider || flags.appId)
          throw new InputError(
            '--replaces takes the name, provider and attributes of the key it replaces: leave out --name, --expires, --provider and --app-id.',
          );
        const outcome = await startRotation({ vault }, flags.replaces, {
          material,
          kid: flags.kid,
          imported: true,
        });
        if (flags.json) return printJson(outcome);
        const successor = outcome.rotation.successor!;
        return printLines([
          `Imported "${successor.name}" (kid ${successor.kid}) to replace "${outcome.rotation.name}".`,
          ...outcome.done.slice(1).map((line) => `  done: ${line}`),
          ...(outcome.waiting ? [`Next: ${outcome.waiting.message}`] : []),
        ]);
      }
      reportNewKey(await vault.add(material, options), flags, 'Imported');
    },
  );

  keys
    .command('delete <key>')
    .description('delete a key and its private part from the keychain')
    .option('--yes', 'do not ask for confirmation')
    .option(
      '--force',
      'delete even though the key is still uploaded to a provider or inside its rotation overlap',
    )
    .action(async (ref: string, flags: { yes?: boolean; force?: boolean }, command: Command) => {
      const vault = openVault(command);
      const record = vault.find(ref);
      if (!flags.yes) {
        const confirmed = await confirmOnTerminal(
          `Delete key "${record.name}" (${record.id}) and its private part? This cannot be undone. Type the key's name to confirm: `,
          record.name,
        );
        if (!confirmed) {
          throw new InputError(
            `Key "${record.name}" was not deleted: confirm on a terminal, or pass --yes.`,
          );
        }
      }
      await vault.remove(record.id, { evenIfUploaded: flags.force, evenIfRetiring: flags.force });
      note(`Deleted key "${record.name}" (${record.id}).`);
    });

  keys.addCommand(rotateCommand());
  keys.addCommand(policyCommand());
  return keys;
}

/** Where a key stands in a rotation, in one line (keys show). */
function rotationLine(vault: Vault, record: KeyRecord): string | null {
  const rotation = vault.database.read(() => openRotationOf(vault.database.db, record.id));
  if (!rotation) return null;
  const other = (id: string): string => {
    try {
      return `"${vault.find(id).name}"`;
    } catch {
      return 'a deleted key';
    }
  };
  if (rotation.predecessorId === record.id) {
    return rotation.switchedAt
      ? `replaced by ${other(rotation.successorId)}; verifies until ${rotation.retireAfter}`
      : `being replaced by ${other(rotation.successorId)} (keycast keys rotate "${rotation.name}" --resume)`;
  }
  return rotation.switchedAt
    ? `successor of ${other(rotation.predecessorId)}, which verifies until ${rotation.retireAfter}`
    : `waiting successor of ${other(rotation.predecessorId)}`;
}

function healthHint(health: KeyHealth, record: KeyRecord): string {
  if (health === 'secret missing') {
    return ` — the private part is not in the system keychain: unlock the keychain, or import the key again and delete "${record.name}"`;
  }
  if (health === 'expired') return ' — generate or import a replacement';
  if (health === 'retiring')
    return ' — replaced in a rotation: verifies until the overlap ends, signs nothing (keycast keys rotate --resume)';
  return '';
}
