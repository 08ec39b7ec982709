// @vitest-environment jsdom
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  RotationOutcomeView,
  RotationPlan,
  RotationStepView,
} from '../../../shared/rotation.ts';
import { RotateWizard } from '../../../renderer/src/screens/keys/RotateWizard.tsx';
import { installApi } from './setup.ts';

afterEach(cleanup);

const step = (name: string, title: string, doneAt: string | null = null): RotationStepView => ({
  step: name,
  title,
  detail: `what ${name} does`,
  doneAt,
  remoteIds: [],
});

const kinescopePlan: RotationPlan = {
  key: { id: 'k1', name: 'chat' },
  mode: 'overlap',
  platforms: ['Kinescope'],
  overlapSeconds: 604800,
  overlapProblem: null,
  needsIssuerSettings: false,
  steps: [
    step('successor', 'Make the successor'),
    step('publish:kinescope', 'Upload the successor to Kinescope'),
    step('switch', 'Switch'),
    step('retire:kinescope', 'Delete the old key from Kinescope'),
    step('retire', 'Retire the old key'),
  ],
  current: null,
};

const keyView = (id: string, name: string, status: 'active' | 'retiring') => ({
  id,
  name,
  kid: `kid-${id}`,
  status,
});

function outcome(
  over: Partial<RotationOutcomeView['rotation']>,
  rest: Partial<RotationOutcomeView> = {},
): RotationOutcomeView {
  return {
    rotation: {
      id: 'r1',
      name: 'chat',
      mode: 'overlap',
      platforms: ['Kinescope'],
      overlapSeconds: 604800,
      createdAt: '2031-03-01T10:00:00.000Z',
      switchAt: '2031-03-01T10:00:00.000Z',
      switchedAt: '2031-03-01T10:00:01.000Z',
      retireAfter: '2031-03-08T10:00:01.000Z',
      completedAt: null,
      lastError: null,
      predecessor: keyView('k1', 'chat (retiring)', 'retiring'),
      successor: keyView('k2', 'chat', 'active'),
      steps: kinescopePlan.steps.map((s, i) => ({
        ...s,
        doneAt: i < 3 ? '2031-03-01T10:00:01.000Z' : null,
      })),
      ...over,
    },
    done: [],
    waiting: null,
    instructions: [],
    ...rest,
  };
}

describe('RotateWizard', () => {
  it('shows each step before anything starts, then starts with the default overlap and shows its end', async () => {
    const started = outcome(
      {},
      {
        done: [
          'Created the successor "chat (next)".',
          'Switched: "chat" now signs with the successor.',
        ],
        waiting: {
          reason: 'overlap',
          until: '2031-03-08T10:00:01.000Z',
          message: 'The predecessor keeps verifying until 2031-03-08T10:00:01.000Z.',
        },
      },
    );
    const { calls } = installApi({
      rotationPlan: () => kinescopePlan,
      startRotation: () => started,
    });
    let changed = 0;
    render(<RotateWizard keyId="k1" onChanged={() => (changed += 1)} onClose={() => undefined} />);
    await screen.findByRole('heading', { name: 'Rotate “chat”' });
    expect(
      screen.getAllByRole('listitem').map((li) => li.querySelector('strong')?.textContent),
    ).toEqual(kinescopePlan.steps.map((s) => s.title));
    expect(screen.getByLabelText<HTMLInputElement>('Overlap').value).toBe('7d');
    await userEvent.click(screen.getByRole('button', { name: 'Start rotation' }));
    await screen.findByText('2031-03-08T10:00:01.000Z');
    const request = calls.find((c) => c.action === 'startRotation')!.request as Record<
      string,
      unknown
    >;
    expect(request).toMatchObject({ id: 'k1', overlapSeconds: 604800 });
    expect(request.switchAt).toBeUndefined();
    expect(screen.getByRole('list', { name: 'Done now' }).textContent).toContain('Switched');
    expect(changed).toBe(1);
    expect(screen.getByRole('button', { name: 'Resume' })).toBeTruthy();
  });

  it('refuses an overlap that is not a duration, without calling main', async () => {
    const { calls } = installApi({ rotationPlan: () => kinescopePlan });
    render(<RotateWizard keyId="k1" onChanged={() => undefined} onClose={() => undefined} />);
    const field = await screen.findByLabelText('Overlap');
    await userEvent.clear(field);
    await userEvent.type(field, 'a week');
    await userEvent.click(screen.getByRole('button', { name: 'Start rotation' }));
    expect(screen.getByRole('alert').textContent).toBe(
      'The overlap must be a duration such as 90m, 24h or 7d.',
    );
    expect(calls.map((c) => c.action)).toEqual(['rotationPlan']);
  });

  it('a one-key platform waiting for the paste: what to paste, the secret through main, then the confirmed switch', async () => {
    const waiting = outcome(
      {
        name: 'ams',
        mode: 'confirm',
        platforms: ['Ant Media Server'],
        overlapSeconds: 0,
        switchedAt: null,
        retireAfter: null,
        predecessor: keyView('k1', 'ams', 'active'),
        successor: keyView('k2', 'ams (next)', 'active'),
        steps: [
          step('successor', 'Make the successor', '2031-03-01T10:00:00.000Z'),
          step('switch', 'Switch once you confirm the paste'),
          step('retire', 'Retire the old key'),
        ],
      },
      {
        waiting: {
          reason: 'confirmation',
          until: null,
          message: 'Waiting for you to put the new key into Ant Media Server.',
        },
        instructions: [
          {
            title: 'Ant Media Server holds one key: there is no overlap',
            detail:
              'Tokens minted with the old key stop working as soon as Ant Media Server holds the new one. Redirect links are unaffected: they mint a fresh token at each click.',
            value: null,
            copiesSecret: false,
          },
          {
            title: 'Paste the secret as the JWT stream secret key',
            detail: 'The secret goes into "JWT Secret Key".',
            value: null,
            copiesSecret: true,
          },
        ],
      },
    );
    const done = outcome({ name: 'ams', mode: 'confirm', completedAt: '2031-03-01T11:00:00.000Z' });
    const { calls } = installApi({
      rotationPlan: () => ({
        ...kinescopePlan,
        key: { id: 'k1', name: 'ams' },
        mode: 'confirm',
        platforms: ['Ant Media Server'],
        overlapSeconds: 0,
        current: waiting,
      }),
      copyKeySecret: () => ({ clearsAt: '2031-03-01T10:01:00.000Z' }),
      continueRotation: () => done,
    });
    render(<RotateWizard keyId="k1" onChanged={() => undefined} onClose={() => undefined} />);
    await screen.findByText(/Ant Media Server holds one key: there is no overlap\. Tokens minted/);
    expect(screen.queryByRole('button', { name: 'Resume' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Copy the new secret' }));
    await waitFor(() => expect(calls.map((c) => c.action)).toContain('copyKeySecret'));
    expect(calls.find((c) => c.action === 'copyKeySecret')!.request).toEqual({ id: 'k2' });
    await userEvent.click(screen.getByRole('button', { name: 'It is pasted — switch now' }));
    await screen.findByText('The rotation is complete.');
    expect(calls.find((c) => c.action === 'continueRotation')!.request).toMatchObject({
      id: 'k1',
      confirm: true,
    });
  });
});
