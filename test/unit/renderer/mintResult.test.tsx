// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { MintResultSchema, type MintResult } from '../../../shared/ipc.ts';
import { MintedToken } from '../../../renderer/src/screens/MintScreen.tsx';
import { installApi } from './setup.ts';

afterEach(cleanup);

const result = (over: Partial<MintResult>): MintResult => ({
  token: 'aaa.bbb.ccc',
  header: { alg: 'ES256', kid: 'nf-managed' },
  claims: { sub: 'u1' },
  expiresAt: null,
  links: {},
  warnings: [],
  verified: true,
  ...over,
});

describe('the Mint screen’s result', () => {
  it('labels a token the provider’s API issued unverified (SECURITY.md §16)', () => {
    installApi({});
    render(<MintedToken result={result({ verified: false })} />);
    expect(screen.getByTestId('verdict').textContent).toBe('Unverified — signature not checked');
    expect(screen.getByRole('heading', { level: 2 }).textContent).toMatch(/^Issued token/);
    expect(screen.getByText(/holds no key to check its signature/)).toBeTruthy();
  });

  it('shows a token Keycast signed itself without the label', () => {
    installApi({});
    render(<MintedToken result={result({ verified: true })} />);
    expect(screen.queryByTestId('verdict')).toBeNull();
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe('Minted token');
  });

  it('carries `verified` through the IPC contract', () => {
    expect(MintResultSchema.safeParse(result({ verified: false })).success).toBe(true);
    const without: Partial<MintResult> = result({});
    delete without.verified;
    expect(MintResultSchema.safeParse(without).success).toBe(false);
  });
});
