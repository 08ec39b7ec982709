// @vitest-environment jsdom
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  KeepFreshStateView,
  MintResult,
  ObsStateView,
  ObsStatusView,
} from '../../../shared/ipc.ts';
import { MintedToken } from '../../../renderer/src/screens/MintScreen.tsx';
import { defaultMargin, type MintRequest } from '../../../renderer/src/screens/mint/ObsSend.tsx';
import { ObsPanel } from '../../../renderer/src/screens/settings/ObsPanel.tsx';
import { installApi } from './setup.ts';

afterEach(cleanup);

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdHJlYW1JZCI6InN0cmVhbTEifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
const SERVER = 'rtmp://media.example.com/LiveApp';
const PASSWORD = 'the-obs-websocket-password';

const publish: MintResult = {
  token: TOKEN,
  header: { alg: 'HS256' },
  claims: { streamId: 'stream1', type: 'publish' },
  expiresAt: new Date(Date.now() + 600_000).toISOString(),
  links: {
    obs: { server: SERVER, streamKey: `stream1?token=${TOKEN}` },
    whip: { url: 'https://media.example.com:5443/LiveApp/whip/stream1', bearerToken: TOKEN },
  },
  warnings: [],
  verified: true,
};
const play: MintResult = {
  ...publish,
  claims: { streamId: 'stream1', type: 'play' },
  links: { hls: 'https://media.example.com:5443/LiveApp/streams/stream1.m3u8' },
};
const request: MintRequest = {
  provider: 'antmedia',
  kind: 'publish',
  key: 'k1',
  params: { host: 'media.example.com', stream: 'stream1' },
  ttlSeconds: 600,
};

const status = (over: Partial<ObsStatusView> = {}): ObsStatusView => ({
  obsVersion: '29.1.3',
  websocketVersion: '5.1.0',
  streaming: false,
  reconnecting: false,
  serviceType: 'rtmp_custom',
  server: SERVER,
  whip: false,
  ...over,
});
const ready: ObsStateView = {
  state: 'ready',
  url: 'ws://127.0.0.1:4455',
  status: status(),
  problem: null,
  message: null,
};
const live: ObsStateView = { ...ready, state: 'live', status: status({ streaming: true }) };
const notRunning: ObsStateView = {
  state: 'problem',
  url: 'ws://127.0.0.1:4455',
  status: null,
  problem: 'not-running',
  message: 'OBS is not running (nothing answers at ws://127.0.0.1:4455): start OBS.',
};

const sendButton = (): HTMLButtonElement =>
  screen.getByRole<HTMLButtonElement>('button', { name: 'Send to OBS' });
const startButton = (): HTMLButtonElement =>
  screen.getByRole<HTMLButtonElement>('button', { name: 'Send and start streaming' });

