import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A loopback obs-websocket 5 server speaking the documented protocol (obs-websocket's
 * docs/generated/protocol.md): Hello (op 0) with the authentication challenge, Identify (op 1) →
 * Identified (op 2), Request (op 6) → RequestResponse (op 7), Event (op 5). For what real OBS 29
 * here cannot show: OBS 30's WHIP service, an obs-websocket that lacks a request, a read-back that
 * differs, a server that never says Hello. Everything OBS 29 can do is tested against real OBS.
 */
export interface FakeObsOptions {
  password?: string;
  obsVersion?: string;
  /** Requests this OBS knows (default: the ones Keycast uses). */
  requests?: string[];
  /** `subprotocol: false` accepts the socket without obs-websocket's subprotocol (an obs-websocket 4 or another WebSocket server). */
  subprotocol?: boolean;
  /** Never send Hello. */
  silent?: boolean;
  /** Answers a request differently: return undefined to answer as usual. */
  override?: (type: string, data: Record<string, unknown>) => Answer | undefined;
}

export interface Answer {
  ok: boolean;
  /** Close the connection instead of answering (OBS quitting mid-request). */
  drop?: boolean;
  /** Send this text instead of an answer (a garbled message). */
  raw?: string;
  code?: number;
  comment?: string;
  data?: Record<string, unknown>;
}

export interface FakeObs {
  url: string;
  /** Every request received, in order. */
  requests: { type: string; data: Record<string, unknown> }[];
  service: { type: string; settings: Record<string, unknown> };
  streaming: boolean;
  /** Sends an event to every client. */
  emit(type: string, data: Record<string, unknown>): void;
  close(): Promise<void>;
}

const KNOWN = [
  'GetVersion',
  'GetStreamStatus',
  'GetStreamServiceSettings',
  'SetStreamServiceSettings',
  'StartStream',
  'StopStream',
];

const sha256 = (text: string): string => createHash('sha256').update(text).digest('base64');

export async function startFakeObs(options: FakeObsOptions = {}): Promise<FakeObs> {
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (protocols) =>
      options.subprotocol === false
        ? false
        : protocols.has('obswebsocket.json')
          ? 'obswebsocket.json'
          : false,
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const salt = 'c2FsdA==';
  const challenge = 'Y2hhbGxlbmdl';
  const requests: FakeObs['requests'] = [];
  const fake: FakeObs = {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    service: { type: 'rtmp_common', settings: {} },
    streaming: false,
    emit(type, data) {
      for (const client of server.clients)
        client.send(
          JSON.stringify({ op: 5, d: { eventType: type, eventIntent: 64, eventData: data } }),
        );
    },
    close: () =>
      new Promise((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };

  const answer = (type: string, data: Record<string, unknown>): Answer => {
    const custom = options.override?.(type, data);
    if (custom) return custom;
    if (!(options.requests ?? KNOWN).includes(type))
      return { ok: false, code: 204, comment: 'Your request type is not valid.' };
    switch (type) {
      case 'GetVersion':
        return {
          ok: true,
          data: {
            obsVersion: options.obsVersion ?? '30.2.3',
            obsWebSocketVersion: '5.5.2',
            rpcVersion: 1,
            availableRequests: options.requests ?? KNOWN,
            supportedImageFormats: ['png'],
            platform: 'test',
            platformDescription: 'loopback fake',
          },
        };
      case 'GetStreamStatus':
        return {
          ok: true,
          data: {
            outputActive: fake.streaming,
            outputReconnecting: false,
            outputTimecode: '00:00:00.000',
            outputDuration: 0,
            outputCongestion: 0,
            outputBytes: 0,
            outputSkippedFrames: 0,
            outputTotalFrames: 0,
          },
        };
      case 'GetStreamServiceSettings':
        return {
          ok: true,
          data: {
            streamServiceType: fake.service.type,
            streamServiceSettings: fake.service.settings,
          },
        };
      case 'SetStreamServiceSettings':
        if (fake.streaming)
          return { ok: false, code: 500, comment: 'The stream output is running.' };
        fake.service = {
          type: String(data.streamServiceType),
          settings: { ...(data.streamServiceSettings as Record<string, unknown>) },
        };
        return { ok: true };
      default:
        return { ok: true };
    }
  };

  server.on('connection', (socket: WebSocket) => {
    if (options.silent) return;
    socket.send(
      JSON.stringify({
        op: 0,
        d: {
          obsWebSocketVersion: '5.5.2',
          rpcVersion: 1,
          ...(options.password ? { authentication: { challenge, salt } } : {}),
        },
      }),
    );
    socket.on('message', (raw: Buffer) => {
      const { op, d } = JSON.parse(raw.toString()) as { op: number; d: Record<string, unknown> };
      if (op === 1) {
        const expected = options.password
          ? sha256(sha256(options.password + salt) + challenge)
          : undefined;
        if (expected && d.authentication !== expected) {
          socket.close(4009, 'Authentication failed.');
          return;
        }
        socket.send(JSON.stringify({ op: 2, d: { negotiatedRpcVersion: 1 } }));
        return;
      }
      if (op === 6) {
        const type = String(d.requestType);
        const data = (d.requestData as Record<string, unknown> | undefined) ?? {};
        requests.push({ type, data });
        const result = answer(type, data);
        if (result.drop) return socket.terminate();
        if (result.raw !== undefined) return socket.send(result.raw);
        socket.send(
          JSON.stringify({
            op: 7,
            d: {
              requestType: type,
              requestId: d.requestId,
              requestStatus: {
                result: result.ok,
                code: result.ok ? 100 : (result.code ?? 600),
                ...(result.comment ? { comment: result.comment } : {}),
              },
              ...(result.data ? { responseData: result.data } : {}),
            },
          }),
        );
      }
    });
  });
  return fake;
}
