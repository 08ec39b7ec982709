import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Vault } from '../vault/vault.ts';
import { RotationBusyError } from './rotationErrors.ts';

/** Long enough for any step (API calls time out well before); a crashed holder frees it sooner. */
const LEASE_MS = 10 * 60_000;

interface Lease {
  owner: string;
  host: string;
  pid: number;
  until: number;
}

/**
 * Runs `work` while holding this rotation's lease (a row in `meta`), so the app's timer, a cron
 * `keycast maintain` and a person's `--resume` never carry out the same step at once (two
 * uploads). A lease whose process is gone (same machine) or whose time ran out is taken over.
 * Real time on purpose: a test's clock says nothing about processes.
 */
export async function withLease<T>(
  vault: Vault,
  rotationId: string,
  work: () => Promise<T>,
): Promise<T> {
  const name = `rotation.lease.${rotationId}`;
  const db = vault.database.db;
  const mine: Lease = {
    owner: randomBytes(8).toString('hex'),
    host: hostname(),
    pid: process.pid,
    until: Date.now() + LEASE_MS,
  };
  const taken = vault.write(() => {
    const row = db.prepare('SELECT value FROM meta WHERE name = ?').get(name) as
      { value: string } | undefined;
    const held = row ? parseLease(row.value) : null;
    if (held && held.until > Date.now() && alive(held)) return false;
    db.prepare('INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)').run(
      name,
      JSON.stringify(mine),
    );
    return true;
  });
  if (!taken) {
    throw new RotationBusyError(
      'Another Keycast process (the app, or keycast maintain) is carrying out this rotation right now: let it finish, then look again with keycast keys rotate --resume.',
    );
  }
  try {
    return await work();
  } finally {
    vault.write(() => {
      const row = db.prepare('SELECT value FROM meta WHERE name = ?').get(name) as
        { value: string } | undefined;
      if (row && parseLease(row.value)?.owner === mine.owner)
        db.prepare('DELETE FROM meta WHERE name = ?').run(name);
    });
  }
}

function parseLease(text: string): Lease | null {
  try {
    const lease = JSON.parse(text) as Partial<Lease>;
    return typeof lease.owner === 'string' &&
      typeof lease.host === 'string' &&
      typeof lease.pid === 'number' &&
      typeof lease.until === 'number'
      ? (lease as Lease)
      : null;
  } catch {
    return null;
  }
}

/** Whether the holder may still be running: another machine's process cannot be asked. */
function alive(lease: Lease): boolean {
  if (lease.host !== hostname()) return true;
  try {
    process.kill(lease.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
