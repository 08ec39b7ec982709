import type { z } from 'zod';
import {
  ACTIONS,
  CONTRACT,
  type Action,
  type Envelope,
  type RequestOf,
  type ResponseOf,
} from '../../../shared/ipc.ts';
import { KeycastError } from '../errors.ts';

/** One function per action of the contract, taking the parsed request. */
export type Handlers = {
  [A in Action]: (
    request: z.output<(typeof CONTRACT)[A]['request']>,
  ) => ResponseOf<A> | Promise<ResponseOf<A>>;
};

export type Dispatch = (action: string, payload: unknown) => Promise<Envelope<unknown>>;

/** Logs what a person cannot act on; never the payload (it may hold a token or a secret). */
export type Logger = (message: string) => void;

export function isAction(value: string): value is Action {
  return (ACTIONS as string[]).includes(value);
}

/**
 * The single door into main: the action must be in the contract, the request must match its
 * schema, and the response is parsed against its strict schema on the way out, so a handler that
 * returned anything unlisted (a private member) fails closed instead of leaking it.
 */
export function createDispatch(handlers: Handlers, log: Logger = () => undefined): Dispatch {
  return async (action, payload) => {
    if (!isAction(action)) return failure('input', `Keycast has no action "${action}".`);
    const contract = CONTRACT[action];
    const request = contract.request.safeParse(payload ?? {});
    if (!request.success) {
      const issue = request.error.issues[0]!;
      const field = issue.path.length ? `"${issue.path.join('.')}" ` : '';
      return failure('input', `The request was refused: ${field}${issue.message}.`);
    }
    try {
      const handler = handlers[action] as (request: unknown) => unknown;
      const value: unknown = await handler(request.data);
      const response = contract.response.safeParse(value);
      if (!response.success) {
        log(`keycast: the response of ${action} did not match the contract; it was withheld`);
        return failure('internal', 'Keycast withheld a malformed answer: please report this.');
      }
      return { ok: true, value: response.data };
    } catch (error) {
      if (error instanceof KeycastError) return failure(error.kind, error.message);
      log(`keycast: ${action} failed: ${error instanceof Error ? error.name : 'unknown error'}`);
      return failure('internal', 'Something unexpected went wrong: please try again or report it.');
    }
  };
}

function failure(kind: string, message: string): Envelope<never> {
  return { ok: false, error: { kind, message } };
}

/** Typed call for tests and the bridge: the request type of the action, its response type back. */
export async function call<A extends Action>(
  dispatch: Dispatch,
  action: A,
  request: RequestOf<A>,
): Promise<ResponseOf<A>> {
  const envelope = await dispatch(action, request);
  if (!envelope.ok) throw new KeycastError('input', envelope.error.message);
  return envelope.value as ResponseOf<A>;
}