describe('Send to OBS in the Mint result', () => {
  it('appears only for a result with OBS settings and the form values to mint from', async () => {
    installApi({ obsState: () => ready });
    const { unmount } = render(<MintedToken result={publish} request={request} />);
    await screen.findByText(/OBS 29\.1\.3 is ready, server rtmp:\/\/media\.example\.com/);
    expect(sendButton().disabled).toBe(false);
    expect(startButton().disabled).toBe(false);
    unmount();

    render(<MintedToken result={play} request={{ ...request, kind: 'play' }} />);
    expect(screen.queryByRole('button', { name: 'Send to OBS' })).toBeNull();
    cleanup();
    // A token from a provider's API (no vault key): nothing for main to mint again.
    render(<MintedToken result={publish} request={{ ...request, key: undefined }} />);
    expect(screen.queryByRole('button', { name: 'Send to OBS' })).toBeNull();
    cleanup();
    render(<MintedToken result={publish} />);
    expect(screen.queryByRole('button', { name: 'Send to OBS' })).toBeNull();
  });

  it('disables both buttons while OBS is live, with the reason next to them', async () => {
    installApi({ obsState: () => live });
    render(<MintedToken result={publish} request={request} />);
    await screen.findByText(/is live/);
    expect(sendButton().disabled).toBe(true);
    expect(startButton().disabled).toBe(true);
    const reason = document.getElementById(sendButton().getAttribute('aria-describedby')!);
    expect(reason?.textContent).toMatch(
      /^live OBS 29\.1\.3 is live.*leaves the stream settings of a live stream alone/,
    );
  });

  it('shows OBS not running, and the sentence main answers when a send fails', async () => {
    const { calls } = installApi({
      obsState: () => notRunning,
      sendToObs: () => {
        throw new Error(notRunning.message!);
      },
    });
    render(<MintedToken result={publish} request={request} />);
    const state = await screen.findByTestId('obs-state');
    await waitFor(() => expect(state.textContent).toMatch(/^not running OBS is not running/));
    await userEvent.click(sendButton());
    expect((await screen.findByRole('alert')).textContent).toBe(notRunning.message);
    expect(calls.filter((c) => c.action === 'sendToObs')).toHaveLength(1);
  });

  it('sends the form values (never the token), shows the result and asks OBS again', async () => {
    const { calls } = installApi({
      obsState: () => ready,
      sendToObs: (r) => ({
        status: status({ streaming: (r as { start?: boolean }).start === true }),
        expiresAt: publish.expiresAt,
        started: (r as { start?: boolean }).start === true,
        warnings: [],
      }),
    });
    render(<MintedToken result={publish} request={request} />);
    await screen.findByText(/is ready/);
    await userEvent.click(startButton());
    const line = await screen.findByText(/^Sent to OBS 29\.1\.3/);
    expect(line.textContent).toMatch(
      /server rtmp:\/\/media\.example\.com\/LiveApp, read back and checked\. The token in OBS expires in (9|10) min/,
    );
    expect(line.textContent).toContain('Streaming: the server accepted the stream.');
    const sent = calls.find((c) => c.action === 'sendToObs')!;
    expect(sent.request).toEqual({ ...request, start: true });
    expect(JSON.stringify(sent.request)).not.toContain(TOKEN);
    // OBS's state is asked again right after the push.
    await waitFor(() =>
      expect(calls.filter((c) => c.action === 'obsState').length).toBeGreaterThanOrEqual(2),
    );
  });

  it('keeps a margin of 10 minutes, or half a shorter lifetime', () => {
    expect(defaultMargin(undefined)).toBe(600);
    expect(defaultMargin(86_400)).toBe(600);
    expect(defaultMargin(900)).toBe(420);
    expect(defaultMargin(300)).toBe(120);
    expect(defaultMargin(60)).toBe(60);
  });

  it('turns keep-fresh on with the same values and a 10-minute margin', async () => {
    const { calls } = installApi({ obsState: () => ready, saveObsKeepFresh: () => ({}) });
    render(<MintedToken result={publish} request={request} />);
    await userEvent.click(
      screen.getByRole('button', { name: 'Keep OBS’s token fresh with these values' }),
    );
    await screen.findByText(/^Keep-fresh is on with these values: .* less than 5 min left/);
    expect(calls.find((c) => c.action === 'saveObsKeepFresh')?.request).toEqual({
      ...request,
      enabled: true,
      whip: false,
      marginSeconds: 300,
    });
  });
});

const keepFresh = (over: Partial<KeepFreshStateView> = {}): KeepFreshStateView => ({
  settings: null,
  keyName: null,
  running: false,
  last: null,
  nextCheckAt: null,
  ...over,
});

