// @vitest-environment jsdom
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { StatusItem, StatusReport } from '../../../shared/status.ts';
import { StatusBanner } from '../../../renderer/src/components/StatusBanner.tsx';
import { installApi } from './setup.ts';

afterEach(cleanup);

const item = (over: Partial<StatusItem>): StatusItem => ({
  id: 'key:k1',
  kind: 'key-expiring',
  key: { id: 'k1', name: 'chat' },
  at: '2031-03-15T12:00:00.000Z',
  message:
    'Key "chat" expires in 13d 23h: rotate it before then (keycast keys rotate chat), or it stops signing.',
  ...over,
});

const report = (items: StatusItem[]): StatusReport => ({
  generatedAt: '2031-03-01T12:00:00.000Z',
  windowDays: 30,
  due: items.length > 0,
  items,
});

describe('StatusBanner', () => {
  it('shows nothing when nothing is due', async () => {
    const { calls } = installApi({ statusReport: () => report([]) });
    const { container } = render(<StatusBanner />);
    await waitFor(() => expect(calls.map((c) => c.action)).toEqual(['statusReport']));
    expect(calls[0]!.request).toEqual({});
    expect(container.innerHTML).toBe('');
  });

  it('lists each item with its label, date and sentence; a coming expiry is a warning', async () => {
    installApi({
      statusReport: () =>
        report([
          item({}),
          item({
            id: 'rotation:k2',
            kind: 'rotation-waiting',
            key: { id: 'k2', name: 'ams' },
            at: '2031-02-27T09:00:00.000Z',
            message:
              'The rotation of "ams" waits for you: put the new key into antmedia, then confirm the paste.',
          }),
        ]),
    });
    render(<StatusBanner />);
    const banner = await screen.findByRole('region', { name: 'Needs attention' });
    expect(banner.className).toBe('notice status-banner warn');
    expect(within(banner).getByText('2 things need your attention (within 30 days)')).toBeTruthy();
    const lines = within(banner).getAllByRole('listitem');
    expect(lines.map((l) => l.textContent)).toEqual([
      'Expires 2031-03-15 Key "chat" expires in 13d 23h: rotate it before then (keycast keys rotate chat), or it stops signing.',
      'Waiting for you 2031-02-27 The rotation of "ams" waits for you: put the new key into antmedia, then confirm the paste.',
    ]);
    expect(lines[0]!.querySelector('time')?.getAttribute('dateTime')).toBe(
      '2031-03-15T12:00:00.000Z',
    );
    expect(within(banner).queryByRole('button')).toBeNull();
  });

  it('marks what stops working now as urgent, and folds a long list behind "Show all"', async () => {
    const many = [
      item({
        id: 'secret:k3',
        kind: 'secret-missing',
        at: null,
        message: 'The private key of "x" is missing.',
      }),
      ...[1, 2, 3, 4].map((n) => item({ id: `key:k${n}`, message: `Key ${n} expires.` })),
    ];
    installApi({ statusReport: () => report(many) });
    render(<StatusBanner />);
    const banner = await screen.findByRole('region', { name: 'Needs attention' });
    expect(banner.className).toContain(' bad');
    expect(
      within(banner)
        .getAllByRole('listitem')
        .map((l) => l.textContent),
    ).toEqual([
      'Secret missing The private key of "x" is missing.',
      'Expires 2031-03-15 Key 1 expires.',
      'Expires 2031-03-15 Key 2 expires.',
    ]);
    await userEvent.click(within(banner).getByRole('button', { name: 'Show all 5' }));
    expect(within(banner).getAllByRole('listitem')).toHaveLength(5);
    await userEvent.click(within(banner).getByRole('button', { name: 'Show fewer' }));
    expect(within(banner).getAllByRole('listitem')).toHaveLength(3);
  });

  it('asks again when the screen changes and says so when it cannot ask', async () => {
    let answer: StatusReport | Error = report([]);
    const { calls } = installApi({
      statusReport: () => {
        if (answer instanceof Error) throw answer;
        return answer;
      },
    });
    const { rerender } = render(<StatusBanner refreshKey="Keys" />);
    await waitFor(() => expect(calls).toHaveLength(1));
    answer = report([item({})]);
    rerender(<StatusBanner refreshKey="Mint" />);
    expect(await screen.findByRole('region', { name: 'Needs attention' })).toBeTruthy();
    expect(calls).toHaveLength(2);
    answer = new Error('The database is busy.');
    rerender(<StatusBanner refreshKey="Links" />);
    expect((await screen.findByRole('status')).textContent).toBe(
      'Keycast could not check what expires: The database is busy.',
    );
  });

  it('asks again on its own every few minutes', async () => {
    const { calls } = installApi({ statusReport: () => report([]) });
    render(<StatusBanner refreshMs={20} />);
    await waitFor(() => expect(calls.length).toBeGreaterThanOrEqual(3));
  });
});
