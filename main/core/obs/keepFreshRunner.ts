import { InputError, KeycastError } from '../errors.ts';
import { formatSpan } from '../time.ts';
import type { Vault } from '../vault/vault.ts';
import type { ObsTarget } from './connection.ts';
import {
  freshenOnce,
  type FreshenOptions,
  type FreshenOutcome,
  type PushedStream,
} from './keepFresh.ts';
import { mintForObs, type ObsMintRequest } from './mintForObs.ts';
import { obsTarget } from './target.ts';

/**
 * The app's "keep OBS's token fresh": while enabled, one look at OBS every 30 s (freshenOnce:
 * a new token when OBS is not live and the one it holds is within the margin; never while live;
 * OBS pointed elsewhere is left alone). The schedule lives here, with a clock a test can drive;
 * the Electron glue only resumes it on start and stops it on quit.
 */

/** The vault setting with what keep-fresh mints (the same values as the Mint form). */
export const KEEP_FRESH_SETTING = 'obs.keepFresh';
/**
 * Where keep-fresh last pointed OBS (service type, server, stream name; never the key): kept
 * across restarts, so an OBS the person has since pointed elsewhere is still left alone.
 */
export const KEEP_FRESH_PUSHED_SETTING = 'obs.keepFresh.pushed';
export const KEEP_FRESH_INTERVAL_MS = 30_000;

export interface KeepFreshConfig extends ObsMintRequest {
  enabled: boolean;
  marginSeconds: number;
}

export interface KeepFreshReport {
  at: string;
  message: string;
  pushed: boolean;
  problem: boolean;
}

export interface KeepFreshSnapshot {
  settings: KeepFreshConfig | null;
  running: boolean;
  last: KeepFreshReport | null;
  nextCheckAt: string | null;
}

/** Time as the runner sees it: real in the app, driven by hand in tests. */
export interface RunnerClock {
  now(): number;
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  schedule(fn: () => void, ms: number): () => void;
}

export const systemClock: RunnerClock = {
  now: () => Date.now(),
  schedule(fn, ms) {
    const timer = setTimeout(fn, ms);
    // A pending look at OBS never keeps a process (a test, the CLI) alive by itself.
    timer.unref();
    return () => clearTimeout(timer);
  },
};

export interface KeepFreshRunnerOptions {
  vault: Vault;
  clock?: RunnerClock;
  intervalMs?: number;
  /** Where OBS is: default, the saved address and the stored password. */
  target?: () => Promise<ObsTarget>;
  /** One look at OBS: default freshenOnce. */
  look?: (options: FreshenOptions, last: PushedStream | null) => Promise<FreshenOutcome>;
  /** Mistakes in Keycast itself (not OBS problems): the app logs them; never the settings. */
  log?: (message: string) => void;
}

const sameTarget = (a: KeepFreshConfig | null, b: KeepFreshConfig): boolean =>
  a !== null &&
  a.provider === b.provider &&
  a.kind === b.kind &&
  a.key === b.key &&
  (a.whip ?? false) === (b.whip ?? false) &&
  JSON.stringify(a.params) === JSON.stringify(b.params);

export class KeepFreshRunner {
  private readonly vault: Vault;
  private readonly clock: RunnerClock;
  private readonly intervalMs: number;
  private readonly target: () => Promise<ObsTarget>;
  private readonly look: NonNullable<KeepFreshRunnerOptions['look']>;
  private readonly log: (message: string) => void;
  private cancelTimer: (() => void) | null = null;
  private nextAt: number | null = null;
  private active = false;
  private current: Promise<KeepFreshReport> | null = null;
  private lastReport: KeepFreshReport | null = null;

  constructor(options: KeepFreshRunnerOptions) {
    this.vault = options.vault;
    this.clock = options.clock ?? systemClock;
    this.intervalMs = options.intervalMs ?? KEEP_FRESH_INTERVAL_MS;
    this.target = options.target ?? (() => obsTarget(this.vault));
    this.look = options.look ?? freshenOnce;
    this.log = options.log ?? (() => undefined);
  }

  /** The saved settings, or null when none are saved (or they no longer parse). */
  settings(): KeepFreshConfig | null {
    const saved = this.vault.settings.get(KEEP_FRESH_SETTING);
    if (!saved || typeof saved !== 'object') return null;
    const value = saved as Partial<KeepFreshConfig>;
    if (
      typeof value.provider !== 'string' ||
      typeof value.kind !== 'string' ||
      typeof value.key !== 'string' ||
      typeof value.marginSeconds !== 'number' ||
      !value.params ||
      typeof value.params !== 'object'
    )
      return null;
    return {
      enabled: value.enabled === true,
      provider: value.provider,
      kind: value.kind,
      key: value.key,
      params: value.params,
      ttlSeconds: typeof value.ttlSeconds === 'number' ? value.ttlSeconds : undefined,
      whip: value.whip === true,
      marginSeconds: value.marginSeconds,
    };
  }

