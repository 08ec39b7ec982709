import type { KeyRecord } from '../../../shared/keyRecord.ts';
import { InputError, SecretMissingError } from '../errors.ts';
import { thumbprintOfRecord } from '../store/keyTable.ts';
import { checkKeychainItem } from '../vault/keychainCheck.ts';
import type { RestorePlan, Vault } from '../vault/vault.ts';
import { openBackup, sealBackup, type BackupContent } from './format.ts';

/** An encrypted backup holds every key; thousands of RSA-4096 keys stay well under this. */
export const MAX_BACKUP_BYTES = 64 * 1024 * 1024;

export const CONFLICT_MODES = ['skip', 'rename'] as const;
export type ConflictMode = (typeof CONFLICT_MODES)[number];

/** What a backup holds or a restore did, for people: names and kids, never a secret. */
export interface BackupSummary {
  keys: { name: string; kid: string; alg: string }[];
  credentials: string[];
  templates: string[];
}

export interface RestoreSummary extends BackupSummary {
  /** Left out: already here (the same key), or a clash skipped with --on-conflict skip. */
  skipped: { what: string; why: string }[];
  /** Restored under another name (and kid, where that clashed) with --on-conflict rename. */
  renamed: { from: string; to: string }[];
}

/** Seals the chosen keys (all by default), every credential and every template into one JWE. */
export async function createBackup(
  vault: Vault,
  passphrase: string,
  refs: readonly string[] = [],
): Promise<{ jwe: string; summary: BackupSummary; missing: string[] }> {
  const wanted = refs.length ? new Set(refs.map((ref) => vault.find(ref).id)) : null;
  const stored = vault.storedKeys().filter((k) => !wanted || wanted.has(k.record.id));
  const secrets: Uint8Array[] = [];
  // A key whose keychain item is gone is left out and named: the backup of the others is what is
  // needed most at exactly that moment.
  const missing: string[] = [];
  try {
    const keys = [];
    for (const { record, extra } of stored) {
      const secret = await vault.secretForBackup(record).catch((error: unknown) => {
        if (error instanceof SecretMissingError) return null;
        throw error;
      });
      if (secret === null) {
        missing.push(record.name);
        continue;
      }
      secrets.push(secret);
      keys.push({ record, extra, secret: Buffer.from(secret).toString('base64url') });
    }
    const credentials = [];
    for (const name of vault.credentialNames()) {
      credentials.push({ name, secret: await vault.credential(name) });
    }
    const templates = vault.templateTable.all();
    const linksKey = vault.linkKeyAccount() ? await vault.linkKey() : null;
    if (linksKey) secrets.push(linksKey);
    const content: BackupContent = {
      format: 'keycast-backup',
      version: 1,
      createdAt: new Date().toISOString(),
      vaultId: vault.vaultId,
      keys,
      credentials,
      templates,
      ...(linksKey ? { linksKey: Buffer.from(linksKey).toString('base64url') } : {}),
    };
    const jwe = await sealBackup(content, passphrase);
    await vault.activity.record({
      event: 'backup',
      detail: {
        keys: keys.length,
        credentials: credentials.length,
        templates: templates.length,
        missing: missing.length,
        linksKey: linksKey !== null,
      },
    });
    return { jwe, summary: summarize(content), missing };
  } finally {
    for (const secret of secrets) secret.fill(0);
  }
}

/**
 * Restores a backup into this vault with the same ids and kids. Without a conflict mode, any clash
 * refuses the whole restore; `skip` leaves clashing items out, `rename` restores them under a new
 * name. The same key already here is always left as it is. All or nothing.
 */
