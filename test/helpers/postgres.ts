import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, isAlive } from './processes.ts';

/**
 * A real PostgreSQL server for a test: initdb into a temporary folder, `postgres` on a free
 * loopback port (and a socket in that folder), stopped by its process id. The system's own
 * cluster is never touched. As root, both programs run as the `postgres` user (the server refuses
 * to run as root); as anyone else, as that user.
 */

const USER = 'keycast';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

/** The folder with initdb and postgres: KEYCAST_TEST_PG_BIN, else the newest Debian install. */
export function postgresBinDir(): string | null {
  const candidates: string[] = [];
  if (process.env.KEYCAST_TEST_PG_BIN) candidates.push(process.env.KEYCAST_TEST_PG_BIN);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => join(debian, version, 'bin')));
  }
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  return (
    candidates.find(
      (dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')),
    ) ?? null
  );
}

/** Why the PostgreSQL tests cannot run here, or null when they can. */
export function postgresMissing(): string | null {
  return postgresBinDir()
    ? null
    : 'PostgreSQL is not installed (no initdb and postgres in /usr/lib/postgresql/*/bin, KEYCAST_TEST_PG_BIN or pg_config --bindir): install the Debian package postgresql (bash scripts/dev.sh test does)';
}

const isRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program as a user it accepts: `postgres` when we are root. */
function asServerUser(program: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every server still running, stopped (fast shutdown) should the test process exit without stop(). */
const running = new Set<TestPostgres>();
process.once('exit', () => {
  for (const server of running) server.killNow();
});

export class TestPostgres {
  readonly dir: string;
  readonly bin: string;
  port = 0;
  private child: ChildProcess | null = null;
  /** The postmaster's own process id (runuser, when we are root, is its parent). */
  private pid: number | null = null;
  private log = '';

  /** The server's process id while it runs. */
  get serverPid(): number | null {
    return this.pid;
  }

  private constructor(dir: string, bin: string) {
    this.dir = dir;
    this.bin = bin;
  }

  /** A new cluster in a temporary folder, started and accepting connections. */
  static async start(): Promise<TestPostgres> {
    const bin = postgresBinDir();
    if (!bin) throw new Error(postgresMissing()!);
    const dir = mkdtempSync(join(tmpdir(), 'keycast-pg-'));
    const server = new TestPostgres(dir, bin);
    try {
      if (isRoot) {
        const chown = spawnSync('chown', ['postgres:', dir], { encoding: 'utf8' });
        if (chown.status !== 0) {
          throw new Error(
            `Could not give ${dir} to the postgres user (${chown.stderr.trim()}): the Debian package postgresql creates that user.`,
          );
        }
      }
      const [command, args] = asServerUser(join(bin, 'initdb'), [
        '-D',
        join(dir, 'data'),
        '-A',
        'trust',
        '-U',
        USER,
        '-E',
        'UTF8',
        '--no-sync',
        '--no-instructions',
      ]);
      const initdb = spawnSync(command, args, { cwd: dir, encoding: 'utf8' });
      if (initdb.status !== 0) {
        throw new Error(`initdb failed (${initdb.status}): ${initdb.stderr || initdb.stdout}`);
      }
      await server.run();
      return server;
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  /** Starts the server on the cluster made by start(), again after stop() (a restart). */
  async run(): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      // A fresh port the first time; a restart keeps its port, so URLs stay valid.
      if (this.port === 0 || attempt > 1) this.port = await freePort();
      try {
        await this.launch();
        return;
      } catch (error) {
        await this.stop({ keepFiles: true });
        if (attempt >= 3 || !/could not (bind|create listen)/i.test(String(error))) throw error;
      }
    }
  }

  /** postgres://keycast@127.0.0.1:PORT/DATABASE */
  url(database = 'postgres'): string {
    return `postgresql://${USER}@127.0.0.1:${this.port}/${database}`;
  }

  /**
   * A new, empty database on this server: its URL. With `icuLocale` its text sorts as that
   * language does (e.g. "a" before "B"), not byte by byte.
   */
  async createDatabase(name: string, options: { icuLocale?: string } = {}): Promise<string> {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      const locale = options.icuLocale
        ? ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE ${client.escapeLiteral(options.icuLocale)}`
        : '';
      await client.query(`CREATE DATABASE ${name}${locale}`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** Stops the server by its process id (fast shutdown) and, unless asked not to, removes its folder. */
  async stop(options: { keepFiles?: boolean } = {}): Promise<void> {
    const child = this.child;
    const pid = this.pid ?? this.postmasterPid();
    if (pid !== null && isAlive(pid)) {
      process.kill(pid, 'SIGINT');
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      while (isAlive(pid) && Date.now() < deadline) await sleep(50);
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    if (child && child.exitCode === null && child.signalCode === null) {
      // runuser waits for the server it started; it ends with it.
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const deadline = sleep(STOP_TIMEOUT_MS).then(() => 'timeout');
      if ((await Promise.race([exited, deadline])) === 'timeout' && child.pid) {
        process.kill(child.pid, 'SIGKILL');
      }
    }
    this.child = null;
    this.pid = null;
    running.delete(this);
    if (!options.keepFiles) rmSync(this.dir, { recursive: true, force: true });
  }

  /** Last resort at process exit: synchronous, by process id. */
  killNow(): void {
    for (const pid of [this.pid, this.child?.pid]) {
      if (pid) {
        try {
          process.kill(pid, 'SIGINT');
        } catch {
          // already gone
        }
      }
    }
  }

  private async launch(): Promise<void> {
    this.log = '';
    const [command, args] = asServerUser(join(this.bin, 'postgres'), [
      '-D',
      join(this.dir, 'data'),
      '-k',
      this.dir,
      '-p',
      String(this.port),
      '-h',
      '127.0.0.1',
      // A throwaway cluster: durability is not what these tests are about.
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ]);
    const child = spawn(command, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    running.add(this);
    const keep = (chunk: Buffer) => {
      this.log = (this.log + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const failed: { error?: Error } = {};
    child.once('error', (error) => (failed.error = error));

    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (failed.error) throw failed.error;
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`postgres exited (${child.exitCode ?? child.signalCode}): ${this.log}`);
      }
      // Read once it answers: a file left by a killed server may name a process that is gone.
      if (await this.accepts()) {
        this.pid = this.postmasterPid();
        if (this.pid !== null) return;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `postgres did not accept connections within ${READY_TIMEOUT_MS / 1000} s: ${this.log}`,
        );
      }
      await sleep(100);
    }
  }

  /** The first line of postmaster.pid, once the server has written it. */
  private postmasterPid(): number | null {
    try {
      const pid = Number(
        readFileSync(join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
      );
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }

  private async accepts(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 2000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
