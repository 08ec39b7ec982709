// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  ClickView,
  FormField,
  KeyView,
  LinkServerState,
  ProviderView,
  RedirectLinkView,
} from '../../../shared/ipc.ts';
import { LinksScreen } from '../../../renderer/src/screens/LinksScreen.tsx';
import { guessMapping } from '../../../renderer/src/screens/links/importPlan.ts';
import { optionErrors } from '../../../renderer/src/screens/links/linkOptions.ts';
import { matches } from '../../../renderer/src/screens/links/LinksTable.tsx';
import { qrPath } from '../../../renderer/src/screens/links/QrCode.tsx';
import { EMPTY_OPTIONS } from '../../../renderer/src/screens/links/linkOptions.ts';
import { installApi } from './setup.ts';

afterEach(cleanup);

const EVENT = 'https://acme.frameable.com/events/launch';
const URL_1 = 'https://go.example.com/l/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const URL_2 = 'https://go.example.com/l/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';

const field = (over: Partial<FormField> & { name: string; label: string }): FormField => ({
  type: 'text',
  required: false,
  help: null,
  options: [],
  pattern: null,
  maxLength: null,
  defaultValue: null,
  ...over,
});

const frameable: ProviderView = {
  id: 'frameable',
  name: 'Frameable',
  kinds: [
    {
      id: 'attendee',
      description: 'sign an attendee into an event',
      mode: 'local',
      algs: ['RS256'],
      keyDescription: 'an RS256 RSA key of 2048 bits or more',
      ttl: { default: 300, max: 2_592_000, warnAbove: 3600 },
      fields: [
        field({ name: 'displayName', label: 'Display name', required: true, maxLength: 200 }),
        field({ name: 'email', label: 'Email' }),
        field({ name: 'eventUrl', label: 'Event URL' }),
      ],
    },
  ],
};

const key: KeyView = {
  id: 'k1',
  name: 'event-key',
  alg: 'RS256',
  kid: 'kid-1',
  fingerprint: 'fp',
  provider: 'frameable',
  createdAt: '2026-11-01T00:00:00.000Z',
  expiresAt: null,
  expiresSoon: false,
  status: 'active',
  uploads: [],
  notes: '',
  attributes: {},
};

const link = (over: Partial<RedirectLinkView>): RedirectLinkView => ({
  id: 'l1',
  label: 'Ann Lee',
  provider: 'frameable',
  kind: 'attendee',
  keyId: 'k1',
  keyName: 'event-key',
  params: { displayName: 'Ann Lee', email: 'ann@example.com', eventUrl: EVENT },
  tokenTtlSeconds: 300,
  validFrom: null,
  validUntil: null,
  maxUses: 3,
  uses: 1,
  confirm: false,
  note: '',
  createdAt: '2026-11-20T10:00:00.000Z',
  revokedAt: null,
  lastClickAt: '2026-11-21T09:30:00.000Z',
  status: 'active',
  ...over,
});

const stopped: LinkServerState = {
  running: false,
  address: null,
  listen: { host: '127.0.0.1', port: 8080 },
  publicUrl: 'https://go.example.com',
  warning: null,
  startedAt: null,
};

/** The answers every Links screen loads with; a test adds or replaces what it exercises. */
function api(answers: Record<string, (request: never) => unknown> = {}) {
  return installApi({
    linkKinds: () => ({
      kinds: [{ provider: 'frameable', kind: 'attendee', destination: 'event' }],
    }),
    listProviders: () => ({ providers: [frameable] }),
    listKeys: () => ({ keys: [key] }),
    linkServerState: () => stopped,
    listLinks: () => ({ links: [], publicUrl: 'https://go.example.com' }),
    linkClicks: () => ({ clicks: [] }),
    copyText: () => ({ clearsAt: null }),
    ...(answers as Record<string, (request: unknown) => unknown>),
  });
}

const requestsOf = (calls: { action: string; request: unknown }[], action: string) =>
  calls.filter((c) => c.action === action).map((c) => c.request as Record<string, unknown>);

const SHEET = {
  sheetId: 'sheet-1',
  fileName: 'attendees.csv',
  columns: ['Name', 'Email', 'Company'],
  rowCount: 3,
  rows: [
    { line: 2, values: { Name: 'Ann Lee', Email: 'ann@example.com', Company: 'Acme' } },
    { line: 3, values: { Name: 'Bo', Email: 'not-an-email', Company: 'Acme' } },
    { line: 4, values: { Name: 'Cy', Email: 'cy@example.com', Company: 'Initech' } },
  ],
};

