import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isAlive } from './processes.ts';

/**
 * A real nginx with the RTMP module (Debian `nginx` + `libnginx-mod-rtmp`) for a test: a config in
 * a temporary folder, `daemon off`, its pid file and error log in that folder, RTMP and an HTTP
 * stat page each on a free loopback port, stopped by its process id. `on_publish` and `on_play`
 * POST the form fields app, name, call, addr and the stream key's query arguments (token=…) to
 * `verifyUrl`; nginx-rtmp allows on 2xx and refuses on anything else.
 */

export const RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

export interface NginxRtmp {
  /** rtmp://127.0.0.1:PORT/APP — append `/stream?token=…` to publish or play. */
  rtmpUrl: string;
  /** http://127.0.0.1:PORT/stat — nginx-rtmp's XML statistics (rtmp_stat all). */
  statUrl: string;
  pid: number;
  /** nginx's error log (info level): what it did with each publish and callback. */
  logPath: string;
  stop(): Promise<void>;
}

/** Why the nginx-rtmp tests cannot run here, or null when they can. */
export function nginxRtmpMissing(): string | null {
  const nginx = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  if (nginx.error)
    return 'nginx is not installed: install the Debian packages nginx and libnginx-mod-rtmp (bash scripts/dev.sh does)';
  if (!existsSync(RTMP_MODULE))
    return `The nginx RTMP module is missing (${RTMP_MODULE}): install the Debian package libnginx-mod-rtmp`;
  const ffmpeg = spawnSync('ffmpeg', ['-version'], { encoding: 'utf8' });
  if (ffmpeg.error) return 'ffmpeg is not installed: install the Debian package ffmpeg';
  return null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every nginx and ffmpeg still running, killed should the test process exit first. */
const running = new Set<number>();
process.once('exit', () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function config(dir: string, rtmpPort: number, httpPort: number, app: string, verifyUrl?: string) {
  const hooks = verifyUrl
    ? `on_publish ${verifyUrl}; on_play ${verifyUrl}; notify_method post;`
    : '';
  // As root the workers would run as nobody:nobody, and Debian has no group nobody.
  const user = process.getuid?.() === 0 ? 'user nobody nogroup;' : '';
  return `load_module ${RTMP_MODULE};
daemon off;
master_process on;
worker_processes 1;
${user}
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} info;
events { worker_connections 256; }
rtmp {
  server {
    listen 127.0.0.1:${rtmpPort};
    application ${app} { live on; ${hooks} }
  }
}
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  server {
    listen 127.0.0.1:${httpPort};
    location /stat { rtmp_stat all; }
  }
}
`;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

async function launch(options: { verifyUrl?: string; app?: string }): Promise<NginxRtmp> {
  const app = options.app ?? 'LiveApp';
  if (!/^[A-Za-z0-9_-]+$/.test(app)) throw new Error(`not a plain application name: ${app}`);
  if (options.verifyUrl && !/^http:\/\/[^\s;{}]+$/.test(options.verifyUrl)) {
    throw new Error(`nginx-rtmp calls plain http:// URLs only: ${options.verifyUrl}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'keycast-nginx-'));
  const [rtmpPort, httpPort] = [await freePort(), await freePort()];
  const confPath = join(dir, 'nginx.conf');
  const logPath = join(dir, 'error.log');
  writeFileSync(confPath, config(dir, rtmpPort, httpPort, app, options.verifyUrl));
  // -e: the error log before the config is read (Debian's default is stderr; keep it here too).
  const child: ChildProcess = spawn('nginx', ['-c', confPath, '-p', dir, '-e', logPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const failed: { error?: Error } = {};
  child.once('error', (error) => (failed.error = error));
  const pid = child.pid;
  if (pid === undefined) throw new Error('nginx did not start (no process id)');
  running.add(pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (isAlive(pid) && child.exitCode === null && child.signalCode === null) {
      // SIGTERM: fast shutdown of the master and its worker (SIGQUIT would wait for live
      // streams to end); SIGKILL after the limit.
      process.kill(pid, 'SIGTERM');
      const done = await Promise.race([
        exited.then(() => true),
        sleep(STOP_TIMEOUT_MS).then(() => false),
      ]);
      if (!done) {
        process.kill(pid, 'SIGKILL');
        await exited;
      }
    }
    // The worker is its own process: make sure it is gone too (it exits with the master).
    const workerDeadline = Date.now() + STOP_TIMEOUT_MS;
    for (const workerPid of workerPids(pid)) {
      while (isAlive(workerPid) && Date.now() < workerDeadline) await sleep(20);
    }
    running.delete(pid);
    rmSync(dir, { recursive: true, force: true });
  };

  const statUrl = `http://127.0.0.1:${httpPort}/stat`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const log = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
    if (failed.error || child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(
        `nginx exited (${child.exitCode ?? child.signalCode ?? failed.error?.message}): ${output}${log.slice(-2000)}`,
      );
    }
    if (await answers(statUrl)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `nginx did not answer on ${statUrl} in ${READY_TIMEOUT_MS / 1000} s: ${log.slice(-2000)}`,
      );
    }
    await sleep(50);
  }
  return { rtmpUrl: `rtmp://127.0.0.1:${rtmpPort}/${app}`, statUrl, pid, logPath, stop };
}

/** Worker processes whose parent is `pid` (Linux /proc), for waiting until they are gone. */
function workerPids(pid: number): number[] {
  const ps = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/**
 * Starts nginx with the RTMP module: application `app` (default LiveApp), `on_publish` and
 * `on_play` POSTed to `verifyUrl` when given (otherwise open). Tries a fresh pair of ports again
 * when one was taken in between.
 */
export async function startNginxRtmp(
  options: { verifyUrl?: string; app?: string } = {},
): Promise<NginxRtmp> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await launch(options);
    } catch (error) {
      if (attempt >= 3 || !/Address already in use|bind\(\)/i.test(String(error))) throw error;
    }
  }
}

/**
 * Publishes a test pattern for `seconds` with ffmpeg (as OBS would: FLV over RTMP) to `url`
 * (rtmp://…/APP/STREAM?token=…): its exit code, 0 when nginx let it in and it ran to the end.
 */
export function publishWithFfmpeg(url: string, seconds: number): Promise<number> {
  return runFfmpeg(
    [
      '-re',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=160x120:rate=10',
      // Audio too, as OBS sends: a player probing nginx-rtmp's stream waits for both.
      '-re',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=44100',
      '-t',
      String(seconds),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      '10',
      '-c:a',
      'aac',
      '-b:a',
      '64k',
      '-f',
      'flv',
      url,
    ],
    seconds * 1000 + 15_000,
  );
}

/** Plays `url` for `seconds` into nothing: its exit code, 0 when nginx let the player in. */
export function playWithFfmpeg(url: string, seconds: number): Promise<number> {
  // -rw_timeout: a stream that stops sending ends the player (in microseconds) instead of hanging.
  return runFfmpeg(
    [
      // A short probe: a live stream shows its tracks at once (the default waits up to 5 s).
      '-analyzeduration',
      '500000',
      '-probesize',
      '32768',
      '-rw_timeout',
      '5000000',
      '-i',
      url,
      '-t',
      String(seconds),
      '-f',
      'null',
      '-',
    ],
    seconds * 1000 + 15_000,
  );
}

function runFfmpeg(args: string[], limitMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ffmpeg',
      ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    child.stderr.on('data', () => undefined);
    const pid = child.pid;
    if (pid) running.add(pid);
    const timer = setTimeout(() => {
      if (pid) process.kill(pid, 'SIGKILL');
    }, limitMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (pid) running.delete(pid);
      resolve(code ?? (signal ? 128 + 9 : -1));
    });
  });
}

/** The names of the streams nginx-rtmp reports as being published right now (its stat page). */
export async function liveStreams(statUrl: string): Promise<string[]> {
  const res = await fetch(statUrl, { signal: AbortSignal.timeout(5000) });
  const xml = await res.text();
  const names: string[] = [];
  for (const [, stream] of xml.matchAll(/<stream>([\s\S]*?)<\/stream>/g)) {
    const name = /<name>([^<]*)<\/name>/.exec(stream!)?.[1];
    if (name !== undefined && /<publishing\/>/.test(stream!)) names.push(name);
  }
  return names;
}
