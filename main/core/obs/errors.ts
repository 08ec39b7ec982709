import { KeycastError, type ErrorKind } from '../errors.ts';

/**
 * What went wrong between Keycast and OBS, so the app can show a state and scripts can switch on
 * it. Messages never contain the stream key or the token it carries.
 */
export type ObsProblem =
  /** Nothing answers at the address and no OBS process runs on this machine. */
  | 'not-running'
  /** OBS runs, but its WebSocket server is turned off (or on another port). */
  | 'server-off'
  /** Nothing answers at a remote address: Keycast cannot tell which of the two above. */
  | 'unreachable'
  /** OBS asks for a password and none is stored. */
  | 'password-missing'
  /** OBS refused the password. */
  | 'password-wrong'
  /** Something answers but does not speak obs-websocket 5 (OBS older than 28, or not OBS). */
  | 'not-obs-websocket-5'
  /** This OBS does not know a request or a service type Keycast needs (update OBS). */
  | 'too-old'
  /** OBS is streaming: its stream settings are left alone. */
  | 'live'
  /** OBS did not keep the settings Keycast sent. */
  | 'read-back'
  /** The server refused the stream (OBS reports the output inactive after starting). */
  | 'stream-refused'
  /** OBS did not answer, or the stream did not start, in the time allowed. */
  | 'timeout'
  /** OBS answered a request with an error Keycast has no better sentence for. */
  | 'request-failed';

const KIND: Record<ObsProblem, ErrorKind> = {
  'not-running': 'environment',
  'server-off': 'environment',
  unreachable: 'environment',
  'password-missing': 'environment',
  'password-wrong': 'environment',
  'not-obs-websocket-5': 'environment',
  'too-old': 'environment',
  live: 'environment',
  'read-back': 'environment',
  // The token was not accepted: exit 1, like any refused token.
  'stream-refused': 'token',
  timeout: 'environment',
  'request-failed': 'environment',
};

export class ObsError extends KeycastError {
  readonly problem: ObsProblem;
  constructor(problem: ObsProblem, message: string, options?: { cause?: unknown }) {
    super(KIND[problem], message, options);
    this.problem = problem;
  }
}
