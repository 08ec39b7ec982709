import createDebug from 'debug';
import { OBSWebSocket, OBSWebSocketError } from 'obs-websocket-js/json';
import type { OBSRequestTypes, OBSResponseTypes } from 'obs-websocket-js/json';
import { InputError } from '../errors.ts';
import { isLoopbackHost } from '../links/hostCheck.ts';
import { ObsError } from './errors.ts';
import { obsProcessRunning } from './obsProcess.ts';

// obs-websocket-js logs every message it receives under DEBUG=obs-websocket-js: those include the
// stream key (and so the token) that GetStreamServiceSettings returns. Keep that namespace off
// whatever DEBUG says, so no debugging setting can print a token.
createDebug.enable(`${createDebug.disable()},-obs-websocket-js*`);

/** obs-websocket's own default address (OBS 28+: Tools → WebSocket Server Settings). */
export const DEFAULT_OBS_URL = 'ws://127.0.0.1:4455';

export interface ObsTarget {
  url: string;
  /** The obs-websocket password (the `obs` keychain credential); undefined when none is stored. */
  password?: string;
  /** For connecting and for each request. */
  timeoutMs?: number;
  /** Whether an OBS process runs here (default: looks at this machine's processes). */
  obsRunning?: () => Promise<boolean | null>;
}

export interface ObsVersion {
  obsVersion: string;
  websocketVersion: string;
  availableRequests: readonly string[];
}

const DEFAULT_TIMEOUT_MS = 5_000;

/** A ws:// or wss:// address; "host:port" alone means ws://host:port. */
export function parseObsUrl(text: string): URL {
  const trimmed = text.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `ws://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InputError(
      `"${trimmed}" is not an obs-websocket address: give one like ${DEFAULT_OBS_URL}.`,
    );
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new InputError(
      `The obs-websocket address must start with ws:// or wss://, like ${DEFAULT_OBS_URL}.`,
    );
  }
  if (url.username || url.password) {
    throw new InputError(
      'Put no password in the obs-websocket address: store it with "keycast credentials set obs".',
    );
  }
  if (!url.hostname)
    throw new InputError(`Give the obs-websocket address like ${DEFAULT_OBS_URL}.`);
  return url;
}

/** One identified obs-websocket session; every request is bounded in time and mapped to ObsError. */
export class ObsConnection {
  readonly url: string;
  private readonly socket: OBSWebSocket;
  private readonly timeoutMs: number;
  private readonly closed: Promise<never>;
  private known: ObsVersion = { obsVersion: '', websocketVersion: '', availableRequests: [] };

  private constructor(url: string, socket: OBSWebSocket, timeoutMs: number) {
    this.url = url;
    this.socket = socket;
    this.timeoutMs = timeoutMs;
    this.closed = new Promise<never>((_, reject) => {
      socket.once('ConnectionClosed', () =>
        reject(new ObsError('unreachable', `OBS closed the connection (${url}).`)),
      );
    });
    this.closed.catch(() => undefined);
  }

  static async open(target: ObsTarget): Promise<ObsConnection> {
    const url = parseObsUrl(target.url).href.replace(/\/$/, '');
    const timeoutMs = target.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket = new OBSWebSocket();
    let asksPassword = false;
    socket.once('Hello', (hello) => {
      asksPassword = Boolean(hello.authentication);
    });
    let opened = false;
    socket.once('ConnectionOpened', () => {
      opened = true;
    });
    try {
      await within(
        socket.connect(url, target.password),
        timeoutMs,
        () =>
          new ObsError(
            opened ? 'not-obs-websocket-5' : 'timeout',
            opened
              ? notObsWebSocket5(url)
              : `OBS did not answer at ${url} within ${timeoutMs / 1000} s: check the address and that OBS is not frozen.`,
          ),
      );
    } catch (error) {
      await socket.disconnect().catch(() => undefined);
      if (error instanceof ObsError) throw error;
      throw await connectError(error, url, {
        opened,
        asksPassword,
        password: target.password,
        obsRunning: target.obsRunning ?? obsProcessRunning,
      });
    }
    const connection = new ObsConnection(url, socket, timeoutMs);
    try {
      const version = await connection.call('GetVersion');
      connection.known = {
        obsVersion: version.obsVersion,
        websocketVersion: version.obsWebSocketVersion,
        availableRequests: version.availableRequests,
      };
    } catch (error) {
      await connection.close();
      throw error;
    }
    return connection;
  }

  /** OBS's and obs-websocket's versions and the requests this OBS knows. */
  get version(): ObsVersion {
    return this.known;
  }

  /** Whether this OBS knows a request (obs-websocket lists them in GetVersion). */
  knows(request: string): boolean {
    return this.version.availableRequests.includes(request);
  }

