/**
 * Every error a person can see is a KeycastError: a readable sentence that says what happened
 * and what to do, plus a kind that decides the CLI exit code. Stacks are for developers only.
 */
export type ErrorKind =
  /** bad usage or input: exit 2 */
  | 'input'
  /** the thing named does not exist: exit 2 */
  | 'not-found'
  /** keychain or environment problem: exit 3 */
  | 'environment'
  /** a token that is invalid or failed verification: exit 1 */
  | 'token';

export class KeycastError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.kind = kind;
  }
}

export class InputError extends KeycastError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('input', message, options);
  }
}

export class NotFoundError extends KeycastError {
  constructor(message: string) {
    super('not-found', message);
  }
}

export class KeychainUnavailableError extends KeycastError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('environment', message, options);
  }
}

export class StorageError extends KeycastError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('environment', message, options);
  }
}

export class SecretMissingError extends KeycastError {
  constructor(message: string) {
    super('environment', message);
  }
}

/** Why a token was refused; the UI shows the message, scripts can switch on the reason. */
export type TokenRejection =
  | 'format'
  | 'unsigned'
  | 'bad-signature'
  | 'wrong-algorithm'
  | 'unknown-kid'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-audience'
  | 'wrong-issuer';

export class TokenRejectedError extends KeycastError {
  readonly reason: TokenRejection;
  constructor(reason: TokenRejection, message: string, options?: { cause?: unknown }) {
    super('token', message, options);
    this.reason = reason;
  }
}

export class TokenFormatError extends TokenRejectedError {
  constructor(message: string) {
    super('format', message);
  }
}

export const EXIT_CODES: Record<ErrorKind, number> = {
  token: 1,
  input: 2,
  'not-found': 2,
  environment: 3,
};

/** A value from untrusted input, spelled out for a message (objects as JSON, not "[object Object]"). */
export function shown(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

/** A keychain item that does not belong to its record (swapped or damaged behind Keycast's back). */
export class KeychainMismatchError extends KeycastError {
  constructor(message: string) {
    super('environment', message);
  }
}
