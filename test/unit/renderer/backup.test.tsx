// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackupSummaryView, KeyView } from '../../../shared/ipc.ts';
import { KeysScreen, KeysTable } from '../../../renderer/src/screens/KeysScreen.tsx';
import { BackupPanel } from '../../../renderer/src/screens/settings/BackupPanel.tsx';
import { newPassphraseProblem } from '../../../renderer/src/screens/settings/passphrase.ts';
import { installApi } from './setup.ts';

afterEach(cleanup);

const GOOD = 'correct horse battery staple';

const summary: BackupSummaryView = {
  keys: [
    { name: 'kinescope-key', kid: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs', alg: 'RS256' },
    { name: 'ams-stream', kid: 'ams-kid-1', alg: 'HS256' },
  ],
  credentials: ['kinescope'],
  templates: ['my-platform'],
};

const backupForm = (): HTMLElement => screen.getByRole('form', { name: 'Back up' });
const restoreForm = (): HTMLElement => screen.getByRole('form', { name: 'Restore' });

async function typeNewPassphrase(first: string, second: string): Promise<void> {
  const form = within(backupForm());
  if (first) await userEvent.type(form.getByLabelText('Passphrase'), first);
  if (second) await userEvent.type(form.getByLabelText('Passphrase again'), second);
}

const valueOf = (element: HTMLElement): string => (element as HTMLInputElement).value;

describe('the backup form', () => {
  it('asks for the passphrase twice in password fields, with the rule shown', () => {
    installApi({});
    render(<BackupPanel />);
    expect(
      screen.getByText(/how keys move to another machine or to a server running/),
    ).toBeTruthy();
    const form = within(backupForm());
    for (const label of ['Passphrase', 'Passphrase again']) {
      const input = form.getByLabelText(label);
      expect(input.getAttribute('type')).toBe('password');
      expect(input.getAttribute('autocomplete')).toBe('new-password');
      const rule = document.getElementById(input.getAttribute('aria-describedby')!);
      expect(rule?.textContent).toMatch(/^At least 12 characters/);
    }
    const restore = within(restoreForm()).getByLabelText('Backup passphrase');
    expect(restore.getAttribute('type')).toBe('password');
    expect(restore.getAttribute('autocomplete')).toBe('current-password');
  });

  it('refuses passphrases that differ without asking main, and clears both', async () => {
    const { calls } = installApi({ backupVault: () => ({ path: '/x', summary, missing: [] }) });
    render(<BackupPanel />);
    await typeNewPassphrase(GOOD, `${GOOD}!`);
    await userEvent.click(within(backupForm()).getByRole('button', { name: 'Back up…' }));
    expect(within(backupForm()).getByRole('alert').textContent).toMatch(/two passphrases differ/);
    expect(calls).toEqual([]);
    expect(valueOf(within(backupForm()).getByLabelText('Passphrase'))).toBe('');
    expect(valueOf(within(backupForm()).getByLabelText('Passphrase again'))).toBe('');
    expect(document.activeElement).toBe(within(backupForm()).getByLabelText('Passphrase'));
  });

  it('refuses a passphrase shorter than 12 characters, counted as main counts them', async () => {
    const { calls } = installApi({ backupVault: () => ({ path: '/x', summary, missing: [] }) });
    render(<BackupPanel />);
    await typeNewPassphrase('short-11chr', 'short-11chr');
    await userEvent.click(within(backupForm()).getByRole('button', { name: 'Back up…' }));
    expect(within(backupForm()).getByRole('alert').textContent).toMatch(
      /too short: use at least 12 characters/,
    );
    expect(calls).toEqual([]);
    // Eleven emoji are 22 UTF-16 units but 11 characters: too short for main as well.
    const emoji = '🔑'.repeat(11);
    expect(newPassphraseProblem(emoji, emoji)).toMatch(/too short/);
    expect(newPassphraseProblem(`${emoji}k`, `${emoji}k`)).toBeNull();
  });

  it('says calmly that nothing was written when the save dialog is closed', async () => {
    const { calls } = installApi({
      backupVault: () => ({ path: null, summary: null, missing: [] }),
    });
    render(<BackupPanel />);
    await typeNewPassphrase(GOOD, GOOD);
    await userEvent.click(within(backupForm()).getByRole('button', { name: 'Back up…' }));
    await within(backupForm()).findByText('No backup was written: the save dialog was closed.');
    expect(calls).toEqual([{ action: 'backupVault', request: { passphrase: GOOD } }]);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(valueOf(within(backupForm()).getByLabelText('Passphrase'))).toBe('');
  });

  it('lists what the backup holds and where it was written', async () => {
    installApi({
      backupVault: () => ({
        path: '/home/ann/keycast-backup-2026-11-22.kcbackup',
        summary,
        missing: [],
      }),
    });
    render(<BackupPanel />);
    await typeNewPassphrase(GOOD, GOOD);
    await userEvent.click(within(backupForm()).getByRole('button', { name: 'Back up…' }));
    const form = within(backupForm());
    await form.findByText('Encrypted backup written.');
    expect(valueOf(form.getByLabelText('Backup file'))).toBe(
      '/home/ann/keycast-backup-2026-11-22.kcbackup',
    );
    const keys = form.getByRole('list', { name: 'Keys in the backup' });
    expect(keys.textContent).toContain('kinescope-key');
    expect(keys.textContent).toContain('kid NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    expect(keys.textContent).toContain('ams-kid-1');
    expect(form.getByRole('list', { name: 'Credentials' }).textContent).toBe('kinescope');
    expect(form.getByRole('list', { name: 'Templates' }).textContent).toBe('my-platform');
    expect(valueOf(form.getByLabelText('Passphrase again'))).toBe('');
  });

  it('names the keys left out because their keychain item is missing', async () => {
    installApi({ backupVault: () => ({ path: '/x', summary, missing: ['lost-key'] }) });
    render(<BackupPanel />);
    await typeNewPassphrase(GOOD, GOOD);
    await userEvent.click(within(backupForm()).getByRole('button', { name: 'Back up…' }));
    const alert = await within(backupForm()).findByRole('alert');
    expect(alert.textContent).toBe('Left out because their keychain item is missing: lost-key.');
  });

  it('shows main’s refusal as an alert', async () => {
    installApi({
      backupVault: () => {
        throw new Error('The private key of "edge" is missing from the system keychain.');
      },
    });
    render(<BackupPanel />);
    await typeNewPassphrase(GOOD, GOOD);
    await userEvent.click(within(backupForm()).getByRole('button', { name: 'Back up…' }));
    expect((await within(backupForm()).findByRole('alert')).textContent).toBe(
      'The private key of "edge" is missing from the system keychain.',
    );
  });
});

describe('the restore form', () => {
  it('refuses by default on a clash, shows main’s sentence and clears the passphrase', async () => {
    const clash =
      'Nothing was restored: credential "kinescope" already exists here with different contents.';
    const { calls } = installApi({
      restoreVault: () => {
        throw new Error(clash);
      },
    });
    render(<BackupPanel />);
    const form = within(restoreForm());
    expect(form.getByRole('radio', { name: 'Refuse if anything clashes' })).toHaveProperty(
      'checked',
      true,
    );
    await userEvent.type(form.getByLabelText('Backup passphrase'), GOOD);
    await userEvent.click(form.getByRole('button', { name: 'Restore…' }));
    expect((await form.findByRole('alert')).textContent).toBe(clash);
    expect(calls).toEqual([{ action: 'restoreVault', request: { passphrase: GOOD } }]);
    expect(valueOf(form.getByLabelText('Backup passphrase'))).toBe('');
  });

  it('does not ask main without a passphrase', async () => {
    const { calls } = installApi({});
    render(<BackupPanel />);
    await userEvent.click(within(restoreForm()).getByRole('button', { name: 'Restore…' }));
    expect(within(restoreForm()).getByRole('alert').textContent).toMatch(/Type the passphrase/);
    expect(calls).toEqual([]);
  });

  it('says calmly that nothing was restored when the file dialog is closed', async () => {
    installApi({
      restoreVault: () => ({ path: null, summary: null, skipped: [], renamed: [] }),
    });
    render(<BackupPanel />);
    const form = within(restoreForm());
    await userEvent.type(form.getByLabelText('Backup passphrase'), GOOD);
    await userEvent.click(form.getByRole('button', { name: 'Restore…' }));
    await form.findByText('Nothing was restored: the file dialog was closed.');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('sends the conflict choice and lists restored, renamed and skipped items', async () => {
    const { calls } = installApi({
      restoreVault: () => ({
        path: '/media/usb/keycast.kcbackup',
        summary: { keys: [summary.keys[1]!], credentials: [], templates: ['my-platform-restored'] },
        skipped: [{ what: 'key "kinescope-key"', why: 'already here as "kinescope-key"' }],
        renamed: [{ from: 'my-platform', to: 'my-platform-restored' }],
      }),
    });
    render(<BackupPanel />);
    const form = within(restoreForm());
    await userEvent.type(form.getByLabelText('Backup passphrase'), GOOD);
    await userEvent.click(form.getByRole('radio', { name: 'Restore under a new name' }));
    await userEvent.click(form.getByRole('button', { name: 'Restore…' }));
    await form.findByText('Restored from /media/usb/keycast.kcbackup.');
    expect(calls).toEqual([
      { action: 'restoreVault', request: { passphrase: GOOD, onConflict: 'rename' } },
    ]);
    expect(form.getByRole('list', { name: 'Keys restored' }).textContent).toContain('ams-stream');
    expect(form.getByText('none')).toBeTruthy(); // no credentials restored
    expect(form.getByRole('list', { name: 'Renamed' }).textContent).toBe(
      'my-platform → my-platform-restored',
    );
    expect(form.getByRole('list', { name: 'Skipped' }).textContent).toBe(
      'key "kinescope-key": already here as "kinescope-key"',
    );
  });
});

describe('a key whose secret is missing', () => {
  const missing: KeyView = {
    id: 'k9',
    name: 'edge',
    alg: 'ES256',
    kid: 'edge-kid',
    fingerprint: 'edge-kid',
    provider: null,
    createdAt: '2026-11-01T00:00:00.000Z',
    expiresAt: null,
    expiresSoon: false,
    status: 'secret missing',
    uploads: [],
    notes: '',
    attributes: {},
  };

  it('stands apart from expired keys in the table', () => {
    render(
      <KeysTable
        keys={[
          missing,
          { ...missing, id: 'k8', name: 'old', kid: 'old', fingerprint: 'old', status: 'expired' },
        ]}
        selected={null}
        onSelect={() => undefined}
      />,
    );
    const badge = within(screen.getByRole('row', { name: /edge/ })).getByText('secret missing');
    expect(badge.className).toBe('badge missing');
    const expired = within(screen.getByRole('row', { name: /old/ })).getByText('expired');
    expect(expired.className).toBe('badge bad');
  });

  it('says in the details how to get the key back', async () => {
    installApi({
      listKeys: () => ({ keys: [missing] }),
      // The details answer does not check the keychain: the hint follows the list's status.
      keyDetails: () => ({
        key: { ...missing, status: 'active' },
        jwk: '{}',
        jwks: '{}',
        pem: '-----BEGIN PUBLIC KEY-----',
      }),
    });
    render(<KeysScreen />);
    await userEvent.click(await screen.findByRole('button', { name: 'Details of edge' }));
    const hint = await screen.findByText(/the system keychain has no private part for this key/);
    expect(hint.textContent).toMatch(/unlock it/);
    expect(hint.textContent).toMatch(/restore a backup that holds the key/);
    expect(hint.textContent).toMatch(/import the key again/);
  });
});