describe('Settings → OBS', () => {
  it('never shows the password: only whether the keychain holds one', async () => {
    let stored = false;
    const { calls } = installApi({
      getObsConnection: () => ({
        url: 'ws://127.0.0.1:4455',
        defaultUrl: 'ws://127.0.0.1:4455',
        passwordStored: stored,
      }),
      saveObsConnection: (r) => {
        stored = stored || (r as { password?: string }).password !== undefined;
        return {
          url: (r as { url: string }).url,
          defaultUrl: 'ws://127.0.0.1:4455',
          passwordStored: stored,
        };
      },
      obsKeepFreshState: () => keepFresh(),
    });
    render(<ObsPanel />);
    const form = within(screen.getByRole('form', { name: 'OBS connection' }));
    await waitFor(() =>
      expect(form.getByLabelText<HTMLInputElement>('obs-websocket address').value).toBe(
        'ws://127.0.0.1:4455',
      ),
    );
    expect(screen.getByTestId('obs-password-state').textContent).toBe('No password saved.');
    const field = form.getByLabelText<HTMLInputElement>('Password');
    expect(field.type).toBe('password');
    await userEvent.clear(form.getByLabelText('obs-websocket address'));
    await userEvent.type(form.getByLabelText('obs-websocket address'), 'ws://127.0.0.1:4456');
    await userEvent.type(field, PASSWORD);
    await userEvent.click(form.getByRole('button', { name: 'Save' }));
    await screen.findByText('Saved; the password is in the system keychain.');
    expect(calls.find((c) => c.action === 'saveObsConnection')?.request).toEqual({
      url: 'ws://127.0.0.1:4456',
      password: PASSWORD,
    });
    expect(field.value).toBe('');
    expect(screen.getByTestId('obs-password-state').textContent).toMatch(/saved in the keychain/);
    expect(document.body.innerHTML).not.toContain(PASSWORD);
  });

  it('tests the connection with the typed values and shows the sentence', async () => {
    const wrong =
      'OBS refused the obs-websocket password: copy it from OBS (Tools → WebSocket Server Settings → Show Connect Info) and save it in Keycast under Settings → OBS.';
    const { calls } = installApi({
      getObsConnection: () => ({
        url: 'ws://127.0.0.1:4455',
        defaultUrl: 'ws://127.0.0.1:4455',
        passwordStored: true,
      }),
      testObsConnection: () => ({
        state: 'problem',
        url: 'ws://127.0.0.1:4455',
        status: null,
        problem: 'password-wrong',
        message: wrong,
      }),
      obsKeepFreshState: () => keepFresh(),
    });
    render(<ObsPanel />);
    const form = within(screen.getByRole('form', { name: 'OBS connection' }));
    await screen.findByText(/A password is saved in the keychain/);
    await userEvent.type(form.getByLabelText('Password'), 'not-it');
    await userEvent.click(form.getByRole('button', { name: 'Test connection' }));
    expect((await screen.findByTestId('obs-state')).textContent).toBe(`password ${wrong}`);
    expect(calls.find((c) => c.action === 'testObsConnection')?.request).toEqual({
      url: 'ws://127.0.0.1:4455',
      password: 'not-it',
    });
  });

  it('says how to set keep-fresh up, then shows what it mints and its last look', async () => {
    let state = keepFresh();
    const { calls } = installApi({
      getObsConnection: () => ({
        url: 'ws://127.0.0.1:4455',
        defaultUrl: 'ws://127.0.0.1:4455',
        passwordStored: false,
      }),
      obsKeepFreshState: () => state,
      saveObsKeepFresh: (r) => {
        state = keepFresh({
          ...state,
          settings: r as KeepFreshStateView['settings'],
          running: (r as { enabled: boolean }).enabled,
        });
        return state;
      },
    });
    const { unmount } = render(<ObsPanel />);
    expect((await screen.findByTestId('keep-fresh-empty')).textContent).toMatch(
      /In Mint, mint a publish token/,
    );
    unmount();

    state = keepFresh({
      settings: { ...request, key: 'k1', enabled: true, whip: false, marginSeconds: 600 },
      keyName: 'ams-key',
      running: true,
      last: {
        at: new Date().toISOString(),
        message: 'OBS is live: its token is left alone until the stream stops.',
        pushed: false,
        problem: false,
      },
    });
    render(<ObsPanel />);
    expect((await screen.findByTestId('keep-fresh-what')).textContent).toBe(
      'antmedia publish tokens signed with “ams-key” (host=media.example.com, stream=stream1, lifetime 10 min).',
    );
    expect(screen.getByTestId('keep-fresh-last').textContent).toMatch(
      /OBS is live: its token is left alone/,
    );
    const form = within(screen.getByRole('form', { name: 'Keep OBS’s token fresh' }));
    expect(form.getByLabelText<HTMLInputElement>('Margin (minutes)').value).toBe('10');
    await userEvent.click(form.getByLabelText('Keep OBS’s token fresh'));
    await waitFor(() => expect(screen.getByTestId('keep-fresh-last').textContent).toBe('Off.'));
    expect(calls.find((c) => c.action === 'saveObsKeepFresh')?.request).toMatchObject({
      enabled: false,
      marginSeconds: 600,
      key: 'k1',
    });
  });
});
