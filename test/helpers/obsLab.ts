import { OBSWebSocket } from 'obs-websocket-js/json';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './processes.ts';

/**
 * Real OBS Studio for a test: Xvfb on a display of its own, OBS (obs-websocket 5 built in) with a
 * fresh HOME holding a profile, a scene collection and obs-websocket's settings, on a free
 * loopback port. Each process is stopped by its own PID.
 *
 * Without a profile and a scene collection written before the first start, OBS accepts
 * StartStream over obs-websocket and never starts the output; without `FirstRun=true` it opens
 * its auto-configuration wizard.
 */

export interface ObsLab {
  /** ws://127.0.0.1:PORT */
  url: string;
  password: string;
  /** The X display OBS draws on, e.g. ":12". */
  display: string;
  home: string;
  obsPid: number;
  /** OBS's log so far (its own file under HOME, plus its stderr). */
  log(): string;
  /** Saves what the X display shows as a PNG (ffmpeg's x11grab). */
  screenshot(file: string): void;
  /** Clicks at a point of the display (xdotool), as a person would. */
  click(x: number, y: number): void;
  /** How many visible windows have this exact title. */
  windowsNamed(title: string): number;
  stop(): Promise<void>;
}

export interface ObsLabOptions {
  /** obs-websocket's ServerEnabled (default true): false starts OBS with the server turned off. */
  websocket?: boolean;
}

const START_TIMEOUT_MS = 60_000;

/** Why OBS cannot run here, or null when it can. */
export function obsLabMissing(): string | null {
  const missing = ['obs', 'Xvfb', 'ffmpeg', 'xdotool'].filter(
    (program) => spawnSync('sh', ['-c', `command -v ${program}`]).status !== 0,
  );
  return missing.length === 0
    ? null
    : `${missing.join(', ')} not installed: install the Debian packages obs-studio, xvfb, ffmpeg and xdotool (bash scripts/dev.sh test does)`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Stops a child by its PID: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid!, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** Starts Xvfb on a display it picks itself (-displayfd), so parallel runs never collide. */
async function startXvfb(dir: string): Promise<{ child: ChildProcess; display: string }> {
  const child = spawn(
    'Xvfb',
    ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
  );
  writeFileSync(join(dir, 'xvfb.pid'), String(child.pid));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const display = await new Promise<string>((resolve, reject) => {
    let out = '';
    const fail = (): void => reject(new Error(`Xvfb did not start: ${stderr.slice(-500)}`));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(`:${out.trim()}`);
    });
    child.once('exit', fail);
    setTimeout(fail, 15_000);
  });
  return { child, display };
}

function writeObsConfig(home: string, port: number, password: string, websocket: boolean): void {
  const config = join(home, '.config', 'obs-studio');
  mkdirSync(join(config, 'basic', 'profiles', 'Lab'), { recursive: true });
  mkdirSync(join(config, 'basic', 'scenes'), { recursive: true });
  writeFileSync(
    join(config, 'basic', 'profiles', 'Lab', 'basic.ini'),
    '[General]\nName=Lab\n\n[Video]\nBaseCX=640\nBaseCY=360\nOutputCX=640\nOutputCY=360\nFPSCommon=30\n',
  );
  writeFileSync(
    join(config, 'basic', 'scenes', 'Lab.json'),
    JSON.stringify({
      current_scene: 'Scene',
      current_program_scene: 'Scene',
      current_transition: 'Fade',
      name: 'Lab',
      scene_order: [{ name: 'Scene' }],
      sources: [
        {
          id: 'scene',
          versioned_id: 'scene',
          name: 'Scene',
          enabled: true,
          settings: { custom_size: false, id_counter: 0, items: [] },
        },
      ],
      transitions: [],
      transition_duration: 300,
    }),
  );
  writeFileSync(
    join(config, 'global.ini'),
    [
      '[General]',
      'FirstRun=true',
      '[Basic]',
      'Profile=Lab',
      'ProfileDir=Lab',
      'SceneCollection=Lab',
      'SceneCollectionFile=Lab',
      '[OBSWebSocket]',
      'FirstLoad=false',
      `ServerEnabled=${websocket}`,
      `ServerPort=${port}`,
      'AlertsEnabled=false',
      'AuthRequired=true',
      `ServerPassword=${password}`,
      '',
    ].join('\n'),
  );
}

/** Every lab still running, stopped should the test process end without stop(). */
const running = new Set<ObsLab>();
process.once('exit', () => {
  for (const lab of running) void lab.stop();
});