  /** The OBS major version, e.g. 29 for "29.0.2". */
  get obsMajor(): number {
    return Number.parseInt(this.version.obsVersion, 10) || 0;
  }

  async call<Type extends keyof OBSRequestTypes>(
    request: Type,
    data?: OBSRequestTypes[Type],
  ): Promise<OBSResponseTypes[Type]> {
    if (this.version.availableRequests.length > 0 && !this.knows(request)) {
      throw new ObsError('too-old', tooOld(this.version, request));
    }
    try {
      return await Promise.race([
        within(
          this.socket.call(request, data),
          this.timeoutMs,
          () =>
            new ObsError(
              'timeout',
              `OBS did not answer ${request} within ${this.timeoutMs / 1000} s.`,
            ),
        ),
        this.closed,
      ]);
    } catch (error) {
      if (error instanceof ObsError) throw error;
      if (error instanceof OBSWebSocketError) {
        // 204: UnknownRequestType — an obs-websocket older than the request.
        if (error.code === 204) throw new ObsError('too-old', tooOld(this.version, request));
        throw new ObsError(
          'request-failed',
          `OBS refused ${request}: ${(error.message || `code ${error.code}`).replace(/\.$/, '')}.`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Calls `listener` on every StreamStateChanged event until the returned function is called. */
  onStreamState(
    listener: (state: { outputActive: boolean; outputState: string }) => void,
  ): () => void {
    this.socket.on('StreamStateChanged', listener);
    return () => this.socket.off('StreamStateChanged', listener);
  }

  /** A promise that rejects when OBS closes the connection (OBS quit while Keycast waited). */
  get lost(): Promise<never> {
    return this.closed;
  }

  async close(): Promise<void> {
    await this.socket.disconnect().catch(() => undefined);
  }
}

/** Opens a connection, runs `work` with it and always closes it. */
export async function withObs<T>(
  target: ObsTarget,
  work: (obs: ObsConnection) => Promise<T>,
): Promise<T> {
  const obs = await ObsConnection.open(target);
  try {
    return await work(obs);
  } finally {
    await obs.close();
  }
}

function tooOld(version: ObsVersion, request: string): string {
  const which = version.obsVersion
    ? `This OBS (${version.obsVersion}, obs-websocket ${version.websocketVersion})`
    : 'This OBS';
  return `${which} does not know the request ${request}: update OBS to the latest version.`;
}

function notObsWebSocket5(url: string): string {
  return `Something answers at ${url} but does not speak obs-websocket 5: Keycast needs OBS 28 or newer with its built-in WebSocket server; check the address and the OBS version.`;
}

async function connectError(
  error: unknown,
  url: string,
  seen: {
    opened: boolean;
    asksPassword: boolean;
    password: string | undefined;
    obsRunning: () => Promise<boolean | null>;
  },
): Promise<ObsError> {
  const code = error instanceof OBSWebSocketError ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  // 4009: AuthenticationFailed (obs-websocket's WebSocketCloseCode).
  if (code === 4009 || (seen.asksPassword && !seen.password)) {
    return seen.password
      ? new ObsError(
          'password-wrong',
          'OBS refused the obs-websocket password: copy it from OBS (Tools → WebSocket Server Settings → Show Connect Info) and store it with "keycast credentials set obs".',
          { cause: error },
        )
      : new ObsError(
          'password-missing',
          'OBS asks for an obs-websocket password and none is stored: copy it from OBS (Tools → WebSocket Server Settings → Show Connect Info) and store it with "keycast credentials set obs".',
          { cause: error },
        );
  }
  if (seen.opened || /subprotocol|Unexpected server response/i.test(message)) {
    return new ObsError('not-obs-websocket-5', notObsWebSocket5(url), { cause: error });
  }
  if (/ECONNREFUSED/.test(message)) {
    const host = new URL(url).hostname;
    if (!isLoopbackHost(host)) {
      return new ObsError(
        'unreachable',
        `Nothing answers at ${url}: check that OBS runs on that machine with its WebSocket server on (Tools → WebSocket Server Settings) and that the port is open.`,
        { cause: error },
      );
    }
    return (await seen.obsRunning())
      ? new ObsError(
          'server-off',
          `OBS is running but its WebSocket server does not answer at ${url}: in OBS turn on Tools → WebSocket Server Settings → Enable WebSocket server, and check the port.`,
          { cause: error },
        )
      : new ObsError('not-running', `OBS is not running (nothing answers at ${url}): start OBS.`, {
          cause: error,
        });
  }
  return new ObsError('unreachable', `Keycast could not reach OBS at ${url}: ${message}.`, {
    cause: error,
  });
}

/** `promise`, or the error `late()` makes once `ms` have passed. */
function within<T>(promise: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
