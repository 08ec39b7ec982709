// @vitest-environment jsdom
import { cleanup, render, screen, waitFor, act } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FormField, KeyView } from '../../../shared/ipc.ts';
import { CopyField } from '../../../renderer/src/components/CopyField.tsx';
import { Countdown } from '../../../renderer/src/components/Countdown.tsx';
import { FormFieldInput } from '../../../renderer/src/components/FormFieldInput.tsx';
import { countdown, formatSpan } from '../../../renderer/src/format.ts';
import { KeysTable } from '../../../renderer/src/screens/KeysScreen.tsx';
import { Links } from '../../../renderer/src/screens/MintScreen.tsx';
import { verdictOf } from '../../../renderer/src/screens/InspectScreen.tsx';
import { fieldError, paramsFrom } from '../../../renderer/src/validate.ts';
import { installApi } from './setup.ts';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const key = (over: Partial<KeyView>): KeyView => ({
  id: 'k1',
  name: 'stream-key',
  alg: 'RS256',
  kid: 'kid-1234567890abcdef',
  fingerprint: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
  provider: 'kinescope',
  createdAt: '2026-11-01T00:00:00.000Z',
  expiresAt: null,
  expiresSoon: false,
  status: 'active',
  uploads: [],
  notes: '',
  attributes: {},
  ...over,
});

describe('CopyField', () => {
  it('copies through main and says when the clipboard clears', async () => {
    const { calls } = installApi({ copyText: () => ({ clearsAt: '2026-11-22T10:00:00.000Z' }) });
    render(<CopyField label="OBS Stream Key" value="stream1?token=abc" sensitive />);
    expect(screen.getByLabelText('OBS Stream Key')).toHaveProperty('value', 'stream1?token=abc');
    await userEvent.click(screen.getByRole('button', { name: 'Copy OBS Stream Key' }));
    await screen.findByText('Copied — the clipboard clears in 60 s');
    expect(calls).toEqual([
      { action: 'copyText', request: { text: 'stream1?token=abc', sensitive: true } },
    ]);
  });

  it('shows main’s refusal', async () => {
    installApi({});
    render(<CopyField label="Token" value="x" />);
    await userEvent.click(screen.getByRole('button', { name: 'Copy Token' }));
    await screen.findByText('no copyText');
  });
});

describe('FormFieldInput and inline validation', () => {
  const stream: FormField = {
    name: 'stream',
    label: 'Stream',
    type: 'text',
    required: true,
    help: null,
    options: [],
    pattern: '^[A-Za-z0-9_.-]+$',
    maxLength: null,
    defaultValue: null,
  };

  it('labels the input and ties the error to it', () => {
    render(
      <FormFieldInput
        field={stream}
        value="stream 1"
        error={fieldError(stream, 'stream 1')}
        onChange={() => undefined}
        onBlur={() => undefined}
      />,
    );
    const input = screen.getByRole('textbox', { name: 'Stream' });
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-required')).toBe('true');
    const describedBy = input.getAttribute('aria-describedby')!;
    expect(document.getElementById(describedBy)?.textContent).toBe(
      'Stream has characters or a form it cannot have.',
    );
  });

  it('checks required, pattern, length and lists; sends only what was filled', () => {
    expect(fieldError(stream, '')).toBe('Stream is required.');
    expect(fieldError(stream, 'stream1')).toBeNull();
    expect(fieldError({ ...stream, maxLength: 3, pattern: null }, 'abcd')).toMatch(/at most 3/);
    const roles: FormField = {
      ...stream,
      name: 'role',
      type: 'list',
      required: false,
      pattern: null,
    };
    const tls: FormField = { ...stream, name: 'tls', type: 'boolean', required: false };
    expect(
      paramsFrom([stream, roles, tls], { stream: ' s1 ', role: 'host\n\n presenter ', tls: false }),
    ).toEqual({ stream: 's1', role: ['host', 'presenter'], tls: false });
    expect(paramsFrom([stream, roles], { stream: '', role: '' })).toEqual({});
  });
});

describe('KeysTable', () => {
  it('lists every column and warns about a key that expires soon', () => {
    const now = Date.parse('2026-11-22T00:00:00Z');
    render(
      <KeysTable
        keys={[
          key({}),
          key({
            id: 'k2',
            name: 'ams',
            alg: 'HS256',
            fingerprint: null,
            expiresAt: '2026-11-27T00:00:00.000Z',
            expiresSoon: true,
            uploads: [{ provider: 'kinescope', remoteId: 'r', uploadedAt: 'x', expiresAt: null }],
          }),
        ]}
        selected="k1"
        onSelect={() => undefined}
        now={now}
      />,
    );
    const headers = screen.getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual([
      'Name',
      'Provider',
      'Algorithm',
      'Kid',
      'Fingerprint',
      'Created',
      'Expires',
      'Status',
      'Uploaded to',
    ]);
    const ams = screen.getByRole('row', { name: /ams/ });
    expect(ams.textContent).toContain('⚠ in 5 d');
    expect(ams.textContent).toContain('secret');
    expect(ams.textContent).toContain('kinescope');
    expect(screen.getByRole('row', { name: /stream-key/ }).textContent).not.toContain('⚠');
  });
});