  /**
   * Saves the settings and starts or stops. Enabled settings are checked first by minting once
   * (a wrong key, kind or parameter is refused now, not at the first refresh), and the margin must
   * be shorter than the token's lifetime, or every look would push a new token.
   */
  async save(config: KeepFreshConfig): Promise<KeepFreshSnapshot> {
    if (config.enabled) {
      const first = await mintForObs(this.vault, config);
      const lifetime = first.expiresAt
        ? Math.round((Date.parse(first.expiresAt) - Date.now()) / 1000)
        : null;
      if (lifetime !== null && config.marginSeconds >= lifetime) {
        throw new InputError(
          `The margin (${formatSpan(config.marginSeconds)}) must be shorter than the token's lifetime (${formatSpan(lifetime)}), or every look at OBS would push a new token.`,
        );
      }
    }
    // Another stream or key: what keep-fresh pushed before no longer says where OBS should point.
    if (!sameTarget(this.settings(), config))
      this.vault.settings.set(KEEP_FRESH_PUSHED_SETTING, null);
    this.vault.settings.set(KEEP_FRESH_SETTING, { ...config, whip: config.whip ?? false });
    if (config.enabled) this.restart();
    else {
      this.stop();
      this.lastReport = null;
    }
    return this.snapshot();
  }

  /** Starts when saved settings say so (the app calls this once it is up). */
  resume(): void {
    if (this.settings()?.enabled) this.restart();
  }

  /** Stops looking; a look already under way finishes, and nothing more is scheduled. */
  stop(): void {
    this.active = false;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.nextAt = null;
  }

  get running(): boolean {
    return this.active;
  }

  snapshot(): KeepFreshSnapshot {
    return {
      settings: this.settings(),
      running: this.active,
      last: this.lastReport,
      nextCheckAt: this.nextAt === null ? null : new Date(this.nextAt).toISOString(),
    };
  }

  /** Resolves once the look under way (if any) has finished: for tests and for quitting. */
  async idle(): Promise<void> {
    await this.current?.catch(() => undefined);
  }

  /** One look at OBS now, with the saved settings; reported, never thrown. */
  tick(): Promise<KeepFreshReport> {
    // Never two looks at once: a slow OBS answers one before the next begins.
    this.current ??= this.lookOnce().finally(() => {
      this.current = null;
    });
    return this.current;
  }

  private restart(): void {
    this.stop();
    this.active = true;
    this.scheduleIn(0);
  }

  private scheduleIn(ms: number): void {
    this.nextAt = this.clock.now() + ms;
    this.cancelTimer = this.clock.schedule(() => {
      this.cancelTimer = null;
      this.nextAt = null;
      void this.tick().then(() => {
        if (this.active && this.cancelTimer === null) this.scheduleIn(this.intervalMs);
      });
    }, ms);
  }

  private async lookOnce(): Promise<KeepFreshReport> {
    const report = (message: string, pushed: boolean, problem: boolean): KeepFreshReport => {
      this.lastReport = { at: new Date(this.clock.now()).toISOString(), message, pushed, problem };
      return this.lastReport;
    };
    const config = this.settings();
    if (!config) return report('Keep-fresh has nothing to mint: choose it in Mint.', false, true);
    try {
      const request: ObsMintRequest = {
        provider: config.provider,
        kind: config.kind,
        key: config.key,
        params: config.params,
        ttlSeconds: config.ttlSeconds,
        whip: config.whip,
      };
      const outcome = await this.look(
        {
          target: await this.target(),
          kid: this.vault.find(config.key).kid,
          marginSeconds: config.marginSeconds,
          mint: async () => (await mintForObs(this.vault, request)).service,
          now: () => this.clock.now(),
        },
        this.pushedBefore(),
      );
      if (outcome.pushed) this.vault.settings.set(KEEP_FRESH_PUSHED_SETTING, outcome.pushed);
      return report(
        outcome.pushed
          ? `${outcome.decision.reason} Pushed a fresh token.`
          : outcome.decision.reason,
        outcome.pushed !== null,
        false,
      );
    } catch (error) {
      if (error instanceof KeycastError) return report(error.message, false, true);
      this.log(`keycast: keep-fresh failed: ${error instanceof Error ? error.name : 'unknown'}`);
      return report('Something unexpected went wrong; Keycast tries again shortly.', false, true);
    }
  }

  private pushedBefore(): PushedStream | null {
    const saved = this.vault.settings.get(KEEP_FRESH_PUSHED_SETTING);
    if (!saved || typeof saved !== 'object') return null;
    const value = saved as Partial<PushedStream>;
    return typeof value.type === 'string' && typeof value.server === 'string'
      ? { type: value.type, server: value.server, streamName: value.streamName ?? null }
      : null;
  }
}