describe('the Links screen: importing a CSV', () => {
  it('maps parameters to columns, previews the first rows and highlights a bad row; nothing is created', async () => {
    const { calls } = api({
      chooseAttendeeCsv: () => ({ path: '/home/me/attendees.csv' }),
      openAttendeeCsv: () => SHEET,
      checkAttendeeImport: () => ({
        rowCount: 3,
        problems: [{ line: 3, problem: 'email: must be an email address' }],
        problemCount: 1,
        planned: [],
      }),
    });
    render(<LinksScreen />);
    await userEvent.click(await screen.findByRole('button', { name: 'Import CSV' }));
    await userEvent.click(screen.getByRole('button', { name: 'Choose CSV…' }));
    expect(requestsOf(calls, 'openAttendeeCsv')).toEqual([{ path: '/home/me/attendees.csv' }]);

    // The mapping is guessed from the column names; the event URL is one value for every row.
    const mapping = await screen.findByRole('table', { name: 'Column mapping' });
    expect(within(mapping).getByLabelText('Column for Display name')).toHaveProperty(
      'value',
      'Name',
    );
    expect(within(mapping).getByLabelText('Column for Email')).toHaveProperty('value', 'Email');
    expect(within(mapping).getByLabelText('Column for Event URL')).toHaveProperty('value', '');
    await userEvent.type(within(mapping).getByLabelText('Event URL', { exact: true }), EVENT);

    const preview = screen.getByRole('table', { name: 'Preview of the first rows' });
    expect(
      within(preview)
        .getAllByRole('columnheader')
        .map((h) => h.textContent),
    ).toEqual(['Line', 'Label', 'Display name ← Name', 'Email ← Email', 'Problem']);
    expect(within(preview).getByRole('row', { name: /line 3/ }).textContent).toContain(
      'not-an-email',
    );
    // Each link is labelled from the first mapped column in the kind's order: the name.
    expect(
      within(within(preview).getByRole('row', { name: /line 2/ }))
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['Ann Lee', 'Ann Lee', 'ann@example.com', '']);
    const create = screen.getByRole('button', { name: 'Create 3 links and save CSV…' });
    expect(create).toHaveProperty('disabled', true);

    await userEvent.click(screen.getByRole('button', { name: 'Check rows' }));
    const bad = await within(preview).findByText('email: must be an email address');
    const row = bad.closest('tr')!;
    expect(row.className).toBe('row-problem');
    expect(within(row).getByRole('rowheader').textContent).toBe('line 3');
    expect(within(preview).getByRole('row', { name: /line 2/ }).className).toBe('');
    expect(screen.getByText(/1 of 3 rows have problems/)).toBeTruthy();
    expect(create).toHaveProperty('disabled', true);

    const [checked] = requestsOf(calls, 'checkAttendeeImport');
    expect(checked).toMatchObject({
      sheetId: 'sheet-1',
      provider: 'frameable',
      kind: 'attendee',
      key: 'k1',
      map: { displayName: 'Name', email: 'Email' },
      params: { eventUrl: EVENT },
      maxUses: null,
      confirm: false,
    });
    expect(checked!.jobId).toMatch(/^[0-9a-f]{24}$/);
    expect(Object.keys(checked!.map as object)).toEqual(['displayName', 'email']);

    // A check holds for the mapping it was made with: another mapping clears the highlight.
    fireEvent.change(within(mapping).getByLabelText('Column for Email'), {
      target: { value: '' },
    });
    expect(within(preview).queryByText('email: must be an email address')).toBeNull();
    expect(requestsOf(calls, 'importAttendees')).toEqual([]);
  });

  it('creates all links only after a clean check, and says where the CSV was saved', async () => {
    const { calls } = api({
      openAttendeeCsv: () => SHEET,
      checkAttendeeImport: () => ({ rowCount: 3, problems: [], problemCount: 0, planned: [] }),
      importAttendees: () => ({
        path: '/home/me/attendees-links.csv',
        created: [
          { line: 2, id: 'a', label: 'Ann Lee', url: URL_1 },
          { line: 3, id: 'b', label: 'Bo', url: URL_2 },
        ],
      }),
    });
    render(<LinksScreen />);
    await userEvent.click(await screen.findByRole('button', { name: 'Import CSV' }));
    // A dropped file: only its path goes to main.
    const bridged = window.keycast;
    Object.defineProperty(window, 'keycast', {
      configurable: true,
      value: new Proxy(bridged, {
        get: (target, name) =>
          name === 'pathForFile'
            ? (file: File) => `/dropped/${file.name}`
            : (Reflect.get(target, name) as unknown),
      }),
    });
    const zone = screen.getByTestId('csv-dropzone');
    fireEvent.drop(zone, { dataTransfer: { files: [new File(['x'], 'attendees.csv')] } });
    const mapping = await screen.findByRole('table', { name: 'Column mapping' });
    expect(requestsOf(calls, 'openAttendeeCsv')).toEqual([{ path: '/dropped/attendees.csv' }]);
    // A required parameter with neither a column nor a value is said before main is asked.
    fireEvent.change(within(mapping).getByLabelText('Column for Display name'), {
      target: { value: '' },
    });
    await userEvent.click(screen.getByRole('button', { name: 'Check rows' }));
    expect(within(mapping).getByText('Display name is required.')).toBeTruthy();
    expect(requestsOf(calls, 'checkAttendeeImport')).toEqual([]);
    fireEvent.change(within(mapping).getByLabelText('Column for Display name'), {
      target: { value: 'Name' },
    });
    await userEvent.type(within(mapping).getByLabelText('Event URL', { exact: true }), EVENT);
    await userEvent.type(screen.getByLabelText('Uses (maximum)'), '2');
    await userEvent.click(screen.getByRole('button', { name: 'Check rows' }));
    await screen.findByText('All 3 rows are fine.');
    await userEvent.click(screen.getByRole('button', { name: 'Create 3 links and save CSV…' }));
    await screen.findByText(
      /Created 2 links and saved them .* to \/home\/me\/attendees-links\.csv/,
    );
    const [imported] = requestsOf(calls, 'importAttendees');
    expect(imported).toMatchObject({ sheetId: 'sheet-1', maxUses: 2, params: { eventUrl: EVENT } });
    await userEvent.click(screen.getByText('The 2 new links'));
    expect(screen.getByLabelText('Link for Bo (line 3)')).toHaveProperty('value', URL_2);
  });
});

