// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../../renderer/src/App.tsx';
import { ErrorBoundary } from '../../../renderer/src/components/ErrorBoundary.tsx';
import { installApi } from './setup.ts';

beforeEach(() => {
  // React reports every caught render error on the console; the assertions below are what count.
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

describe('ErrorBoundary', () => {
  it('shows a sentence instead of a blank screen, and starts the screen again on request', async () => {
    let fail = true;
    function Fragile() {
      if (fail) throw new Error('claims too strange');
      return <p>fine now</p>;
    }
    render(
      <ErrorBoundary screen="Inspect">
        <Fragile />
      </ErrorBoundary>,
    );
    expect(screen.getByRole('alert').textContent).toMatch(
      /^The Inspect screen could not show this \(claims too strange\)\. Your keys are not affected\./,
    );
    fail = false;
    await userEvent.click(screen.getByRole('button', { name: 'Start Inspect again' }));
    expect(screen.getByText('fine now')).toBeTruthy();
  });
});

describe('the app around a failing Inspect screen', () => {
  it('keeps the navigation and the other screens when an inspection cannot be rendered', async () => {
    installApi({
      getSettings: () => ({ theme: 'system' }),
      appInfo: () => ({ keychain: { available: true, message: null }, notices: [] }),
      listKeys: () => ({ keys: [] }),
      // An answer the screen cannot render (errors missing): a render failure, not a refusal.
      inspectToken: () => ({ valid: false, verified: false, header: null, claims: null }),
    });
    render(<App />);
    await userEvent.click(screen.getByRole('button', { name: 'Inspect' }));
    await userEvent.type(screen.getByLabelText('Token'), 'a.b.c');
    const form = screen.getByRole('form', { name: 'Inspect a token' });
    await userEvent.click(within(form).getByRole('button', { name: 'Inspect' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(
      /The Inspect screen could not show this/,
    );
    expect(screen.getByRole('navigation', { name: 'Screens' })).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Keys' }));
    expect(screen.queryByText(/could not show this/)).toBeNull();
  });
});