describe('Links', () => {
  it('gives the OBS Server and Stream Key their own copy fields', () => {
    installApi({});
    render(
      <Links
        links={{
          obs: { server: 'rtmp://h/LiveApp', streamKey: 's1?token=t' },
          hls: 'https://h:5443/LiveApp/streams/s1.m3u8?token=t',
        }}
      />,
    );
    expect(screen.getByLabelText('OBS Server')).toHaveProperty('value', 'rtmp://h/LiveApp');
    expect(screen.getByLabelText('OBS Stream Key')).toHaveProperty('value', 's1?token=t');
    expect(screen.getByLabelText('HLS URL')).toHaveProperty(
      'value',
      expect.stringContaining('m3u8'),
    );
  });
});

describe('countdown and verdicts', () => {
  it('counts down to expiry', () => {
    const exp = '2026-11-22T10:05:00.000Z';
    expect(countdown(exp, Date.parse('2026-11-22T10:00:00Z'))).toEqual({
      text: 'expires in 5 min 0 s',
      expired: false,
    });
    expect(countdown(exp, Date.parse('2026-11-22T10:05:03Z'))).toEqual({
      text: 'expired 3 s ago',
      expired: true,
    });
    expect(formatSpan(90_061)).toBe('1 d 1 h 1 min');
  });

  it('ticks once a second', () => {
    vi.useFakeTimers();
    let now = Date.parse('2026-11-22T10:00:00Z');
    const clock = (): number => now;
    render(<Countdown expiresAt="2026-11-22T10:00:02.000Z" now={clock} />);
    expect(screen.getByTestId('countdown').textContent).toBe('expires in 2 s');
    act(() => {
      now += 3000;
      vi.advanceTimersByTime(1000);
    });
    expect(screen.getByTestId('countdown').textContent).toBe('expired 1 s ago');
  });

  it('labels a decoded token unverified until it is checked', () => {
    const base = {
      checkedWith: 'none' as const,
      header: {},
      claims: {},
      errors: [],
      reasons: [],
      times: {},
      clockToleranceSeconds: 60,
    };
    expect(verdictOf({ ...base, valid: true, verified: false }).label).toMatch(/^Unverified/);
    expect(verdictOf({ ...base, valid: true, verified: true }).label).toBe('Verified');
    expect(verdictOf({ ...base, valid: false, verified: false }).label).toBe('Invalid');
  });
});

describe('the whole app shell', () => {
  /** An empty vault's answers, with what the data folder said when it was opened. */
  const shell = (notices: string[]) => ({
    listKeys: () => ({ keys: [] }),
    getSettings: () => ({ theme: 'system', defaultTtls: {} }),
    appInfo: () => ({
      version: 't',
      dataDir: '/d',
      keychain: { available: true, message: null },
      clockToleranceSeconds: 60,
      notices,
    }),
  });

  it('shows what the data folder said when it was opened (a migration, a restored snapshot)', async () => {
    installApi(shell(['Keycast moved 3 key record(s) from keycast.json into its database.']));
    const { App } = await import('../../../renderer/src/App.tsx');
    render(<App />);
    const notice = await screen.findByText(/moved 3 key record/);
    expect(notice.getAttribute('role')).toBe('status');
  });

  it('reaches every screen from the keyboard', async () => {
    installApi({
      ...shell([]),
      listProviders: () => ({ providers: [] }),
      listCredentials: () => ({ credentials: [] }),
      listActivity: () => ({
        records: [],
        more: false,
        settings: { retentionDays: 180, hashSubjects: false },
      }),
    });
    const { App } = await import('../../../renderer/src/App.tsx');
    render(<App />);
    await screen.findByText(/No keys yet/);
    const user = userEvent.setup();
    for (const name of ['Mint', 'Inspect', 'Providers', 'Activity', 'Settings']) {
      const button = screen.getByRole('button', { name });
      button.focus();
      await user.keyboard('{Enter}');
      await waitFor(() => expect(button.getAttribute('aria-current')).toBe('page'));
      expect(screen.getAllByRole('heading', { level: 1 })).toHaveLength(1);
    }
  });
});