describe('the Links screen: one link', () => {
  it('creates a link from the kind’s form and its options, and shows the URL once with a QR code', async () => {
    const { calls } = api({
      createLink: (request: { params: Record<string, string> }) => ({
        link: link({ label: request.params.displayName!, uses: 0, lastClickAt: null }),
        url: URL_1,
      }),
    });
    render(<LinksScreen />);
    await userEvent.click(await screen.findByRole('button', { name: 'Create link' }));
    const form = screen.getByRole('form', { name: 'Create a redirect link' });
    expect(within(form).getByLabelText('Signing key')).toHaveProperty('value', 'k1');
    // Inline validation from the kind's schema, as on the Mint screen.
    await userEvent.click(within(form).getByRole('button', { name: 'Create link' }));
    await within(form).findByText('Display name is required.');
    await userEvent.type(within(form).getByLabelText('Display name', { exact: true }), 'Ann Lee');
    await userEvent.type(within(form).getByLabelText('Event URL', { exact: true }), EVENT);
    await userEvent.type(within(form).getByLabelText('Uses (maximum)'), '3');
    fireEvent.change(within(form).getByLabelText('Valid until'), {
      target: { value: '2020-01-01T10:00' },
    });
    await userEvent.click(within(form).getByRole('radio', { name: '1 h' }));
    await userEvent.click(within(form).getByRole('checkbox', { name: /Confirm step/ }));
    await userEvent.type(within(form).getByLabelText('Note'), 'front row');
    await userEvent.click(within(form).getByRole('button', { name: 'Create link' }));
    await within(form).findByText('Valid until is in the past: the link would never work.');
    expect(requestsOf(calls, 'createLink')).toEqual([]);

    fireEvent.change(within(form).getByLabelText('Valid until'), {
      target: { value: '2999-01-01T10:00' },
    });
    await userEvent.click(within(form).getByRole('button', { name: 'Create link' }));
    const issued = await screen.findByRole('region', { name: 'New link for “Ann Lee”' });
    expect(requestsOf(calls, 'createLink')).toEqual([
      {
        provider: 'frameable',
        kind: 'attendee',
        key: 'k1',
        params: { displayName: 'Ann Lee', eventUrl: EVENT },
        label: undefined,
        tokenTtlSeconds: 3600,
        validFrom: null,
        validUntil: new Date('2999-01-01T10:00').toISOString(),
        maxUses: 3,
        confirm: true,
        note: 'front row',
      },
    ]);
    expect(within(issued).getByLabelText('Link URL')).toHaveProperty('value', URL_1);
    expect(within(issued).getByText(/it is shown once/)).toBeTruthy();
    const qr = within(issued).getByRole('img', { name: 'QR code of the link for Ann Lee' });
    expect(qr.querySelector('path')?.getAttribute('d')).toBe(qrPath(URL_1).d);
    // The form closed and the table was read again.
    expect(screen.queryByRole('form', { name: 'Create a redirect link' })).toBeNull();
    expect(requestsOf(calls, 'listLinks').length).toBeGreaterThanOrEqual(2);
    await userEvent.click(within(issued).getByRole('button', { name: 'Done' }));
    expect(screen.queryByLabelText('Link URL')).toBeNull();
  });
});

