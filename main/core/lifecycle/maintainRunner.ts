import { maintain, type MaintainReport } from './maintain.ts';
import type { RotationEnv } from './rotation.ts';

export const MAINTAIN_INTERVAL_MS = 3600_000;

/** Time as the runner sees it: real in the app, driven by hand in tests. */
export interface MaintainClock {
  now(): number;
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  schedule(fn: () => void, ms: number): () => void;
}

const systemClock: MaintainClock = {
  now: () => Date.now(),
  schedule(fn, ms) {
    const timer = setTimeout(fn, ms);
    // A pending run never keeps a process alive by itself.
    timer.unref();
    return () => clearTimeout(timer);
  },
};

export interface MaintainRunnerOptions extends Omit<RotationEnv, 'now'> {
  clock?: MaintainClock;
  intervalMs?: number;
  /** Each run's report (the app logs failures; the status banner shows what waits). */
  onReport?: (report: MaintainReport) => void;
  /** Mistakes in Keycast itself, never expected: the app logs them. */
  log?: (message: string) => void;
}

/**
 * What the app runs while it is open, as `keycast maintain` does from cron: once at start (an
 * interrupted rotation carries on, the app's "next start"), then every hour. Never two runs at
 * once; the steps themselves are guarded against other processes by the rotation's lease.
 */
export class MaintainRunner {
  private readonly options: MaintainRunnerOptions;
  private readonly clock: MaintainClock;
  private readonly intervalMs: number;
  private cancel: (() => void) | null = null;
  private current: Promise<MaintainReport | null> | null = null;
  private active = false;
  last: MaintainReport | null = null;

  constructor(options: MaintainRunnerOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.intervalMs = options.intervalMs ?? MAINTAIN_INTERVAL_MS;
  }

  start(): void {
    this.stop();
    this.active = true;
    this.scheduleIn(0);
  }

  stop(): void {
    this.active = false;
    this.cancel?.();
    this.cancel = null;
  }

  /** Resolves once the run under way (if any) has finished: for tests and for quitting. */
  async idle(): Promise<void> {
    await this.current;
  }

  /** One run now; a run already under way is joined, not doubled. */
  run(): Promise<MaintainReport | null> {
    this.current ??= this.runOnce().finally(() => {
      this.current = null;
    });
    return this.current;
  }

  private async runOnce(): Promise<MaintainReport | null> {
    try {
      const { vault, clients, afterStep, onReport } = this.options;
      const report = await maintain({
        vault,
        clients,
        afterStep,
        now: () => new Date(this.clock.now()),
      });
      this.last = report;
      onReport?.(report);
      return report;
    } catch (error) {
      // maintain reports each rotation's failure itself: this is a bug or a closed database.
      this.options.log?.(
        `keycast: maintenance failed: ${error instanceof Error ? error.name : 'unknown'}`,
      );
      return null;
    }
  }

  private scheduleIn(ms: number): void {
    this.cancel = this.clock.schedule(() => {
      this.cancel = null;
      void this.run().then(() => {
        if (this.active && this.cancel === null) this.scheduleIn(this.intervalMs);
      });
    }, ms);
  }
}
