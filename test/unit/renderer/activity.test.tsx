// @vitest-environment jsdom
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { ActivityRecordView, KeyView, ProviderView } from '../../../shared/ipc.ts';
import { ActivityScreen } from '../../../renderer/src/screens/ActivityScreen.tsx';
import {
  eventText,
  requestOf,
  ANY,
} from '../../../renderer/src/screens/activity/activityFilter.ts';
import { installApi } from './setup.ts';

afterEach(cleanup);

const key: KeyView = {
  id: 'k1',
  name: 'chat',
  alg: 'RS256',
  kid: 'kid-chat-0123456789',
  fingerprint: 'fp',
  provider: 'kinescope',
  createdAt: '2026-11-01T00:00:00.000Z',
  expiresAt: null,
  expiresSoon: false,
  status: 'active',
  uploads: [],
  notes: '',
  attributes: {},
};

const providers: ProviderView[] = [
  { id: 'kinescope', name: 'Kinescope', kinds: [] },
  { id: 'frameable', name: 'Frameable', kinds: [] },
];

const record = (over: Partial<ActivityRecordView>): ActivityRecordView => ({
  id: 1,
  at: '2026-11-20T10:00:00.000Z',
  source: 'cli',
  event: 'token-minted',
  keyId: 'k1',
  kid: key.kid,
  provider: 'kinescope',
  kind: 'chat',
  jti: null,
  subjects: { user_id: 'u-1', username: 'Ann' },
  expiresAt: '2026-11-20T11:00:00.000Z',
  destination: 'kinescope.io',
  detail: { via: 'mint' },
  ...over,
});

const settings = { retentionDays: 180, hashSubjects: false };

function api(pages: ActivityRecordView[][], more = false) {
  let page = 0;
  return installApi({
    listKeys: () => ({ keys: [key] }),
    listProviders: () => ({ providers }),
    listActivity: (request) => {
      const beforeId = (request as { beforeId?: number }).beforeId;
      const records = beforeId ? (pages[++page] ?? []) : pages[0]!;
      return { records, more: beforeId ? false : more, settings };
    },
    exportActivity: () => ({ path: '/home/ann/keycast-activity.csv', count: 2 }),
    verifyActivity: () => ({
      intact: true,
      records: 2,
      head: { id: 2, hash: 'ab'.repeat(32) },
      prunedThrough: null,
      problem: null,
    }),
    saveActivitySettings: (request) => ({ ...settings, ...(request as object) }),
    pruneActivity: () => ({ pruned: 0, through: null, olderThanDays: 180 }),
  });
}

