import type { Action, Envelope, KeycastApi, RequestOf, ResponseOf } from '../../shared/ipc.ts';

declare global {
  interface Window {
    keycast: KeycastApi;
  }
}

/** A refusal from main, already worded for a person. */
export class ActionError extends Error {
  readonly kind: string;
  constructor(kind: string, message: string) {
    super(message);
    this.kind = kind;
  }
}

/** Calls one action through the preload and unwraps its envelope. */
export async function call<A extends Action>(
  action: A,
  request: RequestOf<A>,
): Promise<ResponseOf<A>> {
  const fn = window.keycast[action] as (r: RequestOf<A>) => Promise<Envelope<ResponseOf<A>>>;
  const envelope = await fn(request);
  if (!envelope.ok) throw new ActionError(envelope.error.kind, envelope.error.message);
  return envelope.value;
}

export const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : 'Something went wrong.';

/** A job id the UI uses to follow and cancel long work (works outside secure contexts too). */
export function newJobId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
