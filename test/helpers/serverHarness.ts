import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './cli.ts';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  method?: string;
  /** The request target exactly as sent: a path, `//evil`, or an absolute URL. */
  path: string;
  /** Sent as given; `host` replaces the default 127.0.0.1:<port>. */
  headers?: Record<string, string>;
  /** The client's own loopback address (127.0.0.2, 127.0.0.3) as the server sees it. */
  localAddress?: string;
  body?: string;
}

/** One request on its own connection, redirects not followed: what the server answered, as is. */
export function httpRequest(port: number, options: RequestOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { host: `127.0.0.1:${port}`, ...options.headers },
        localAddress: options.localAddress,
        agent: false,
        timeout: 20_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('the server did not answer in 20 s')));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A raw connection, for what an HTTP client library will not send (no Host, headers dribbled). */
export function rawConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends on a connection until it closes it (at most `limitMs`). */
export function readUntilClosed(socket: Socket, limitMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open past ${limitMs} ms`));
    }, limitMs);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.on('error', () => undefined);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  port: number;
  /** What it printed so far, both streams. */
  output(): string;
  /** Sends the signal to its PID and waits for the exit code (at most `limitMs`). */
  stop(signal?: NodeJS.Signals, limitMs?: number): Promise<number | null>;
}

/**
 * `node bin/keycast.js serve --listen 127.0.0.1:0 …` on a data folder, as a user would run it;
 * resolves once it printed the address it listens on.
 */
export function spawnServe(home: string, args: readonly string[] = []): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'keycast.js'), 'serve', '--listen', '127.0.0.1:0', ...args],
    { env: { ...process.env, KEYCAST_HOME: home }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', limitMs = 15_000) => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal);
    const timer = setTimeout(() => process.kill(child.pid!, 'SIGKILL'), limitMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop('SIGKILL');
      reject(new Error(`keycast serve did not start in 20 s: ${stderr}`));
    }, 20_000);
    const started = (): void => {
      const port = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)?.[1];
      if (!port) return;
      clearTimeout(timer);
      child.stdout.off('data', started);
      resolve({ child, port: Number(port), output: () => stdout + stderr, stop });
    };
    child.stdout.on('data', started);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`keycast serve exited with ${code} before listening: ${stderr}`));
    });
  });
}

/** Polls `done` every 20 ms until it holds; fails after `limitMs`. */
export async function waitFor(done: () => boolean, limitMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + limitMs; !done(); await sleep(20)) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${limitMs} ms`);
  }
}