describe('the Links screen: the table', () => {
  it('revokes and reissues after asking; a reissued link shows its new URL once', async () => {
    let current = link({});
    const { calls } = api({
      listLinks: () => ({ links: [current], publicUrl: 'https://go.example.com' }),
      revokeLink: () => {
        current = link({ revokedAt: '2026-11-22T10:00:00.000Z', status: 'revoked' });
        return { link: current };
      },
      reissueLink: () => ({ link: current, url: URL_2 }),
      deleteLink: () => ({ deleted: 'l1' }),
    });
    render(<LinksScreen />);
    const table = await screen.findByRole('table', { name: 'Redirect links' });
    const row = within(table).getByRole('row', { name: /Ann Lee/ });
    expect(
      within(row)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual([
      'frameable / attendee',
      '1/3',
      expect.stringMatching(/^2026-11-21 /),
      'active',
      'ReissueRevokeDelete',
    ]);

    await userEvent.click(within(row).getByRole('button', { name: 'Reissue Ann Lee' }));
    let dialog = screen.getByRole('dialog', { name: 'Reissue the link for “Ann Lee”?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Reissue link' }));
    const issued = await screen.findByRole('region', { name: 'New address for “Ann Lee”' });
    expect(within(issued).getByLabelText('Link URL')).toHaveProperty('value', URL_2);
    expect(requestsOf(calls, 'reissueLink')).toEqual([{ id: 'l1' }]);

    // Delete asks first; Cancel leaves the link alone.
    await userEvent.click(within(row).getByRole('button', { name: 'Delete Ann Lee' }));
    dialog = screen.getByRole('dialog', { name: 'Delete the link for “Ann Lee”?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(requestsOf(calls, 'deleteLink')).toEqual([]);

    await userEvent.click(within(row).getByRole('button', { name: 'Revoke Ann Lee' }));
    dialog = screen.getByRole('dialog', { name: 'Revoke the link for “Ann Lee”?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Revoke link' }));
    await screen.findByText('Revoked “Ann Lee”: the link no longer works.');
    expect(requestsOf(calls, 'revokeLink')).toEqual([{ id: 'l1' }]);
    await waitFor(() =>
      expect(
        within(screen.getByRole('row', { name: /Ann Lee/ })).getByText('revoked'),
      ).toBeTruthy(),
    );
    expect(screen.getByRole('button', { name: 'Revoke Ann Lee' })).toHaveProperty('disabled', true);
    expect(screen.getByRole('button', { name: 'Reissue Ann Lee' })).toHaveProperty(
      'disabled',
      true,
    );
  });

  it('filters by text and by status', async () => {
    api({
      listLinks: () => ({
        links: [
          link({}),
          link({ id: 'l2', label: 'Bo Chen', params: { email: 'bo@initech.example' } }),
          link({ id: 'l3', label: 'Cy', status: 'used up', uses: 3 }),
        ],
        publicUrl: 'https://go.example.com',
      }),
    });
    render(<LinksScreen />);
    const table = await screen.findByRole('table', { name: 'Redirect links' });
    expect(within(table).getAllByRole('row')).toHaveLength(4);
    await userEvent.type(screen.getByLabelText('Filter links'), 'initech');
    expect(
      within(table)
        .getAllByRole('row')
        .map((r) => r.textContent),
    ).toEqual([expect.stringContaining('Label'), expect.stringContaining('Bo Chen')]);
    await userEvent.clear(screen.getByLabelText('Filter links'));
    await userEvent.selectOptions(screen.getByLabelText('Status'), 'used up');
    expect(within(table).getAllByRole('row')).toHaveLength(2);
    expect(within(table).getByRole('row', { name: /Cy/ }).textContent).toContain('3/3');
  });

  it('starts the server on loopback and shows clicks as they arrive, never a token', async () => {
    const clicks: ClickView[] = [];
    const running: LinkServerState = {
      ...stopped,
      running: true,
      address: 'http://127.0.0.1:8080',
      startedAt: '2026-11-22T10:00:00.000Z',
    };
    const { calls } = api({
      startLinkServer: () => running,
      stopLinkServer: () => stopped,
      linkClicks: () => ({ clicks: [...clicks] }),
    });
    render(<LinksScreen pollMs={20} />);
    const server = await screen.findByRole('form', { name: 'Server address' });
    expect(within(server).getByLabelText('Listen on')).toHaveProperty('value', '127.0.0.1');
    await userEvent.click(within(server).getByRole('button', { name: 'Start server' }));
    await screen.findByText(/^Running on http:\/\/127\.0\.0\.1:8080/);
    expect(requestsOf(calls, 'startLinkServer')).toEqual([{ host: '127.0.0.1', port: 8080 }]);
    clicks.push({
      at: '2026-11-22T10:00:05.000Z',
      outcome: 'redirected',
      linkId: 'l1',
      label: 'Ann Lee',
      client: '203.0.113.0/24',
      agent: 'Chrome',
    });
    const table = await screen.findByRole('table', { name: 'Recent clicks' });
    const row = within(table).getByRole('row', { name: /Ann Lee/ });
    expect(row.textContent).toContain('redirected');
    expect(row.textContent).toContain('203.0.113.0/24');
    expect(row.textContent).toContain('Chrome');
    await userEvent.click(within(server).getByRole('button', { name: 'Stop server' }));
    await screen.findByText(/^Stopped/);
  });

  it('says before starting that another address is reachable from other machines', async () => {
    api();
    render(<LinksScreen />);
    const server = await screen.findByRole('form', { name: 'Server address' });
    await userEvent.clear(within(server).getByLabelText('Listen on'));
    await userEvent.type(within(server).getByLabelText('Listen on'), '0.0.0.0');
    expect(within(server).getByText(/Other machines can reach 0\.0\.0\.0/)).toBeTruthy();
  });
});

describe('link helpers', () => {
  it('guesses the mapping from column names', () => {
    const guessed = guessMapping(frameable.kinds[0]!.fields, ['Name', 'E-mail', 'Event URL']);
    // In the kind's order, so the name (not the email) labels each link by default.
    expect(Object.entries(guessed)).toEqual([
      ['displayName', 'Name'],
      ['email', 'E-mail'],
      ['eventUrl', 'Event URL'],
    ]);
  });

  it('checks uses, the window and the custom lifetime', () => {
    const now = Date.parse('2026-11-22T00:00:00Z');
    expect(optionErrors({ ...EMPTY_OPTIONS, uses: '0' }, 3600, now).uses).toMatch(/whole number/);
    expect(optionErrors({ ...EMPTY_OPTIONS, uses: '2.5' }, 3600, now).uses).toBeTruthy();
    expect(
      optionErrors(
        { ...EMPTY_OPTIONS, validFrom: '2026-12-02T10:00', validUntil: '2026-12-01T10:00' },
        3600,
        now,
      ).validUntil,
    ).toBe('Valid until must be after valid from.');
    expect(optionErrors({ ...EMPTY_OPTIONS, customMinutes: '61' }, 3600, now).ttl).toMatch(/1 h/);
    expect(optionErrors({ ...EMPTY_OPTIONS, uses: '5', customMinutes: '60' }, 3600, now)).toEqual(
      {},
    );
  });

  it('filters on label, parameters and note', () => {
    expect(matches(link({}), 'ANN@')).toBe(true);
    expect(matches(link({ note: 'front row' }), 'front')).toBe(true);
    expect(matches(link({}), 'nobody')).toBe(false);
  });

  it('draws a QR code with a quiet zone', () => {
    const { side, d } = qrPath(URL_1);
    // 57 characters at level M: version 4, 33 modules, and 4 light modules each side.
    expect(side).toBe(33 + 8);
    expect(d.startsWith('M4 4h1v1h-1z')).toBe(true);
  });
});
