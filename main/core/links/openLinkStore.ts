import { InputError } from '../errors.ts';
import type { Vault } from '../vault/vault.ts';
import { SqliteLinkStore } from './sqliteLinks.ts';
import type { LinkStore } from './types.ts';

/**
 * Where this process keeps links: the vault's own SQLite database, or — with `--db postgres://…`
 * or KEYCAST_DB — a PostgreSQL database that several `keycast serve` instances share. The
 * PostgreSQL driver is loaded only then, so every other command starts without it.
 */
export async function openLinkStore(
  vault: Pick<Vault, 'database'>,
  dbUrl: string | undefined = process.env.KEYCAST_DB,
): Promise<LinkStore> {
  const url = dbUrl?.trim() ?? '';
  if (url === '') return new SqliteLinkStore(vault.database);
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    // Only the scheme is repeated: the rest of a URL may hold a password.
    const scheme = /^([a-z][a-z0-9+.-]{0,19}):/i.exec(url)?.[1];
    throw new InputError(
      `--db (or KEYCAST_DB) must be a postgres:// or postgresql:// URL${scheme ? ` (this one starts with "${scheme}:")` : ''}; leave it unset to keep links in the local database.`,
    );
  }
  const { PostgresLinkStore } = await import('./postgresLinks.ts');
  return PostgresLinkStore.open(url);
}