export async function restoreBackup(
  vault: Vault,
  text: string,
  passphrase: string,
  onConflict?: ConflictMode,
): Promise<RestoreSummary> {
  const content = await openBackup(text, passphrase);
  const plan: RestorePlan = { keys: [], secrets: [], credentials: [], templates: [] };
  const skipped: RestoreSummary['skipped'] = [];
  const renamed: RestoreSummary['renamed'] = [];
  const conflicts: string[] = [];
  const existing = vault.list();
  const taken = new Set(existing.flatMap((k) => [k.id, k.kid, k.name]));
  const clash = (what: string, resolve: () => void): void => {
    if (onConflict === 'skip') skipped.push({ what, why: 'a different item here has that name' });
    else if (onConflict === 'rename') resolve();
    else conflicts.push(what);
  };

  const planned: KeyRecord[] = [];
  for (const key of content.keys) {
    const { record } = key;
    // A backup written by hand (or twice over) may hold one key twice: it is restored once.
    if (planned.some((k) => isSameKey(k, record))) {
      skipped.push({ what: `key "${record.name}"`, why: 'it appears twice in the backup' });
      continue;
    }
    planned.push(record);
    const same = existing.find((k) => isSameKey(k, record));
    if (same && (await vault.hasSecret(same))) {
      skipped.push({ what: `key "${record.name}"`, why: `already here as "${same.name}"` });
      continue;
    }
    if (same) {
      // The record is here but its keychain item was lost: the backup brings the secret back.
      const secret = Buffer.from(key.secret, 'base64url');
      checkKeychainItem(same, secret);
      plan.secrets.push({ record: same, secret });
      continue;
    }
    const add = (r: KeyRecord): void => {
      plan.keys.push({ record: r, extra: key.extra, secret: Buffer.from(key.secret, 'base64url') });
      for (const ref of [r.id, r.kid, r.name]) taken.add(ref);
    };
    if (![record.id, record.kid, record.name].some((ref) => taken.has(ref))) {
      add(record);
      continue;
    }
    clash(`key "${record.name}" (kid ${record.kid})`, () => {
      const moved = renameRecord(record, taken);
      renamed.push({ from: record.name, to: moved.name });
      add(moved);
    });
  }

  const credentialNames = new Set(vault.credentialNames());
  for (const credential of content.credentials) {
    const twice = plan.credentials.find((c) => c.name === credential.name);
    if (twice?.secret === credential.secret) {
      skipped.push({
        what: `credential "${credential.name}"`,
        why: 'it appears twice in the backup',
      });
    } else if (!credentialNames.has(credential.name)) {
      plan.credentials.push(credential);
      credentialNames.add(credential.name);
    } else if (onConflict) {
      skipped.push({ what: `credential "${credential.name}"`, why: 'one is stored here already' });
    } else conflicts.push(`credential "${credential.name}"`);
  }

  const templates = new Map(vault.templateTable.all().map((t) => [t.name, t.body]));
  const seen = new Map<string, string>();
  for (const template of content.templates) {
    const body = JSON.stringify(template.body);
    if (seen.get(template.name) === body) {
      skipped.push({ what: `template "${template.name}"`, why: 'it appears twice in the backup' });
      continue;
    }
    seen.set(template.name, body);
    if (isObject(template.body) && template.body.name !== template.name) {
      skipped.push({
        what: `template "${template.name}"`,
        why: 'its name does not match its contents',
      });
      continue;
    }
    if (!templates.has(template.name)) {
      plan.templates.push(template);
      templates.set(template.name, template.body);
      continue;
    }
    if (JSON.stringify(templates.get(template.name)) === JSON.stringify(template.body)) {
      skipped.push({ what: `template "${template.name}"`, why: 'already here' });
      continue;
    }
    clash(`template "${template.name}"`, () => {
      const name = freeName(template.name, new Set(templates.keys()), TEMPLATE_NAME_MAX);
      templates.set(name, template.body);
      const body = isObject(template.body) ? { ...template.body, name } : template.body;
      plan.templates.push({ name, body });
      renamed.push({ from: template.name, to: name });
    });
  }

  if (conflicts.length > 0) {
    throw new InputError(
      `Nothing was restored: ${conflicts.join(', ')} already exist${conflicts.length === 1 ? 's' : ''} here with different contents. Choose to skip what clashes or to restore it under a new name (--on-conflict skip or rename).`,
    );
  }
  try {
    await vault.restore(plan);
    if (content.linksKey) {
      const adopted = await vault.adoptLinkKey(Buffer.from(content.linksKey, 'base64url'));
      if (!adopted) {
        skipped.push({
          what: 'the redirect-link key',
          why: 'this vault has its own already; links of the backed-up vault are not recognised here',
        });
      }
    }
  } finally {
    for (const key of [...plan.keys, ...plan.secrets]) key.secret.fill(0);
  }
  return {
    keys: [...plan.keys, ...plan.secrets].map(({ record }) => ({
      name: record.name,
      kid: record.kid,
      alg: record.alg,
    })),
    credentials: plan.credentials.map((c) => c.name),
    templates: plan.templates.map((t) => t.name),
    skipped,
    renamed,
  };
}

export function summarize(content: BackupContent): BackupSummary {
  return {
    keys: content.keys.map(({ record }) => ({
      name: record.name,
      kid: record.kid,
      alg: record.alg,
    })),
    credentials: content.credentials.map((c) => c.name),
    templates: content.templates.map((t) => t.name),
  };
}

/** The same key: same id and kid for a shared secret, the same public key for a key pair. */
function isSameKey(a: KeyRecord, b: KeyRecord): boolean {
  if (a.publicJwk && b.publicJwk) return thumbprintOfRecord(a) === thumbprintOfRecord(b);
  return !a.publicJwk && !b.publicJwk && a.id === b.id && a.kid === b.kid;
}

/** A restored copy that clashes gets a free id, name and (where it clashed) kid. */
function renameRecord(record: KeyRecord, taken: Set<string>): KeyRecord {
  const id = taken.has(record.id) ? freeName(record.id, taken) : record.id;
  const name = freeName(record.name, taken);
  const kid = taken.has(record.kid) ? freeName(record.kid, taken) : record.kid;
  return {
    ...record,
    id,
    name,
    kid,
    publicJwk: record.publicJwk ? { ...record.publicJwk, kid } : null,
  };
}

/** Key names and kids hold up to 200 characters, template names 64: a renamed copy still fits. */
const LABEL_MAX = 200;
const TEMPLATE_NAME_MAX = 64;

function freeName(base: string, taken: ReadonlySet<string>, max = LABEL_MAX): string {
  for (let n = 1; ; n += 1) {
    const suffix = `-restored${n === 1 ? '' : `-${n}`}`;
    const candidate = `${base.slice(0, max - suffix.length)}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