export async function startObsLab(options: ObsLabOptions = {}): Promise<ObsLab> {
  const dir = mkdtempSync(join(tmpdir(), 'keycast-obs-'));
  const home = join(dir, 'home');
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  writeObsConfig(home, port, password, options.websocket ?? true);
  const xvfb = await startXvfb(dir);
  let obsOutput = '';
  const obs = spawn(
    'obs',
    ['--disable-updater', '--disable-shutdown-check', '--multi', '--minimize-to-tray'],
    {
      env: {
        ...process.env,
        HOME: home,
        DISPLAY: xvfb.display,
        LIBGL_ALWAYS_SOFTWARE: '1',
        // OBS must not find the test's D-Bus session (the keyring) or a desktop portal.
        DBUS_SESSION_BUS_ADDRESS: '',
        XDG_CONFIG_HOME: join(home, '.config'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  obs.stdout.on('data', (chunk: Buffer) => (obsOutput += chunk.toString()));
  obs.stderr.on('data', (chunk: Buffer) => (obsOutput += chunk.toString()));
  writeFileSync(join(dir, 'obs.pid'), String(obs.pid));

  const log = (): string => {
    const logs = join(home, '.config', 'obs-studio', 'logs');
    let files = '';
    try {
      for (const name of spawnSync('ls', [logs], { encoding: 'utf8' }).stdout.split('\n')) {
        if (name) files += readFileSync(join(logs, name), 'utf8');
      }
    } catch {
      // no log yet
    }
    return `${files}\n${obsOutput}`;
  };

  const xdotool = (args: string[]) =>
    spawnSync('xdotool', args, {
      env: { ...process.env, DISPLAY: xvfb.display },
      encoding: 'utf8',
      timeout: 10_000,
    });
  let stopped: Promise<void> | null = null;
  const lab: ObsLab = {
    url: `ws://127.0.0.1:${port}`,
    password,
    display: xvfb.display,
    home,
    obsPid: obs.pid!,
    log,
    screenshot(file) {
      const result = spawnSync(
        'ffmpeg',
        [
          '-loglevel',
          'error',
          '-y',
          '-f',
          'x11grab',
          '-video_size',
          '1280x800',
          '-i',
          xvfb.display,
          '-frames:v',
          '1',
          file,
        ],
        { encoding: 'utf8', timeout: 20_000 },
      );
      if (result.status !== 0) throw new Error(`screenshot failed: ${result.stderr}`);
    },
    click(x, y) {
      const result = xdotool(['mousemove', String(x), String(y), 'click', '1']);
      if (result.status !== 0) throw new Error(`xdotool failed: ${result.stderr}`);
    },
    windowsNamed(title) {
      const escaped = title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const found = xdotool(['search', '--onlyvisible', '--name', `^${escaped}$`]);
      return found.stdout.split('\n').filter(Boolean).length;
    },
    stop() {
      stopped ??= (async () => {
        running.delete(lab);
        await stopChild(obs);
        await stopChild(xvfb.child);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
  running.add(lab);

  // Ready when obs-websocket listens (or, with the server off, when OBS has loaded its scenes).
  const deadline = Date.now() + START_TIMEOUT_MS;
  const ready = async (): Promise<boolean> =>
    options.websocket === false
      ? /Loading scene collection|All scene data cleared|Switched to scene/.test(log())
      : portOpen(port);
  while (!(await ready())) {
    if (obs.exitCode !== null || Date.now() > deadline) {
      const why = obs.exitCode !== null ? `exited with ${obs.exitCode}` : 'timed out';
      await lab.stop();
      throw new Error(`OBS did not start (${why}):\n${log().slice(-3000)}`);
    }
    await sleep(200);
  }
  return lab;
}

/** An obs-websocket session of the test's own, to look at OBS apart from what Keycast says. */
export async function withObsSocket<T>(
  lab: ObsLab,
  work: (obs: OBSWebSocket) => Promise<T>,
): Promise<T> {
  const obs = new OBSWebSocket();
  await obs.connect(lab.url, lab.password);
  try {
    return await work(obs);
  } finally {
    await obs.disconnect();
  }
}

/** OBS's stream settings, read directly: a second pair of eyes on what Keycast says it did. */
export const obsStreamSettings = (
  lab: ObsLab,
): Promise<{ type: string; settings: Record<string, unknown> }> =>
  withObsSocket(lab, async (obs) => {
    const { streamServiceType, streamServiceSettings } = await obs.call('GetStreamServiceSettings');
    return { type: streamServiceType, settings: streamServiceSettings };
  });

/** Starts or stops OBS's stream and waits until its output is (in)active. */
export async function setObsOutput(lab: ObsLab, active: boolean): Promise<void> {
  await withObsSocket(lab, async (obs) => {
    if (!active) await obs.call('StopStream').catch(() => undefined);
    else await obs.call('StartStream');
    for (let i = 0; i < 100; i += 1) {
      if ((await obs.call('GetStreamStatus')).outputActive === active) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`OBS's output did not become ${active ? 'active' : 'inactive'}`);
  });
}
