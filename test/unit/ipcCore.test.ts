import { afterEach, describe, expect, it, vi } from 'vitest';
import type { z } from 'zod';
import { CONTRACT } from '../../shared/ipc.ts';
import { InputError } from '../../main/core/errors.ts';
import { CLEAR_AFTER_MS, ClipboardGuard } from '../../main/core/ipc/clipboardGuard.ts';
import { createDispatch, type Handlers } from '../../main/core/ipc/dispatch.ts';
import { formFieldsOf } from '../../main/core/ipc/formFields.ts';
import { labelOf } from '../../shared/text.ts';
import { CancelledError, Jobs } from '../../main/core/ipc/jobs.ts';
import { antmedia } from '../../main/core/providers/antmedia.ts';
import { frameable } from '../../main/core/providers/frameable.ts';

/** Handlers that fail the test if called: each case below replaces the one it needs. */
function handlers(overrides: Partial<Handlers> = {}): Handlers {
  const table: Record<string, unknown> = {};
  for (const action of Object.keys(CONTRACT)) {
    table[action] = () => Promise.reject(new Error(`${action} was not expected`));
  }
  return { ...(table as Handlers), ...overrides };
}

describe('the IPC dispatcher', () => {
  it('refuses an action outside the contract without calling anything', async () => {
    const dispatch = createDispatch(handlers());
    expect(await dispatch('readPrivateKey', {})).toEqual({
      ok: false,
      error: { kind: 'input', message: 'Keycast has no action "readPrivateKey".' },
    });
  });

  it('validates the request and names the bad field', async () => {
    const generateKey = vi.fn();
    const dispatch = createDispatch(handlers({ generateKey }));
    const answer = await dispatch('generateKey', { jobId: 'j1', alg: 'none' });
    expect(answer.ok).toBe(false);
    expect(!answer.ok && answer.error.message).toMatch(/^The request was refused: "alg" /);
    expect(await dispatch('listKeys', { extra: 1 })).toMatchObject({ ok: false });
    expect(generateKey).not.toHaveBeenCalled();
  });

  it('passes the parsed request and returns a response that matches the contract', async () => {
    const deleteKey = vi.fn((r: { id: string }) => ({ deleted: r.id }));
    const dispatch = createDispatch(handlers({ deleteKey }));
    expect(await dispatch('deleteKey', { id: 'k1', evenIfUploaded: false })).toEqual({
      ok: true,
      value: { deleted: 'k1' },
    });
  });

  it('withholds a response carrying anything the contract does not list', async () => {
    const logged: string[] = [];
    const dispatch = createDispatch(
      handlers({
        keyDetails: () => ({ key: {}, jwk: null, jwks: null, pem: null, d: 'private' }) as never,
      }),
      (m) => logged.push(m),
    );
    const answer = await dispatch('keyDetails', { id: 'k1' });
    expect(answer).toEqual({
      ok: false,
      error: {
        kind: 'internal',
        message: 'Keycast withheld a malformed answer: please report this.',
      },
    });
    expect(JSON.stringify(answer)).not.toContain('private');
    expect(logged.join()).not.toContain('private');
  });

  it('turns a Keycast error into its message and hides anything else', async () => {
    const dispatch = createDispatch(
      handlers({
        listKeys: () => Promise.reject(new InputError('The vault is busy: try again.')),
        appInfo: () => Promise.reject(new Error('ENOENT /home/me/secret/path')),
      }),
    );
    expect(await dispatch('listKeys', {})).toEqual({
      ok: false,
      error: { kind: 'input', message: 'The vault is busy: try again.' },
    });
    const hidden = await dispatch('appInfo', {});
    expect(hidden.ok).toBe(false);
    expect(JSON.stringify(hidden)).not.toContain('secret/path');
  });

  it('has strict object schemas for every response', () => {
    for (const [action, { response }] of Object.entries(CONTRACT)) {
      const parsed = (response as z.ZodType).safeParse({ unlisted: 'x' });
      expect(parsed.success, action).toBe(false);
    }
  });
});