describe('the Activity screen', () => {
  it('lists the last 7 days: event, program, key by name, subjects and where the token went', async () => {
    const { calls } = api([
      [
        record({
          id: 2,
          source: 'serve',
          detail: { via: 'redirect' },
          provider: 'frameable',
          kind: 'attendee',
          subjects: { email: 'bo@example.com' },
          destination: 'acme.frameable.com',
        }),
        record({
          id: 1,
          event: 'key-deleted',
          keyId: 'gone',
          kid: 'kid-of-a-deleted-key-xyz',
          provider: null,
          kind: null,
          subjects: null,
          destination: null,
          expiresAt: null,
          detail: { name: 'old', alg: 'ES256' },
        }),
      ],
    ]);
    render(<ActivityScreen />);
    const table = await screen.findByRole('table', { name: 'Activity' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(
      rows.map((r) =>
        within(r)
          .getAllByRole('cell')
          .map((c) => c.textContent),
      ),
    ).toEqual([
      [
        '2',
        expect.any(String),
        'serve',
        'token minted · redirect click',
        'chat',
        'frameable attendee',
        'bo@example.com',
        'acme.frameable.com',
        expect.any(String),
        '—',
      ],
      [
        '1',
        expect.any(String),
        'cli',
        'key deleted',
        'kid kid-of-a-del…',
        '—',
        '—',
        '—',
        '—',
        'name=old alg=ES256',
      ],
    ]);
    expect(calls.find((c) => c.action === 'listActivity')!.request).toEqual({
      since: '7d',
      limit: 200,
    });
  });

  it('asks again with each filter, typed ones on Show', async () => {
    const { calls } = api([[record({})]]);
    render(<ActivityScreen />);
    await screen.findByRole('table', { name: 'Activity' });
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Provider'), 'kinescope');
    await user.selectOptions(screen.getByLabelText('Since'), '');
    await user.selectOptions(screen.getByLabelText('Key'), 'k1');
    await user.type(screen.getByLabelText('Subject'), 'u-1');
    await user.click(screen.getByRole('button', { name: 'Show' }));
    await waitFor(() =>
      expect(calls.filter((c) => c.action === 'listActivity').at(-1)!.request).toEqual({
        key: 'k1',
        provider: 'kinescope',
        subject: 'u-1',
        limit: 200,
      }),
    );
  });

  it('exports the records the filters show, through main, and says where', async () => {
    const { calls } = api([[record({})]]);
    render(<ActivityScreen />);
    await screen.findByRole('table', { name: 'Activity' });
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Event'), 'token-minted');
    await user.click(screen.getByRole('button', { name: 'Export CSV…' }));
    expect(await screen.findByRole('status')).toHaveProperty(
      'textContent',
      'Exported 2 record(s) to /home/ann/keycast-activity.csv.',
    );
    expect(calls.find((c) => c.action === 'exportActivity')!.request).toEqual({
      since: '7d',
      event: 'token-minted',
    });
  });

  it('verifies the chain and shows a broken one as an alert naming the record', async () => {
    api([[record({})]]);
    render(<ActivityScreen />);
    await screen.findByRole('table', { name: 'Activity' });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    expect((await screen.findByRole('status')).textContent).toMatch(
      /^The activity log is intact: 2 record\(s\) verified\. Newest #2, hash abababab/,
    );
    cleanup();
    installApi({
      listKeys: () => ({ keys: [] }),
      listProviders: () => ({ providers: [] }),
      listActivity: () => ({ records: [], more: false, settings }),
      verifyActivity: () => ({
        intact: false,
        records: 2,
        head: null,
        prunedThrough: null,
        problem: { kind: 'removed', id: 3, message: 'Record #3 was removed.' },
      }),
    });
    render(<ActivityScreen />);
    expect(await screen.findByText('No activity recorded that matches.')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The activity log does not verify: Record #3 was removed. Keep the data folder as it is for an investigation.',
    );
  });

  it('shows older records a page at a time', async () => {
    const { calls } = api([[record({ id: 5 })], [record({ id: 4 })]], true);
    render(<ActivityScreen />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Show older' }));
    await waitFor(() =>
      expect(within(screen.getByRole('table')).getAllByRole('row')).toHaveLength(3),
    );
    expect(calls.filter((c) => c.action === 'listActivity').at(-1)!.request).toEqual({
      since: '7d',
      beforeId: 5,
      limit: 200,
    });
    expect(screen.queryByRole('button', { name: 'Show older' })).toBeNull();
  });

  it('saves the retention and hashed subjects, and prunes on request', async () => {
    const { calls } = api([[record({})]]);
    render(<ActivityScreen />);
    await screen.findByRole('table', { name: 'Activity' });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Retention…' }));
    const days = screen.getByLabelText('Keep records for (days)');
    await user.clear(days);
    await user.type(days, '0');
    expect(screen.getByRole('button', { name: 'Save' })).toHaveProperty('disabled', true);
    await user.clear(days);
    await user.type(days, '90');
    await user.click(screen.getByLabelText('Store who tokens are for as keyed hashes'));
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('status')).textContent).toBe(
      'Records are kept 90 days; subjects are stored as keyed hashes.',
    );
    expect(calls.find((c) => c.action === 'saveActivitySettings')!.request).toEqual({
      retentionDays: 90,
      hashSubjects: true,
    });
    await user.click(screen.getByRole('button', { name: 'Prune now' }));
    await waitFor(() =>
      expect(screen.getByRole('status').textContent).toBe('Nothing is older than 180 days.'),
    );
  });
});

describe('activity filters', () => {
  it('leave out what is empty and name the route with the event', () => {
    expect(requestOf({ ...ANY, kind: '  chat ', since: '' })).toEqual({ kind: 'chat' });
    expect(eventText({ event: 'token-minted', detail: { via: 'obs' } })).toBe(
      'token minted · for OBS',
    );
    expect(eventText({ event: 'from-a-newer-keycast', detail: {} })).toBe('from-a-newer-keycast');
  });
});
