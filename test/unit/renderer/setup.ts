import type { Envelope } from '../../../shared/ipc.ts';

/**
 * A `window.keycast` for component tests: each action answers what the test says, and every call
 * is recorded. Components talk to main only through this API, so this is their whole world.
 */
export function installApi(answers: Partial<Record<string, (request: unknown) => unknown>>): {
  calls: { action: string; request: unknown }[];
} {
  const calls: { action: string; request: unknown }[] = [];
  const api = new Proxy(
    {},
    {
      get(_target, action: string) {
        if (action === 'onProgress') return () => () => undefined;
        return async (request: unknown): Promise<Envelope<unknown>> => {
          calls.push({ action, request });
          const answer = answers[action];
          if (!answer) return { ok: false, error: { kind: 'input', message: `no ${action}` } };
          try {
            return { ok: true, value: await answer(request) };
          } catch (error) {
            return { ok: false, error: { kind: 'input', message: (error as Error).message } };
          }
        };
      },
    },
  );
  Object.defineProperty(window, 'keycast', { value: api, configurable: true });
  return { calls };
}