describe('jobs', () => {
  it('reports progress and refuses to commit after a cancel', async () => {
    const seen: string[] = [];
    const jobs = new Jobs((p) => seen.push(`${p.jobId}:${p.stage}`));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const running = jobs.run('job-1', async (job) => {
      job.progress('working');
      await gate;
      job.checkpoint('Key generation');
      return 'stored';
    });
    expect(jobs.cancel('job-1')).toBe(true);
    release();
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    await expect(running).rejects.toThrow('Key generation was cancelled; nothing was changed.');
    expect(seen).toEqual(['job-1:working']);
    expect(jobs.cancel('job-1')).toBe(false);
  });

  it('finishes a job nobody cancelled', async () => {
    const jobs = new Jobs(() => undefined);
    await expect(
      jobs.run('job-2', (job) => (job.checkpoint('x'), Promise.resolve(42))),
    ).resolves.toBe(42);
  });
});

describe('the clipboard guard', () => {
  afterEach(() => vi.useRealTimers());

  function fakeClipboard(): {
    text: string;
    readText(): Promise<string>;
    writeText(t: string): Promise<void>;
  } {
    return {
      text: '',
      readText() {
        return Promise.resolve(this.text);
      },
      writeText(t: string) {
        this.text = t;
        return Promise.resolve();
      },
    };
  }

  it('clears a token 60 s after copying it', async () => {
    vi.useFakeTimers();
    const clipboard = fakeClipboard();
    const guard = new ClipboardGuard(clipboard);
    const { clearsAt } = await guard.copy('eyJ.token.sig', true, 1_000);
    expect(clearsAt).toBe(new Date(1_000 + CLEAR_AFTER_MS).toISOString());
    expect(clipboard.text).toBe('eyJ.token.sig');
    await vi.advanceTimersByTimeAsync(CLEAR_AFTER_MS - 1);
    expect(clipboard.text).toBe('eyJ.token.sig');
    await vi.advanceTimersByTimeAsync(1);
    expect(clipboard.text).toBe('');
  });

  it('leaves alone what the user copied since, and plain text', async () => {
    vi.useFakeTimers();
    const clipboard = fakeClipboard();
    const guard = new ClipboardGuard(clipboard);
    await guard.copy('eyJ.token.sig', true);
    clipboard.text = 'something the user copied elsewhere';
    await vi.advanceTimersByTimeAsync(CLEAR_AFTER_MS);
    expect(clipboard.text).toBe('something the user copied elsewhere');
    expect(await guard.copy('/home/me/.config/Keycast', false)).toEqual({ clearsAt: null });
    await vi.advanceTimersByTimeAsync(CLEAR_AFTER_MS);
    expect(clipboard.text).toBe('/home/me/.config/Keycast');
  });

  it('clears a pending token on quit', async () => {
    const clipboard = fakeClipboard();
    const guard = new ClipboardGuard(clipboard);
    await guard.copy('eyJ.token.sig', true);
    await guard.flush();
    expect(clipboard.text).toBe('');
  });
});

describe('token forms from provider schemas', () => {
  it('makes the Ant Media publish form from its parameter schema', () => {
    const fields = formFieldsOf(antmedia.kinds.publish!.params);
    expect(fields.map((f) => [f.name, f.type, f.required])).toEqual([
      ['host', 'text', true],
      ['app', 'text', false],
      ['tls', 'boolean', false],
      ['stream', 'text', true],
      ['rtmpPort', 'text', false],
      ['rtmpsPort', 'text', false],
      ['srtPort', 'text', false],
    ]);
    expect(fields.find((f) => f.name === 'rtmpPort')?.label).toBe('RTMP port');
    const stream = fields.find((f) => f.name === 'stream')!;
    expect(new RegExp(stream.pattern!).test('stream1')).toBe(true);
    expect(new RegExp(stream.pattern!).test('stream 1')).toBe(false);
    expect(fields.find((f) => f.name === 'app')?.defaultValue).toBe('LiveApp');
  });

  it('marks lists and optional fields of the Frameable form', () => {
    const fields = formFieldsOf(frameable.kinds.attendee!.params);
    expect(fields.find((f) => f.name === 'role')).toMatchObject({ type: 'list', required: false });
    expect(fields.find((f) => f.name === 'displayName')).toMatchObject({
      required: true,
      maxLength: 200,
      label: 'Display name',
    });
    expect(fields.find((f) => f.name === 'email')).toMatchObject({ required: false });
  });

  it('labels names for people', () => {
    expect(labelOf('eventUrl')).toBe('Event URL');
    expect(labelOf('userId')).toBe('User ID');
    expect(labelOf('nfKid')).toBe('Native Frame kid');
  });
});
