import { KeycastError } from '../errors.ts';
import { systemClock, type RunnerClock } from '../obs/keepFreshRunner.ts';
import type { Vault } from '../vault/vault.ts';
import { takeDueReminders, type Reminder } from './reminders.ts';
import type { RotationSource } from './statusSources.ts';

/** How often the app looks for reminders due: an hour late at most for a 1-day reminder. */
export const REMINDER_INTERVAL_MS = 60 * 60 * 1000;

export interface ReminderRunnerOptions {
  vault: Vault;
  /** Shows one reminder (the app: an OS notification). Decides nothing. */
  notify: (reminder: Reminder) => void;
  clock?: RunnerClock;
  intervalMs?: number;
  rotations?: RotationSource;
  /** Failures a person cannot act on (the app logs them); never a key or a secret. */
  log?: (message: string) => void;
}

/**
 * The app's expiry reminders: one look at start, then every hour. Each look takes the reminders
 * due (marked sent in the vault, so a restart repeats none) and hands them to `notify`. The
 * schedule lives here with a clock a test drives; the Electron glue only starts and stops it.
 */
export class ReminderRunner {
  private readonly options: ReminderRunnerOptions;
  private readonly clock: RunnerClock;
  private cancelTimer: (() => void) | null = null;

  constructor(options: ReminderRunnerOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
  }

  /** Looks now, then every interval until stopped. */
  start(): void {
    this.stop();
    this.scheduleIn(0);
  }

  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  get running(): boolean {
    return this.cancelTimer !== null;
  }

  /** One look: the reminders due now, already shown. Failures are logged, never thrown. */
  tick(): Reminder[] {
    let due: Reminder[];
    try {
      due = takeDueReminders(
        this.options.vault,
        new Date(this.clock.now()),
        this.options.rotations,
      );
    } catch (error) {
      // A busy or damaged database: the next look tries again; nothing was marked sent.
      const what = error instanceof KeycastError ? error.message : 'an unexpected error';
      this.options.log?.(`keycast: the expiry reminders could not be read: ${what}`);
      return [];
    }
    for (const reminder of due) {
      try {
        this.options.notify(reminder);
      } catch {
        this.options.log?.('keycast: an expiry reminder could not be shown');
      }
    }
    return due;
  }

  private scheduleIn(ms: number): void {
    this.cancelTimer = this.clock.schedule(() => {
      this.tick();
      // stop() during the look leaves nothing scheduled.
      if (this.cancelTimer !== null)
        this.scheduleIn(this.options.intervalMs ?? REMINDER_INTERVAL_MS);
    }, ms);
  }
}
